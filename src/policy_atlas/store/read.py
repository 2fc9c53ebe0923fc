"""Reading: the current statements (those flagged `current`), one subject's history, the build and version."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from ..model import Statement
from .schema import builds, entities, meta, sources, statement_log, statements

_COLUMNS = [c for c in statements.c if c.name not in ("id", "current")]


@dataclass
class Snapshot:
    build: dict
    entities: dict[str, str]
    statements: list[Statement]
    sources: dict[str, dict]


def _statement(row) -> Statement:
    return Statement.from_text(**row._mapping)


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
