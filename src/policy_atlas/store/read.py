"""Reading: the current statements (those flagged `current`), one subject's history, the build and version.
`head` and `current_of` are what an atlas view reads: the small registries once, statements per subject or per
object through the indexes (`ix_statements_subject_prop_current`, the partial `ix_statements_entity_value`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from sys import intern
from typing import Iterable, Iterator

from sqlalchemy import and_, func, or_, inspect, literal_column, select
from sqlalchemy.engine import Connection, Engine

from ..model import FuzzyDate, Statement
from .schema import builds, entities, meta, sources, statement_log, statements

_COLUMNS = [c for c in statements.c if c.name not in ("id", "current")]


@dataclass
class Snapshot:
    build: dict
    entities: dict[str, str]
    statements: list[Statement]
    sources: dict[str, dict]


IN_CHUNK = 500  # ids per `IN (...)` query: well under every engine's bound-parameter limit
_ORDER = (statements.c.subject, statements.c.prop, statements.c.id)
_ENTITY_VALUE = statements.c.value_type == literal_column("'entity'")  # a literal, so the partial index applies


def _statement(row) -> Statement:
    return Statement.from_text(**row._mapping)


_DATES: dict[str, FuzzyDate] = {}  # few distinct texts; a FuzzyDate never changes


def _date(text: str | None) -> FuzzyDate | None:
    if not text:
        return None
    found = _DATES.get(text)
    if found is None:
        found = _DATES[text] = FuzzyDate.parse(text)
    return found


def _stored(row) -> Statement:
    """A statement read with its id (content-addressed already, so not hashed again); columns in `_COLUMNS`
    order, which is the order of Statement's fields. The few distinct texts (subject: an entity id, property,
    value type, source, rank) are interned: one string each, not one per statement read (a fifth of a statement
    in memory, and a web process keeps thousands per version)."""
    sid, subject, prop, value, value_type, lang, valid_from, valid_to, source, locator, quote, rank, *rest = row
    st = Statement(intern(subject), intern(prop), value, intern(value_type), lang, _date(valid_from), _date(valid_to),
                   intern(source), locator, quote, intern(rank), *rest)
    st.__dict__["id"] = sid
    return st


@dataclass
class Head:
    """The small part of the atlas read at open, in one transaction: registries, build, version, size."""
    build: dict
    entities: dict[str, str]
    sources: dict[str, dict]
    version: str
    count: int


def view_head(conn: Connection) -> Head:
    last = conn.execute(select(builds).order_by(builds.c.id.desc()).limit(1)).mappings().first()
    if last is None:
        raise LookupError("the database is empty: run `policy-atlas build` first")
    ents = dict(conn.execute(select(entities.c.id, entities.c.type)).all())
    srcs = {k: json.loads(v) for k, v in conn.execute(select(sources.c.id, sources.c.data)).all()}
    ver = conn.execute(select(meta.c.value).where(meta.c.key == "atlas_version")).scalar() or "0"
    count = conn.execute(select(func.count()).select_from(statements).where(statements.c.current)).scalar_one()
    return Head(dict(last), ents, srcs, ver, count)


def current_all(conn: Connection) -> Iterator[Statement]:
    """Every current statement ordered by subject, property, id (one query; for a small atlas)."""
    for row in conn.execute(select(statements.c.id, *_COLUMNS).where(statements.c.current).order_by(*_ORDER)):
        yield _stored(row)


def current_of(engine: Engine, keys: Iterable[str], *, objects: bool = False) -> dict[str, list[Statement]]:
    """key -> current statements whose subject (or, `objects`, whose entity value) is the key, ordered by
    subject, property, id; every asked key is in the answer. Chunked `IN` queries, one short transaction."""
    keys = list(dict.fromkeys(keys))
    out: dict[str, list[Statement]] = {k: [] for k in keys}
    column = statements.c.value if objects else statements.c.subject
    with engine.connect() as conn:
        for i in range(0, len(keys), IN_CHUNK):
            q = select(statements.c.id, *_COLUMNS).where(column.in_(keys[i:i + IN_CHUNK]), statements.c.current)
            for row in conn.execute((q.where(_ENTITY_VALUE) if objects else q).order_by(*_ORDER)):
                st = _stored(row)
                out[st.value if objects else st.subject].append(st)
    return out


def current_subjects(engine: Engine) -> list[str]:
    """Every subject with a current statement, in statement order."""
    with engine.connect() as conn:
        return list(conn.execute(select(statements.c.subject).distinct().where(statements.c.current)
                                 .order_by(statements.c.subject)).scalars())


def _filtered(q, where: dict):
    for name, value in where.items():
        column = statements.c[name]
        q = q.where(column.is_(None) if value is None else column.in_(value) if isinstance(value, tuple)
                    else column == value)
    return q.where(statements.c.current)


def current_where(engine: Engine, **where) -> list[Statement]:
    """The current statements whose columns equal the given values (None: empty), in statement order."""
    with engine.connect() as conn:
        q = _filtered(select(statements.c.id, *_COLUMNS), where).order_by(*_ORDER)
        return [_stored(r) for r in conn.execute(q)]


def current_dated_in(engine: Engine, first_year: int, last_year: int) -> list[Statement]:
    """Current statements with a validity date or a date value (YYYY[-MM[-DD]] text) in these years."""
    low, high = f"{first_year:04d}", f"{last_year + 1:04d}"
    c = statements.c
    dated = or_(c.valid_from.between(low, high), c.valid_to.between(low, high),
                and_(c.value_type == "date", c.value.between(low, high)))
    with engine.connect() as conn:
        q = select(c.id, *_COLUMNS).where(c.current, dated).order_by(*_ORDER)
        return [_stored(r) for r in conn.execute(q)]


def current_columns(engine: Engine, columns: tuple[str, ...], **where) -> list[tuple]:
    with engine.connect() as conn:
        q = _filtered(select(*(statements.c[c] for c in columns)), where).order_by(*_ORDER)
        return [tuple(r) for r in conn.execute(q)]


def current_count(engine: Engine, **where) -> int:
    with engine.connect() as conn:
        return conn.execute(_filtered(select(func.count()).select_from(statements), where)).scalar_one()


def current_tally(engine: Engine, column: str | tuple[str, ...], **where) -> dict:
    """value of `column` (a tuple of values for several) -> how many current statements (matching `where`)
    have it."""
    cols = [statements.c[c] for c in (column if isinstance(column, tuple) else (column,))]
    with engine.connect() as conn:
        rows = conn.execute(_filtered(select(*cols, func.count()), where).group_by(*cols)).all()
    return {tuple(r[:-1]) if isinstance(column, tuple) else r[0]: r[-1] for r in rows}


def snapshot(engine: Engine) -> Snapshot:
    """Everything current, read in one transaction."""
    with engine.connect() as conn:
        last = conn.execute(select(builds).order_by(builds.c.id.desc()).limit(1)).mappings().first()
        if last is None:
            raise LookupError("the database is empty: run `policy-atlas build` first")
        rows = conn.execute(select(*_COLUMNS).where(statements.c.current)
                            .order_by(statements.c.subject, statements.c.prop, statements.c.id))
        sts = [_statement(r) for r in rows]
        ents = dict(conn.execute(select(entities.c.id, entities.c.type)).all())
        srcs = {k: json.loads(v) for k, v in conn.execute(select(sources.c.id, sources.c.data)).all()}
    return Snapshot(dict(last), ents, sts, srcs)


def history(engine: Engine, subject: str) -> list[dict]:
    """Every add and retract of a subject's statements, oldest first."""
    q = (select(statement_log.c.seq, statement_log.c.action, statement_log.c.at, statement_log.c.build_id,
                statement_log.c.actor, statement_log.c.proposal_id, statement_log.c.reason,
                statements.c.id, statements.c.prop, statements.c.value, statements.c.valid_from,
                statements.c.valid_to, statements.c.source, statements.c.locator, statements.c.rank,
                statements.c.note)
         .join(statements, statements.c.id == statement_log.c.statement_id)
         .where(statements.c.subject == subject).order_by(statement_log.c.seq))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def has_build(engine: Engine) -> bool:
    """Whether the database holds a finished build (a fresh file holds none)."""
    if not inspect(engine).has_table("builds"):
        return False
    with engine.connect() as conn:
        return conn.execute(select(builds.c.id).where(builds.c.finished_at.is_not(None)).limit(1)).first() is not None


def latest_build_id(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(builds.c.id).where(builds.c.finished_at.is_not(None))
                            .order_by(builds.c.id.desc()).limit(1)).scalar()


def version(engine: Engine) -> str:
    """Changes whenever the current statements change (a build or an accepted proposal); one indexed read."""
    with engine.connect() as conn:
        return conn.execute(select(meta.c.value).where(meta.c.key == "atlas_version")).scalar() or "0"


def changed_at(engine: Engine) -> str | None:
    """When the current statements last changed (ISO 8601), or None if never through `append`."""
    with engine.connect() as conn:
        return conn.execute(select(meta.c.value).where(meta.c.key == "changed_at")).scalar()
