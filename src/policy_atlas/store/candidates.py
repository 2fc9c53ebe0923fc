"""A municipality profile's candidates, kept with the statements: one row per current statement that points to a
government or a municipality (an item a government runs, a grant received, a body taken part in), with what decides
on which days and where it applies and its subject's names. A profile reads the rows pointing to its governments in
one indexed query instead of the statements of thousands of subjects (7,800 at 100×).

A row depends on its subject's own current statements alone (`rows_of`), so `append`, the one way current
statements change, rewrites the rows of the subjects it touched (`store.write.refresh_candidates`); migration 0008
writes them for a store made before. This module says what the rows are; `store.write` writes them."""
from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from functools import cache
from typing import Iterable, Iterator, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..model import FuzzyDate, Statement
from .read import _date
from .schema import profile_candidates as table, statements

POINTING = ("government", "recipient", "member", "signatory", "provider")
PERIOD_PROPS = ("start", "end", "founded", "dissolved", "adopted", "signed", "date")  # an entity's own dates
FACTS = (*PERIOD_PROPS, "recipient", "eligible_region")
READ = tuple(dict.fromkeys((*POINTING, *FACTS, "name")))  # the properties a row is made from
SPANS = (("start", "end"), ("founded", "dissolved"), ("adopted", "end"), ("signed", "end"))
COLUMNS = ("statement_id", "target", "prop", "subject", "first_day", "last_day", "area", "named", "names")
NAME_COLUMNS = ("subject", "lang", "value", "rank")
NAME_SEP = "\x1f"  # the unit separator: in no name (a name is one line of text)
CHUNK = 500


@cache  # few distinct date texts, asked for thousands of items per page
def first_day(value: str) -> dt.date:
    return FuzzyDate.parse(value).first_day()


@cache
def last_day(value: str) -> dt.date:
    return FuzzyDate.parse(value).last_day()


def active_span(dates: dict[str, list[str]]) -> tuple[dt.date, dt.date]:
    """The days on which an entity with these own dates (property -> values) is active, as one span (empty when
    first > last): each start property's earliest value and each end property's latest bound it."""
    first, last = dt.date.min, dt.date.max
    for start_prop, end_prop in SPANS:
        if dates.get(start_prop):
            first = max(first, min(first_day(v) for v in dates[start_prop]))
        if dates.get(end_prop):
            last = min(last, max(last_day(v) for v in dates[end_prop]))
    return first, last


def name_rows(sts: Iterable[Statement]) -> Iterator[tuple]:
    return ((st.subject, st.lang, st.value, st.rank) for st in sts if st.prop == "name")


def names_of(rows: Iterable[tuple]) -> dict[str, str]:
    """eid -> its names as one string "language␟name␟language␟name…" (NAME_SEP) from (subject, lang, value, rank)
    rows of name statements in statement order, withdrawn ones left out, the later of two in one language winning.
    One string per entity under its interned id: a fraction of the memory of a dict or tuple per entity, which
    matters when every entity's names are kept for a version (two versions live in a reload)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for subject, lang, value, rank in rows:
        if rank != "deprecated":
            out[subject][lang or ""] = value
    return {sys.intern(eid): NAME_SEP.join(x for pair in names.items() for x in pair) for eid, names in out.items()}


def rows_of(sts: list[Statement] | list[Fact]) -> list[tuple]:
    """The rows (COLUMNS) of one subject's current statements, in statement order: one per non-withdrawn statement
    of a POINTING property that points to an entity. It applies on the days first…last (ISO dates): its subject is
    active (`active_span` of its own dates, withdrawn values left out) and the statement holds; its area is the
    subject's best `eligible_region` (None: everywhere); `named` says whether the subject names a recipient."""
    pointing = [st for st in sts if st.prop in POINTING and st.value_type == "entity" and st.rank != "deprecated"]
    if not pointing:
        return []
    own: dict[str, list[Statement]] = defaultdict(list)
    for st in sts:
        if st.prop in FACTS:
            own[st.prop].append(st)
    start, end = active_span({p: [st.value for st in found if st.rank != "deprecated"] for p, found in own.items()})
    areas = sorted((st for st in own.get("eligible_region", ()) if st.rank != "deprecated"),
                   key=lambda st: (st.rank != "preferred", str(st.valid_from or "")))
    area = areas[0].value if areas and areas[0].value != "all" else None
    names = names_of(name_rows(sts)).get(pointing[0].subject, "")
    out = []
    for st in pointing:
        first = max(start, st.valid_from.first_day()) if st.valid_from else start
        last = min(end, st.valid_to.last_day()) if st.valid_to else end
        out.append((st.id, st.value, st.prop, st.subject, first.isoformat(), last.isoformat(), area,
                    bool(own.get("recipient")), names))
    return out


def rows_for(conn: Connection, subjects: list[str] | None = None) -> Iterator[list[tuple]]:
    """The rows of these subjects (every subject: None), from their current statements, a chunk of subjects at a
    time (`store.write.refresh_candidates` writes them)."""
    order = (statements.c.subject, statements.c.prop, statements.c.id)
    if subjects is None:  # one scan and sort: no index needed (a first build makes them after its rows)
        chunk: list[tuple] = []
        for sts in _by_subject(conn.execute(_current().order_by(*order))):
            chunk += rows_of(sts)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        yield chunk
        return
    for i in range(0, len(subjects), CHUNK):
        found = conn.execute(_current().where(statements.c.subject.in_(subjects[i:i + CHUNK])).order_by(*order))
        yield [row for sts in _by_subject(found) for row in rows_of(sts)]


class Fact(NamedTuple):
    """The part of a statement a row is made from (a Statement has the same fields)."""
    id: str
    subject: str
    prop: str
    value: str
    value_type: str
    lang: str | None
    valid_from: FuzzyDate | None
    valid_to: FuzzyDate | None
    rank: str


def _current():
    return select(*(statements.c[name] for name in Fact._fields)).where(statements.c.current,
                                                                         statements.c.prop.in_(READ))


def _by_subject(rows) -> Iterator[list[Fact]]:
    """Consecutive rows of one subject as its facts, for the subjects with a statement of a POINTING property."""
    subject, found, pointing = None, [], False
    for row in rows:
        if row[1] != subject:
            if pointing:
                yield [Fact(*r[:6], _date(r[6]), _date(r[7]), r[8]) for r in found]
            subject, found, pointing = row[1], [], False
        found.append(row)
        pointing = pointing or row[2] in POINTING
    if pointing:
        yield [Fact(*r[:6], _date(r[6]), _date(r[7]), r[8]) for r in found]


def pointing_to(engine: Engine, targets: tuple[str, ...], props: tuple[str, ...]) -> list[tuple]:
    """The rows whose statement points to one of the targets with one of these properties, in target order, each
    target's in statement order (subject, property, id)."""
    position = {t: i for i, t in enumerate(targets)}
    c = table.c
    q = (select(*(c[name] for name in COLUMNS)).where(c.target.in_(targets), c.prop.in_(props))
         .order_by(c.subject, c.prop, c.statement_id))
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(q)]
    return sorted(rows, key=lambda r: position[r[1]])
