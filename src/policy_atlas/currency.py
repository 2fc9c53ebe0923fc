"""How current the atlas is: the newest dated source and fact behind the whole atlas or one entity, and
where a trail ends ("no source after 2019 found")."""
from __future__ import annotations

import datetime as dt

from .model import FuzzyDate, ModelError, Statement
from .queries import Atlas

STALE_AFTER_YEARS = 3
UNDATED_KINDS = ("editorial", "dataset")  # classifications and code lists: no date of the world


def source_date(source: dict) -> FuzzyDate | None:
    for key in ("published", "year", "date"):  # a retrieval date says nothing of when the facts were true
        if source.get(key):
            try:
                return FuzzyDate.parse(source[key])
            except ModelError:
                return None
    return None


def _fact_dates(st: Statement) -> list[FuzzyDate]:
    dates = [d for d in (st.valid_from, st.valid_to) if d]
    if st.value_type == "date":
        dates.append(FuzzyDate.parse(st.value))
    return dates


def summary(atlas: Atlas, statements: list[Statement], today: dt.date | None = None) -> dict:
    """The newest source and fact date behind these statements, and whether the trail looks old."""
    facts = [d for st in statements if st.source != "editorial" for d in _fact_dates(st)]
    return _summary(atlas, {st.source for st in statements}, facts, today)


def _summary(atlas: Atlas, cited: set[str], facts: list[FuzzyDate], today: dt.date | None) -> dict:
    today = today or dt.date.today()
    dated = [d for sid in cited if atlas.sources.get(sid, {}).get("kind") not in UNDATED_KINDS
             for d in [source_date(atlas.sources.get(sid, {}))] if d]
    facts = [d for d in facts if d.first_day() <= today]
    latest_source = max(dated, key=FuzzyDate.last_day, default=None)
    latest_fact = max(facts, key=FuzzyDate.last_day, default=None)
    return {"latest_source": str(latest_source) if latest_source else None,
            "latest_fact": str(latest_fact) if latest_fact else None,
            "sources": len(cited - {"editorial"}),
            "stale_since": latest_source.year if latest_source and today.year - latest_source.year >= STALE_AFTER_YEARS
            else None}


def of_atlas(atlas: Atlas) -> dict:
    """Computed once per version (and day), from counts in the store rather than from every statement."""
    return atlas.derived(("currency", dt.date.today()), _of_atlas)


def _of_atlas(atlas: Atlas) -> dict:
    facts = [FuzzyDate.parse(text) for column, where in (("valid_from", {}), ("valid_to", {}),
                                                         ("value", {"value_type": "date"}))
             for source, text in atlas.tally(("source", column), **where) if source != "editorial" and text]
    return _summary(atlas, set(atlas.tally("source")), facts, None)


def of_entity(atlas: Atlas, eid: str) -> dict:
    if atlas.types.get(eid) in ("Municipality", "Province", "Arrondissement"):
        return summary(atlas, list(atlas.by_object.get(eid, ())))
    return summary(atlas, list(atlas.by_subject.get(eid, ())))


INSTRUMENTS = ("Plan", "LegalAct", "Subsidy", "Programme")


def status_today(atlas: Atlas, today: dt.date | None = None) -> dict:
    """Plans, laws, subsidies and programmes today: ended (a `status` says ended or replaced, or an end date
    passed with no later `status`), running (a `status` continued or no end, and a source from the last few
    years), or unknown (no source since `stale_since`)."""
    today = today or dt.date.today()
    return atlas.derived(("status_today", today), lambda atlas: _status_today(atlas, today))


def _status_today(atlas: Atlas, today: dt.date) -> dict:
    """From the instruments' own dates, their `status` statements and the sources each cites: no instrument's
    statements are read one by one."""
    statuses: dict[str, list[Statement]] = {}
    for st in atlas.where(prop="status"):
        statuses.setdefault(st.subject, []).append(st)
    instruments = atlas.entities_of(*INSTRUMENTS)
    cited = {subject: set(sources) for subject, sources in atlas.tally_per_subject("source", instruments)}
    out: dict[str, list[str]] = {"running": [], "ended": [], "unknown": []}
    for eid in instruments:
        start, end = atlas.period_of(eid)
        status = sorted((s for s in statuses.get(eid, ()) if s.holds_on(today)),
                        key=lambda s: (s.rank != "preferred", str(s.valid_from or "")))  # as `Atlas.values` orders
        if status and status[0].value in ("ended", "replaced"):
            out["ended"].append(eid)
        elif end and FuzzyDate.parse(end).last_day() < today and not status:
            out["ended"].append(eid)
        elif start and FuzzyDate.parse(start).first_day() > today:
            continue
        elif _summary(atlas, cited.get(eid, set()), [], today)["stale_since"]:
            out["unknown"].append(eid)
        else:
            out["running"].append(eid)
    return out
