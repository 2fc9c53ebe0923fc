"""What the map shows: per municipality, the subsidies received (by funder, tier, subsidy and year) and,
per region, the LIVC-R coverage figures the report gives."""
from __future__ import annotations

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
