"""Bring a database to the newest schema with Alembic (`migrations/`). A database made before Alembic
(today's schema version 1, no `alembic_version` table) is stamped `0001_initial` and upgraded in place;
a database at a revision this code does not know is refused. Which revisions exist is read from the migration
files' `revision = …` / `down_revision = …` lines (a test checks it against Alembic), so the check every start
and command makes costs no loading of Alembic; Alembic is loaded only to upgrade."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNED = re.compile(r"""^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:["']([^"'\n]+)["']|None)\s*$""", re.M)


class UnknownRevision(RuntimeError):
    """The database was written by a newer (or different) atlas."""


@cache
def revisions() -> dict[str, str | None]:
    """Each migration's revision -> the revision it follows (None for the first), from the migration files."""
    out: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(_ASSIGNED.findall(path.read_text("utf-8")))
        out[found["revision"]] = found.get("down_revision") or None
    return out


def head() -> str:
    """The newest revision: the one no other migration follows."""
    (last,) = set(revisions()) - set(revisions().values())
    return last


def _config(conn: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def revision(conn: Connection) -> str | None:
    """The database's Alembic revision; "legacy" for a pre-Alembic atlas; None for an empty database."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return "legacy" if "statements" in tables else None


def upgrade(engine: Engine) -> str:
    """Upgrade to head in one transaction (PostgreSQL: under an advisory lock, so parallel starts wait)."""
    with engine.connect() as conn:
        if _known(revision(conn)) == head():
            return head()
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7341)"))
        current = _known(revision(conn))
        cfg = _config(conn)
        if current == "legacy":
            _check_legacy(conn)
            command.stamp(cfg, "0001_initial")
        if current != head():
            command.upgrade(cfg, "head")
    return head()


def _known(rev: str | None) -> str | None:
    if rev in (None, "legacy") or rev in revisions():
        return rev
    raise UnknownRevision(f"the database is at schema revision {rev!r}, which this version of Policy Atlas does "
                          "not know (written by a newer atlas?); it was left untouched")


def _check_legacy(conn: Connection) -> None:
    version = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    if version not in (None, "1"):
        raise UnknownRevision(f"the database has schema version {version!r} without a migration record; "
                              "this atlas can upgrade only version 1; it was left untouched")
