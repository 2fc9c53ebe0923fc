"""The tables, declared once on one `metadata` (curation adds its tables in `store/curation.py`).
Alembic migrations in `migrations/` bring a database to this shape; `metadata` is their target."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, false, text

SCHEMA_VERSION = "2"
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
    Index("ix_statements_entity_value", "value", sqlite_where=text("value_type = 'entity'"),
          postgresql_where=text("value_type = 'entity'")),
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
