"""Which database, how to connect, and how to show its URL without its password."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


def database_url(path: str | None = None) -> str:
    if path:
        return path if "://" in path else f"sqlite:///{Path(path).resolve()}"
    if os.environ.get("ATLAS_DATABASE_URL"):
        return os.environ["ATLAS_DATABASE_URL"]
    return f"sqlite:///{Path('var/atlas.sqlite').resolve()}"


def masked(url: str | Engine) -> str:
    """The URL as it may be printed: any password shown as ***."""
    try:
        parsed = url.url if isinstance(url, Engine) else make_url(url)
    except Exception:  # not a URL SQLAlchemy can read: show only its scheme
        return str(url).split("://", 1)[0] + "://***" if "://" in str(url) else "***"
    return parsed.render_as_string(hide_password=True)


def connect(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "postgresql":
        from .schema import for_postgresql

        for_postgresql()
    if engine.dialect.name == "sqlite":
        # SQLite's driver would otherwise commit DDL on its own; we want one transaction per build.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA busy_timeout = 10000")
            if engine.url.database not in (None, "", ":memory:"):
                # readers never wait for a build or an accepted proposal, nor a writer for long readers
                dbapi_conn.execute("PRAGMA journal_mode = WAL")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN")
    return engine
