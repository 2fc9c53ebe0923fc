"""The tables, declared once on one `metadata` (curation adds its tables in `store/curation.py`).
Alembic migrations in `migrations/` bring a database to this shape; `metadata` is their target."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text, false, text

SCHEMA_VERSION = "2"
metadata = MetaData()
ENTITY_VALUE = text("value_type = 'entity'")

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
    Column("subject", String, nullable=False),  # queries by subject use the index below (0006)
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
    Column("current", Boolean, nullable=False, server_default=false()),
    Index("ix_statements_subject_prop_current", "subject", "prop", "current"),
    Index("ix_statements_entity_value", "value", sqlite_where=ENTITY_VALUE),  # and on PostgreSQL: `for_postgresql`
)
statement_log = Table(
    "statement_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("statement_id", String, nullable=False, index=True),
    Column("action", String, nullable=False),
    Column("build_id", Integer),
    Column("at", String, nullable=False),
    Column("actor", Text),
    Column("proposal_id", Integer),
    Column("reason", Text),
)
meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)
profile_candidates = Table(  # rows derived from the current statements, rewritten by `append` (store/candidates.py)
    "profile_candidates", metadata,
    Column("statement_id", String, primary_key=True),
    Column("target", String, nullable=False),
    Column("prop", String, nullable=False),
    Column("subject", String, nullable=False, index=True),
    Column("first_day", String, nullable=False),
    Column("last_day", String, nullable=False),
    Column("area", String),
    Column("named", Boolean, nullable=False),
    Column("names", Text, nullable=False),
    Index("ix_profile_candidates_target_prop", "target", "prop"),
)
rate_hits = Table(  # log-ins and uploads per client, counted by every process together (web/limits.py)
    "rate_hits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String, nullable=False, index=True),  # a keyed hash of bucket and client address
    Column("at", Float, nullable=False),  # seconds since the epoch
)


def for_postgresql() -> None:
    """The PostgreSQL part of the declarations, added when a PostgreSQL engine is made: declaring it up front would
    load SQLAlchemy's PostgreSQL dialect in every command (0.1 s of a quick one's start) to check the argument."""
    for index in statements.indexes:
        if index.name == "ix_statements_entity_value":
            index.dialect_kwargs["postgresql_where"] = ENTITY_VALUE
