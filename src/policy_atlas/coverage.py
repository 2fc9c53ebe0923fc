"""What the map shows: per municipality, the subsidies received (by funder, tier, subsidy and year) and,
per region, the LIVC-R coverage figures the report gives."""
from __future__ import annotations

import datetime as dt

from . import gazetteer as gaz
from .model import FuzzyDate
from .queries import Atlas, livcr_figures


def subsidies(atlas: Atlas) -> list[str]:
    return [s for s in atlas.entities_of("Subsidy") if atlas.values(s, "recipient")]


def funders(atlas: Atlas) -> list[str]:
    return sorted({f.value for s in subsidies(atlas) for f in atlas.values(s, "funder")})


def grants(atlas: Atlas, lang: str = "nl", funder: str | None = None, tier: str | None = None,
           subsidy: str | None = None, year: int | None = None) -> dict[str, list[dict]]:
    """nis -> grants received, each with subsidy, funder(s), period and citation."""
    out: dict[str, dict[str, dict]] = {}
    for sid in subsidies(atlas):
        funder_ids = [f.value for f in atlas.values(sid, "funder")] or [g.value for g in atlas.values(sid, "government")]
        if subsidy and sid != subsidy or funder and funder not in funder_ids or tier and atlas.tier_of(sid) != tier:
            continue
        for st in atlas.values(sid, "recipient"):
            if not st.value.startswith("mun/"):
                continue
            start = str(st.valid_from) if st.valid_from else atlas.period_of(sid)[0]
            end = str(st.valid_to) if st.valid_to else atlas.period_of(sid)[1]
            if year is not None and not _covers(start, end, year):
                continue
            received = out.setdefault(st.value[4:], {})
            grant = received.setdefault(sid, {
                "subsidy": sid, "label": atlas.label(sid, lang), "funders": funder_ids, "start": start, "end": end,
                "tier": atlas.tier_of(sid), "cites": []})
            grant["cites"].append(atlas.citation(st))
    return {nis: list(by_subsidy.values()) for nis, by_subsidy in out.items()}


def grants_by_map(grants: dict[str, list[dict]], day: dt.date | None) -> dict[str, list[dict]]:
    """The grants regrouped on the municipalities of a day's map: a merged municipality carries what its
    predecessors received, each grant saying through which predecessor (`via`)."""
    if day is None:
        return grants
    g = gaz.load()
    out: dict[str, list[dict]] = {}
    for nis, received in grants.items():
        mun = g.get(nis)
        for target in g.on_date(mun, day):
            via = None if target.nis == nis else {"nis": nis, "name_nl": mun.name_nl, "name_fr": mun.name_fr,
                                                   "until": mun.valid_to.isoformat() if mun.valid_to else None}
            out.setdefault(target.nis, []).extend({**grant, "via": via} for grant in received)
    return out


def municipality_count(day: dt.date | None = None) -> int:
    """How many municipalities the map of a day has (None: the report's 2019 map, 581)."""
    return len(gaz.load().on(day))


def _covers(start: str | None, end: str | None, year: int) -> bool:
    """Unknown periods are kept only when the year cannot be excluded."""
    if start and FuzzyDate.parse(start).first_day().year > year:
        return False
    if end and FuzzyDate.parse(end).last_day().year < year:
        return False
    return True


def livcr(atlas: Atlas, lang: str = "nl") -> dict:
    """Per municipality the recorded LIVC-R status; per region the report's coverage figures."""
    status = {}
    for mun in gaz.load():
        own = atlas.values(mun.entity_id, "livcr_status")
        status[mun.nis] = {"status": own[0].value if own else "unknown", "cites": atlas.citation(own[0]) if own else None}
    return {"municipalities": status, "figures": livcr_figures(atlas, lang=lang)}
