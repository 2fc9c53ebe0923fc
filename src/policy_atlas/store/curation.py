"""Curation's tables and their SQL: accounts, proposals and their revisions, reviews, the audit log, the texts of
uploaded sources, and the entities and sources that accepted proposals added (a build from files keeps them).
Created by the migration `0003_curation`.

Append-only by design: revisions, reviews and audit rows are only ever inserted. An account's role and a
proposal's status are the two things that change in place; every such change is also an audit row."""
from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import (Column, ForeignKey, Integer, String, Table, Text, func, select, update)
from sqlalchemy.engine import Connection

from .schema import entities, metadata, sources, statement_log

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20)),  # contributor, reviewer, admin; NULL once withdrawn
    Column("created_at", String, nullable=False),
)
proposals = Table(
    "proposals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # open, changes_requested, accepted, rejected
    Column("revision", Integer, nullable=False),
    Column("origin", String(20), nullable=False),  # web, file, ingest
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
)
proposal_revisions = Table(
    "proposal_revisions", metadata,
    Column("proposal_id", Integer, ForeignKey("proposals.id"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("document", Text, nullable=False),  # the changes, in the dataset format (JSON)
    Column("base", Text, nullable=False),  # entity id -> fingerprint of its current statements when proposed
    Column("created_at", String, nullable=False),
)
reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("reviewer_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("decision", String(20), nullable=False),  # accept, reject, changes
    Column("comment", Text),
    Column("at", String, nullable=False),
)
audit_log = Table(
    "audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False, index=True),
    Column("actor", String(320)),
    Column("action", String(40), nullable=False),
    Column("target", String(320)),
    Column("detail", Text),
    Column("address", String(64)),
)
source_texts = Table(
    "source_texts", metadata,
    Column("source_id", String, primary_key=True),
    Column("text", Text, nullable=False),
)
curated_entities = Table(
    "curated_entities", metadata,
    Column("id", String, primary_key=True),
    Column("type", String, nullable=False),
    Column("proposal_id", Integer, nullable=False),
)
curated_sources = Table(
    "curated_sources", metadata,
    Column("id", String, primary_key=True),
    Column("data", Text, nullable=False),
    Column("proposal_id", Integer, nullable=False),
)
settings = Table(
    "curation_settings", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)



def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def secret(conn: Connection) -> str:
    """The key that signs session cookies: made once per database, so every process serving it agrees."""
    value = conn.execute(select(settings.c.value).where(settings.c.key == "session_secret")).scalar()
    if value is None:
        value = secrets.token_urlsafe(48)
        conn.execute(settings.insert().values(key="session_secret", value=value))
    return value


def take_accept_lock(conn: Connection) -> None:
    """Serialise accepts: an UPDATE on one row holds a write lock until commit, on SQLite and PostgreSQL alike."""
    done = conn.execute(update(settings).where(settings.c.key == "accepts")
                        .values(value=func.cast(func.cast(settings.c.value, Integer) + 1, Text))).rowcount
    if not done:
        conn.execute(settings.insert().values(key="accepts", value="1"))


def record(conn: Connection, action: str, *, actor: str | None = None, target: str | None = None,
           detail: str | dict | None = None, address: str | None = None) -> None:
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    conn.execute(audit_log.insert().values(at=now(), actor=actor, action=action, target=target, detail=detail,
                                           address=address))


def last_actions(conn: Connection) -> dict[str, tuple[str, int | None]]:
    """statement id -> (its last log action, the proposal behind it or None for a build)."""
    last = select(statement_log.c.statement_id, func.max(statement_log.c.seq).label("seq")) \
        .group_by(statement_log.c.statement_id).subquery()
    q = select(statement_log.c.statement_id, statement_log.c.action, statement_log.c.proposal_id) \
        .join(last, last.c.seq == statement_log.c.seq)
    return {sid: (action, pid) for sid, action, pid in conn.execute(q)}


def build_plan(conn: Connection, wanted: set[str], current: set[str]) -> tuple[set[str], set[str]]:
    """What a build from files may do: (ids it must not add, ids it must not retract). A build never re-adds a
    statement an accepted proposal retracted, and never retracts one whose last add came from a proposal."""
    keep_out, keep_in = set(), set()
    if conn.execute(select(statement_log.c.seq).where(statement_log.c.proposal_id.is_not(None)).limit(1)).first() is None:
        return keep_out, keep_in
    for sid, (action, pid) in last_actions(conn).items():
        if pid is None:
            continue
        if action == "retract" and sid in wanted:
            keep_out.add(sid)
        elif action == "add" and sid in current:
            keep_in.add(sid)
    return keep_out, keep_in


def restore_registries(conn: Connection) -> None:
    """After a build replaced the entity and source registries from files, put back what proposals added."""
    have = set(conn.execute(select(entities.c.id)).scalars())
    rows = [{"id": i, "type": t} for i, t in conn.execute(select(curated_entities.c.id, curated_entities.c.type))
            if i not in have]
    if rows:
        conn.execute(entities.insert(), rows)
    have = set(conn.execute(select(sources.c.id)).scalars())
    rows = [{"id": i, "data": d} for i, d in conn.execute(select(curated_sources.c.id, curated_sources.c.data))
            if i not in have]
    if rows:
        conn.execute(sources.insert(), rows)
