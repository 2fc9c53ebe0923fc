"""Change over time. Record time: what the atlas learned when, by whom, why, on what evidence (the statement
log, grouped into builds and accepted proposals). Valid time: what changed in the world between two dates
(statements that began or ended, dated facts such as a founding or an adoption)."""
from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .. import store
from ..model import FuzzyDate
from ..queries import Atlas
from ..store import curation as tables

LOG_LIMIT = 5000


def _events(rows: list[dict], reviewers: dict[int, str]) -> list[dict]:
    """Log rows grouped into events (one build or one accepted proposal), newest first."""
    events: dict[tuple, dict] = {}
    for r in rows:
        key = ("proposal", r["proposal_id"]) if r["proposal_id"] else ("build", r["build_id"])
        ev = events.setdefault(key, {"kind": key[0], "id": key[1], "at": str(r["at"]), "actor": r["actor"],
                                     "reason": r["reason"], "reviewer": reviewers.get(r["proposal_id"]),
                                     "changes": []})
        ev["changes"].append({k: r[k] for k in ("action", "statement_id", "subject", "prop", "value", "valid_from",
                                                "valid_to", "source", "locator", "quote", "rank", "note") if k in r})
    return sorted(events.values(), key=lambda e: e["at"], reverse=True)


def _reviewers(engine: Engine, proposal_ids: set[int]) -> dict[int, str]:
    if not proposal_ids:
        return {}
    q = (select(tables.reviews.c.proposal_id, tables.accounts.c.email)
         .join(tables.accounts, tables.accounts.c.id == tables.reviews.c.reviewer_id)
         .where(tables.reviews.c.decision == "accept", tables.reviews.c.proposal_id.in_(proposal_ids)))
    with engine.connect() as conn:
        return dict(conn.execute(q).all())


def _log_query():
    log, st = store.statement_log, store.statements
    return (select(log.c.seq, log.c.action, log.c.at, log.c.build_id, log.c.actor, log.c.proposal_id, log.c.reason,
                   log.c.statement_id, st.c.subject, st.c.prop, st.c.value, st.c.valid_from, st.c.valid_to,
                   st.c.source, st.c.locator, st.c.quote, st.c.rank, st.c.note)
            .join(st, st.c.id == log.c.statement_id))


def entity_history(engine: Engine, eid: str) -> list[dict]:
    """Who changed what of one entity, when, why, with the evidence; newest first."""
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(_log_query().where(store.statements.c.subject == eid)
                                              .order_by(store.statement_log.c.seq)).mappings()]
    return _events(rows, _reviewers(engine, {r["proposal_id"] for r in rows if r["proposal_id"]}))


def since(engine: Engine, *, day: dt.date | None = None, build: int | None = None) -> list[dict]:
    """What changed in the atlas (record time) since a day or after a build; newest first."""
    q = _log_query()
    if build is not None:
        with engine.connect() as conn:
            first = conn.execute(select(store.statement_log.c.seq).where(store.statement_log.c.build_id == build)
                                 .order_by(store.statement_log.c.seq.desc()).limit(1)).scalar()
        q = q.where(store.statement_log.c.seq > (first or 0))
    if day is not None:
        q = q.where(store.statement_log.c.at >= day.isoformat())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q.order_by(store.statement_log.c.seq.desc()).limit(LOG_LIMIT)).mappings()]
    rows.reverse()
    return _events(rows, _reviewers(engine, {r["proposal_id"] for r in rows if r["proposal_id"]}))


def between(atlas: Atlas, start: dt.date, end: dt.date, lang: str) -> list[dict]:
    """What changed in the world from `start` to `end` (valid time), by date: statements that began or ended
    (a subsidy's recipients, a body's members, a status) and dated facts (founded, adopted, started, ended)."""
    out = []
    for st in atlas.dated_in(start.year, end.year):
        if st.rank == "deprecated" or st.origin == "gazetteer":
            continue
        marks = []
        if st.valid_from and start <= st.valid_from.first_day() <= end:
            marks.append(("began", st.valid_from))
        if st.valid_to and start <= st.valid_to.last_day() <= end:
            marks.append(("ended", st.valid_to))
        if st.value_type == "date":
            day = FuzzyDate.parse(st.value)
            if start <= day.first_day() <= end:
                marks.append(("dated", day))
        for kind, when in marks:
            item = {"date": str(when), "kind": kind, "subject": st.subject, "subject_label": atlas.label(st.subject, lang),
                    "subject_type": atlas.types.get(st.subject), "property": st.prop, "value": st.value,
                    "value_type": st.value_type, **atlas.citation(st)}
            if st.value_type == "entity":
                item["value_label"] = atlas.label(st.value, lang)
            out.append(item)
    return sorted(out, key=lambda i: (i["date"], i["subject_label"].casefold(), i["property"]))


def atom(events: list[dict], *, base: str, title: str, updated: str) -> str:
    """An Atom 1.0 feed: one entry per build or accepted proposal."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"<title>{escape(title)}</title>", f"<id>{escape(base)}/api/atlas-changes</id>",
             f'<link rel="self" href="{escape(base)}/api/atlas-changes?format=atom"/>',
             f"<updated>{escape(_rfc3339(updated))}</updated>", "<author><name>Policy Atlas</name></author>"]
    for ev in events:
        name = f"proposal {ev['id']}" if ev["kind"] == "proposal" else f"build {ev['id']}"
        added = sum(c["action"] == "add" for c in ev["changes"])
        retracted = len(ev["changes"]) - added
        summary = f"{added} added, {retracted} retracted" + (f" — {ev['reason']}" if ev["reason"] else "") + \
            (f" (by {ev['actor']})" if ev["actor"] else "")
        parts += ["<entry>", f"<title>{escape(name)}</title>",
                  f"<id>{escape(base)}/changes/{ev['kind']}/{ev['id']}</id>",
                  f"<updated>{escape(_rfc3339(ev['at']))}</updated>",
                  f'<link href="{escape(base)}/en/atlas-changes"/>',
                  f"<summary>{escape(summary)}</summary>", "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


def _rfc3339(at: str) -> str:
    text = str(at)
    if "T" not in text:
        text = f"{text[:10]}T00:00:00"
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


COMPARED = ("subsidies_received", "subsidies_open", "bodies_taking_part", "helplines", "services", "trainings", "tools",
            "plans", "rules", "bodies", "agencies")
