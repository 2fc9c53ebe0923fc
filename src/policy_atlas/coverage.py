"""What the map shows: per municipality, the subsidies received (by funder, tier, subsidy and year) and,
per region, the LIVC-R coverage figures the report gives."""
from __future__ import annotations

import datetime as dt
import sys
from functools import lru_cache

from . import gazetteer as gaz
from .model import FuzzyDate
from .queries import Atlas, livcr_figures


def subsidies(atlas: Atlas) -> list[str]:
    return atlas.derived("coverage.subsidies",
                   lambda _: [s for s in atlas.chunked(atlas.entities_of("Subsidy")) if atlas.values(s, "recipient")])


def funders(atlas: Atlas) -> list[str]:
    return atlas.derived("coverage.funders",
                   lambda _: sorted({f.value for s in subsidies(atlas) for f in atlas.values(s, "funder")}))


def recipients(atlas: Atlas) -> dict[str, int]:
    """subsidy -> how many municipalities it names as recipients (the map's filter lists the most named first)."""
    return atlas.derived("coverage.recipients", lambda _: {
        s: len({st.value for st in atlas.values(s, "recipient") if st.value.startswith("mun/")})
        for s in subsidies(atlas)})


def funder_reach(atlas: Atlas) -> dict[str, int]:
    """funder -> recipients named by the subsidies it funds (the map's funder filter lists the largest first)."""
    def compute() -> dict[str, int]:
        reach, out = recipients(atlas), dict.fromkeys(funders(atlas), 0)
        for sid in subsidies(atlas):
            for f in {st.value for st in atlas.values(sid, "funder")}:
                out[f] += reach[sid]
        return out
    return atlas.derived("coverage.funder_reach", lambda _: compute())


def grants(atlas: Atlas, lang: str = "nl", funder: str | None = None, tier: str | None = None,
           subsidy: str | None = None, year: int | None = None) -> dict[str, list[dict]]:
    """nis -> grants received, each with subsidy, funder(s), period and citation (with the filters applied)."""
    about, rows = atlas.derived(f"coverage.grants.{lang}", lambda _: _recipient_rows(atlas, lang))
    out: dict[str, dict[str, dict]] = {}
    for nis, sid, start, end, cite in rows:
        info = about[sid]
        if subsidy and sid != subsidy or funder and funder not in info["funders"] or tier and info["tier"] != tier:
            continue
        if year is not None and not _covers(start, end, year):
            continue
        grant = out.setdefault(nis, {}).setdefault(sid, {"subsidy": sid, **info, "start": start, "end": end,
                                                        "cites": []})
        grant["cites"].append(cite)
    return {nis: list(by_subsidy.values()) for nis, by_subsidy in out.items()}


def _recipient_rows(atlas: Atlas, lang: str) -> tuple[dict[str, dict], list[tuple]]:
    """Per subsidy its label, funders and tier; one row (nis, subsidy, start, end, citation) per recipient statement."""
    about, rows, cites = {}, [], {}
    for sid in subsidies(atlas):
        funder_ids = [f.value for f in atlas.values(sid, "funder")] or [g.value for g in atlas.values(sid, "government")]
        about[sid] = {"label": atlas.label(sid, lang), "funders": funder_ids, "tier": atlas.tier_of(sid)}
        own_start, own_end = atlas.period_of(sid)
        for st in atlas.values(sid, "recipient"):
            if st.value.startswith("mun/"):
                cite = atlas.citation(st)  # one (never changed) dict per citation, not per recipient: kept per version
                cite = cites.setdefault((st.source, st.locator, st.quote), cite)
                rows.append((_intern(st.value[4:]), sid, _intern(str(st.valid_from) if st.valid_from else own_start),
                             _intern(str(st.valid_to) if st.valid_to else own_end), cite))
    return about, rows


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


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
    first, last = _years(start, end)
    return not (first is not None and first > year or last is not None and last < year)


@lru_cache(maxsize=4096)
def _years(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    return (FuzzyDate.parse(start).first_day().year if start else None,
            FuzzyDate.parse(end).last_day().year if end else None)


def livcr(atlas: Atlas, lang: str = "nl") -> dict:
    """Per municipality the recorded LIVC-R status; per region the report's coverage figures."""
    return atlas.derived(f"coverage.livcr.{lang}", lambda _: _livcr(atlas, lang))


def _livcr(atlas: Atlas, lang: str) -> dict:
    status = {}
    atlas.prefetch(m.entity_id for m in gaz.load())
    for mun in gaz.load():
        own = atlas.values(mun.entity_id, "livcr_status")
        status[mun.nis] = {"status": own[0].value if own else "unknown", "cites": atlas.citation(own[0]) if own else None}
    return {"municipalities": status, "figures": livcr_figures(atlas, lang=lang)}
