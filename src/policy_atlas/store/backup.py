"""Backups of a running atlas: SQLite through its online backup API (a consistent copy while readers and
writers go on), PostgreSQL through pg_dump's custom format and pg_restore. A restore sets a fresh atlas version,
so every running process reloads what was restored."""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from .engine import masked
from .migrate import upgrade
from .schema import meta


class BackupError(RuntimeError):
    pass


def backup(engine: Engine, path: Path) -> None:
    if engine.dialect.name == "sqlite":
        with closing(_sqlite(engine)) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
    elif engine.dialect.name == "postgresql":
        _run(engine, [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path)])
    else:
        raise BackupError(f"no backup method for {engine.dialect.name}")


def restore(engine: Engine, path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source, closing(_sqlite(engine)) as target:
            if source.execute("SELECT count(*) FROM sqlite_master WHERE name = 'statements'").fetchone()[0] != 1:
                raise BackupError(f"{path}: not an atlas backup")
            source.backup(target)
    elif engine.dialect.name == "postgresql":
        _run(engine, [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                      "--single-transaction", "--exit-on-error", str(path)], database_flag=True)
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(update(meta).where(meta.c.key == "atlas_version").values(value=str(int(time.time()))))


def _sqlite(engine: Engine) -> sqlite3.Connection:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(database, timeout=30)


def _tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    found = found or [shutil.which(name)]
    if not found[0]:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return found[0]


def _run(engine: Engine, cmd: list[str], database_flag: bool = False) -> None:
    """The connection goes through libpq's environment variables, so no password is on a command line."""
    url = engine.url
    env = {**os.environ, "PGHOST": str(url.host or url.query.get("host") or ""),
           "PGPORT": str(url.port or url.query.get("port") or ""), "PGUSER": url.username or "",
           "PGPASSWORD": url.password or "", "PGDATABASE": url.database or ""}
    env = {k: v for k, v in env.items() if v != "" or not k.startswith("PG")}
    if database_flag:
        cmd = [*cmd[:-1], "--dbname", url.database or "", cmd[-1]]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit code {done.returncode}"
        if url.password:
            message = message.replace(url.password, "***")
        raise BackupError(f"{Path(cmd[0]).name} on {masked(engine)}: {message}")
