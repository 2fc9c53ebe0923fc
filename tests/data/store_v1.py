"""The store as it was before Alembic (schema version 1), kept to test that such an atlas is upgraded in place."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event, select, text
from sqlalchemy.engine import Engine

from policy_atlas.dataset import Dataset
from policy_atlas.model import Statement

SCHEMA_VERSION = "1"
metadata = MetaData()

builds = Table(
    "builds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", String, nullable=False),
    Column("finished_at", String),
    Column("added", Integer, nullable=False, default=0),
    Column("retracted", Integer, nullable=False, default=0),
    Column("dataset", Text),
)
entities = Table(
    "entities", metadata,
    Column("id", String, primary_key=True),
    Column("type", String, nullable=False, index=True),
)
sources = Table(
    "sources", metadata,
    Column("id", String, primary_key=True),
    Column("data", Text, nullable=False),
)
statements = Table(
    "statements", metadata,
    Column("id", String, primary_key=True),
    Column("subject", String, nullable=False, index=True),
    Column("prop", String, nullable=False),
    Column("value", Text, nullable=False),
    Column("value_type", String, nullable=False),
    Column("lang", String),
    Column("valid_from", String),
    Column("valid_to", String),
    Column("source", String, nullable=False),
    Column("locator", String),
    Column("quote", Text),
    Column("rank", String, nullable=False),
    Column("note", Text),
    Column("origin", String),
)
statement_log = Table(
    "statement_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("statement_id", String, nullable=False, index=True),
    Column("action", String, nullable=False),
    Column("build_id", Integer, nullable=False),
    Column("at", String, nullable=False),
)
meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

CURRENT_VIEW = """
CREATE VIEW IF NOT EXISTS current_statements AS
SELECT s.* FROM statements s
JOIN (SELECT statement_id, MAX(seq) AS seq FROM statement_log GROUP BY statement_id) last
  ON last.statement_id = s.id
JOIN statement_log l ON l.seq = last.seq
WHERE l.action = 'add'
"""


def database_url(path: str | None = None) -> str:
    if path:
        return path if "://" in path else f"sqlite:///{Path(path).resolve()}"
    if os.environ.get("ATLAS_DATABASE_URL"):
        return os.environ["ATLAS_DATABASE_URL"]
    return f"sqlite:///{Path('var/atlas.sqlite').resolve()}"


def connect(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        # SQLite's driver would otherwise commit DDL on its own; we want one transaction per build.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN")
    return engine


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _row(st: Statement) -> dict:
    return {"id": st.id, "subject": st.subject, "prop": st.prop, "value": st.value, "value_type": st.value_type,
            "lang": st.lang, "valid_from": str(st.valid_from) if st.valid_from else None,
            "valid_to": str(st.valid_to) if st.valid_to else None, "source": st.source, "locator": st.locator,
            "quote": st.quote, "rank": st.rank, "note": st.note, "origin": st.origin}


def build(ds: Dataset, engine: Engine, *, label: str = "", progress: Callable[[int], None] | None = None) -> dict:
    """Write the dataset into the store in one transaction and return what changed."""
    if not ds.ok:
        raise ValueError("refusing to build a dataset with problems")
    started = _now()
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(text(CURRENT_VIEW))
        version = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        if version not in (None, SCHEMA_VERSION):
            raise RuntimeError(f"database schema version {version}, this atlas needs {SCHEMA_VERSION}")
        build_id = conn.execute(builds.insert().values(started_at=started, dataset=label)).inserted_primary_key[0]
        current = set(conn.execute(text("SELECT id FROM current_statements")).scalars())
        known = set(conn.execute(select(statements.c.id)).scalars())
        wanted = {st.id: st for st in ds.statements}
        fresh = [_row(st) for sid, st in wanted.items() if sid not in known]
        added = [sid for sid in wanted if sid not in current]
        retracted = sorted(current - set(wanted))
        for i in range(0, len(fresh), 500):
            conn.execute(statements.insert(), fresh[i:i + 500])
            if progress:
                progress(len(fresh[i:i + 500]))
        log = ([{"statement_id": s, "action": "add", "build_id": build_id, "at": started} for s in added]
               + [{"statement_id": s, "action": "retract", "build_id": build_id, "at": started} for s in retracted])
        for i in range(0, len(log), 1000):
            conn.execute(statement_log.insert(), log[i:i + 1000])
        _replace(conn, entities, [{"id": e.id, "type": e.type} for e in ds.entities.values()])
        _replace(conn, sources, [{"id": k, "data": json.dumps(v, ensure_ascii=False, default=str)}
                                 for k, v in ds.sources.items()])
        _replace(conn, meta, [{"key": "schema_version", "value": SCHEMA_VERSION}])
        conn.execute(builds.update().where(builds.c.id == build_id).values(
            finished_at=_now(), added=len(added), retracted=len(retracted)))
    return {"build": build_id, "added": len(added), "retracted": len(retracted), "statements": len(wanted)}


def _replace(conn, table: Table, rows: list[dict]) -> None:
    """Registries (entity types, source records, settings) mirror the dataset; history lives in the log."""
    conn.execute(table.delete())
    if rows:
        conn.execute(table.insert(), rows)


@dataclass
class Snapshot:
    build: dict
    entities: dict[str, str]
    statements: list[Statement]
    sources: dict[str, dict]


def _statement(row) -> Statement:
    return Statement.from_text(**{k: v for k, v in row._mapping.items() if k != "id"})


def snapshot(engine: Engine) -> Snapshot:
    """Everything current, read in one transaction."""
    with engine.connect() as conn:
        last = conn.execute(select(builds).order_by(builds.c.id.desc()).limit(1)).mappings().first()
        if last is None:
            raise LookupError("the database is empty: run `policy-atlas build` first")
        rows = conn.execute(text("SELECT * FROM current_statements ORDER BY subject, prop, id"))
        sts = [_statement(r) for r in rows]
        ents = dict(conn.execute(select(entities.c.id, entities.c.type)).all())
        srcs = {k: json.loads(v) for k, v in conn.execute(select(sources.c.id, sources.c.data)).all()}
    return Snapshot(dict(last), ents, sts, srcs)


def history(engine: Engine, subject: str) -> list[dict]:
    """Every add and retract of a subject's statements, oldest first."""
    q = (select(statement_log.c.seq, statement_log.c.action, statement_log.c.at, statement_log.c.build_id,
                statements.c.id, statements.c.prop, statements.c.value, statements.c.valid_from,
                statements.c.valid_to, statements.c.source, statements.c.locator, statements.c.rank,
                statements.c.note)
         .join(statements, statements.c.id == statement_log.c.statement_id)
         .where(statements.c.subject == subject).order_by(statement_log.c.seq))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def has_build(engine: Engine) -> bool:
    """Whether the database holds a finished build (a fresh file holds none)."""
    from sqlalchemy import inspect

    if not inspect(engine).has_table("builds"):
        return False
    with engine.connect() as conn:
        return conn.execute(select(builds.c.id).where(builds.c.finished_at.is_not(None)).limit(1)).first() is not None


def latest_build_id(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(builds.c.id).where(builds.c.finished_at.is_not(None))
                            .order_by(builds.c.id.desc()).limit(1)).scalar()
