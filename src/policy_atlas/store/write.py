"""Writing: `append` is the one way the current statements change (a build or an accepted proposal).
Statements are content-addressed and their content never changes; only the materialised `current` flag
flips, and every flip is an `add` or `retract` row appended to the statement log (never updated or deleted)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Callable

from sqlalchemy import Index, Table, cast, select, update
from sqlalchemy import Integer, String
from sqlalchemy.engine import Connection, Engine

from ..dataset import Dataset, gc_paused
from ..model import Statement
from . import candidates
from .curation import build_plan, restore_registries
from .files import record as record_files
from .migrate import upgrade
from .schema import SCHEMA_VERSION, builds, entities, meta, profile_candidates, sources, statement_log, statements

CHUNK = 500


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


_COLUMNS = ("id", "subject", "prop", "value", "value_type", "lang", "valid_from", "valid_to", "source", "locator",
            "quote", "rank", "note", "origin", "current")
_LOG = ("statement_id", "action", "build_id", "at", "actor", "proposal_id", "reason")


def _row(st: Statement) -> tuple:
    return (st.id, st.subject, st.prop, st.value, st.value_type, st.lang,
            str(st.valid_from) if st.valid_from else None, str(st.valid_to) if st.valid_to else None, st.source,
            st.locator, st.quote, st.rank, st.note, st.origin, True)


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# The sqlite3 module adapts every parameter that is not exactly an int, float, str or bytes: for None or a bool it
# looks for an adapter, then for the value's `__conform__`, and fails both (a 100× build binds 1.9 million, ~1 s).
# Adapters for both make it one dictionary look-up; what SQLite stores is unchanged (NULL, 0 or 1).
sqlite3.register_adapter(type(None), lambda _: None)
sqlite3.register_adapter(bool, int)


def _insert(conn: Connection, table: Table, keys: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows, as tuples of `keys`' values. SQLite: straight to the driver (a build inserts hundreds of thousands
    of rows and SQLAlchemy's per-row parameter handling would cost more than SQLite itself)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(keys, row)) for row in rows])
        return
    columns = ", ".join(f'"{k}"' for k in keys)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(keys))})", rows)


def _known(conn: Connection, ids: list[str]) -> dict[str, bool]:
    """Which of `ids` the store holds, and whether each is current."""
    known: dict[str, bool] = {}
    if len(ids) > CHUNK and conn.execute(select(statements.c.id).limit(1)).first() is None:
        return known  # the first build: nothing to look up
    for part in _chunks(ids):
        if conn.dialect.name == "sqlite":  # the driver directly: SQLAlchemy would compile an IN of 500 each time
            rows = conn.exec_driver_sql(f'SELECT id, "current" FROM statements WHERE id IN ({", ".join("?" * len(part))})',
                                        tuple(part))
        else:
            rows = conn.execute(select(statements.c.id, statements.c.current).where(statements.c.id.in_(part)))
        known.update((sid, bool(flag)) for sid, flag in rows)
    return known


def append(conn: Connection, adds: list[Statement], retracts: list[str], *, at: str, build_id: int | None = None,
           proposal_id: int | None = None, actor: str | None = None, reason: str | None = None,
           progress: Callable[[int], None] | None = None, touched: bool = False) -> dict:
    """Make `adds` current and `retracts` no longer current, inside the caller's transaction: insert unknown
    statements, log each real change, flip `current`, and bump the atlas version if anything changed (or the
    caller `touched` what pages show beside the statements: entities, sources). Returns the counts and version."""
    wanted = {st.id: st for st in adds}
    ids = list(wanted) + list(retracts)
    known = _known(conn, ids)
    fresh = [_row(st) for sid, st in wanted.items() if sid not in known]
    revived = [sid for sid in wanted if known.get(sid) is False]
    dropped = sorted({sid for sid in retracts if known.get(sid) and sid not in wanted})
    for part in _chunks(fresh):
        _insert(conn, statements, _COLUMNS, part)
        if progress:
            progress(len(part))
    for flag, part_ids in ((True, revived), (False, dropped)):
        for part in _chunks(part_ids):
            conn.execute(update(statements).where(statements.c.id.in_(part)).values(current=flag))
    added = [row[0] for row in fresh] + revived
    for action, logged in (("add", added), ("retract", dropped)):
        _log(conn, logged, (action, build_id, at, actor, proposal_id, reason))
    if added or dropped:
        refresh_candidates(conn, _subjects(conn, [wanted[sid] for sid in added], dropped))
    changed = bool(added or dropped) or touched
    return {"added": len(added), "retracted": len(dropped),
            "version": bump_version(conn, at) if changed else _version(conn)}


FULL_REFRESH = 5_000  # more subjects touched than this (a first build): every candidate row is written again


def _subjects(conn: Connection, added: list[Statement], dropped: list[str]) -> list[str] | None:
    """The subjects whose profile candidates these changes may change (None: too many to pick, rewrite all)."""
    found = {st.subject for st in added if st.prop in candidates.READ}
    for part in _chunks(dropped):
        found.update(conn.execute(select(statements.c.subject).where(statements.c.id.in_(part),
                                                                     statements.c.prop.in_(candidates.READ))).scalars())
        if len(found) > FULL_REFRESH:
            return None
    return None if len(found) > FULL_REFRESH else sorted(found)


def refresh_candidates(conn: Connection, subjects: list[str] | None = None) -> None:
    """Rewrite the profile candidates of these subjects (all: None) from their current statements."""
    if subjects is None:
        conn.execute(profile_candidates.delete())
    else:
        for part in _chunks(subjects):
            conn.execute(profile_candidates.delete().where(profile_candidates.c.subject.in_(part)))
    for rows in candidates.rows_for(conn, subjects):
        _insert(conn, profile_candidates, candidates.COLUMNS, rows)


def _log(conn: Connection, ids: list[str], common: tuple) -> None:
    """Append one log row per statement id; the rows of one change share everything else (`_LOG[1:]`). SQLite: one
    INSERT … SELECT per 10,000 ids from a JSON array, in order (the sqlite3 module binds a None in ~0.8 µs, so
    binding seven parameters per row cost more than writing the row)."""
    if conn.dialect.name != "sqlite":
        for part in _chunks(ids, 1000):
            _insert(conn, statement_log, _LOG, [(sid, *common) for sid in part])
        return
    columns = ", ".join(_LOG)
    for part in _chunks(ids, 10_000):
        conn.exec_driver_sql(f"INSERT INTO statement_log ({columns}) SELECT value, {', '.join('?' * len(common))} "
                             "FROM json_each(?) ORDER BY key", (*common, json.dumps(part)))


def bump_version(conn: Connection, at: str) -> str:
    """One atomic UPDATE, so two writers on PostgreSQL never hand out the same version; `changed_at` is when."""
    done = conn.execute(update(meta).where(meta.c.key == "atlas_version")
                        .values(value=cast(cast(meta.c.value, Integer) + 1, String)))
    if done.rowcount == 0:
        conn.execute(meta.insert().values(key="atlas_version", value="1"))
    if conn.execute(update(meta).where(meta.c.key == "changed_at").values(value=at)).rowcount == 0:
        conn.execute(meta.insert().values(key="changed_at", value=at))
    return _version(conn)


def _version(conn: Connection) -> str:
    return conn.execute(select(meta.c.value).where(meta.c.key == "atlas_version")).scalar() or "0"


def build(ds: Dataset, engine: Engine, *, label: str = "", progress: Callable[[int], None] | None = None) -> dict:
    """Write the dataset into the store in one transaction and return what changed. A dataset read incrementally
    (`ds.kept`: statements of files not read again) gives the same result as a full read of the same files."""
    if not ds.ok:
        raise ValueError("refusing to build a dataset with problems")
    upgrade(engine)
    started = now()
    with engine.begin() as conn, gc_paused():
        build_id = conn.execute(builds.insert().values(started_at=started, dataset=label)).inserted_primary_key[0]
        cache = _page_cache(conn, BUILD_CACHE)
        current = set(conn.execute(select(statements.c.id).where(statements.c.current)).scalars())
        wanted = {st.id: st for st in ds.statements}
        ids = set(wanted) | ds.kept
        keep_out, keep_in = build_plan(conn, ids, current)  # what accepted proposals decided stays decided
        adds = [st for sid, st in wanted.items() if sid not in current and sid not in keep_out]
        adds += _stored(conn, sorted(ds.kept - set(wanted) - current - keep_out))
        deferred = _defer_indexes(conn)
        changed = append(conn, adds, sorted(current - ids - keep_in), at=started, build_id=build_id, progress=progress,
                         touched=bool(ds.reread) or not ds.files)  # a file read again may have changed a source
        for index in deferred:
            index.create(conn)
        _replace(conn, entities, ("id", "type"), [(e.id, e.type) for e in ds.entities.values()])
        _replace(conn, sources, ("id", "data"), [(k, json.dumps(v, ensure_ascii=False, default=str))
                                                 for k, v in ds.sources.items()])
        restore_registries(conn)
        record_files(conn, ds, build_id)
        conn.execute(meta.delete().where(meta.c.key == "schema_version"))
        conn.execute(meta.insert().values(key="schema_version", value=SCHEMA_VERSION))
        conn.execute(builds.update().where(builds.c.id == build_id).values(
            finished_at=now(), added=changed["added"], retracted=changed["retracted"]))
        _page_cache(conn, cache)
    return {"build": build_id, "added": changed["added"], "retracted": changed["retracted"],
            "statements": len(ids), "version": changed["version"], "read": len(ds.reread),
            "files": len(ds.files or ())}


def _defer_indexes(conn: Connection) -> list[Index]:
    """The first build into a store (no statement yet): the secondary indexes of the statements and the log are
    dropped, to be made again after the rows are in (one sort each instead of one B-tree insert per row and index:
    at 100× the inserts took 13 s with the indexes, 8 s with them made after). DDL is part of the transaction."""
    if conn.execute(select(statements.c.id).limit(1)).first() is not None:
        return []
    deferred = [index for table in (statements, statement_log) for index in sorted(table.indexes, key=str)]
    for index in deferred:
        index.drop(conn, checkfirst=True)
    return deferred


BUILD_CACHE = -128 * 1024  # SQLite page cache during a build: 128 MiB (negative: KiB)


def _page_cache(conn: Connection, size: int | None) -> int | None:
    """SQLite: set this connection's page cache (PRAGMA cache_size) and return what it was. A build inserting
    hundreds of thousands of rows touches the same index pages over and over; the default cache is 2 MB."""
    if conn.dialect.name != "sqlite" or size is None:
        return None
    was = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")
    return was


_STORED = [c for c in statements.c if c.name not in ("id", "current")]


def _stored(conn: Connection, ids: list[str]) -> list[Statement]:
    """Statements of files not read again that are not current (a retracted one wanted again): from the store,
    where every statement a build ever wanted is kept."""
    out = []
    for part in _chunks(ids):
        out += [Statement.from_text(**row._mapping) for row in conn.execute(select(*_STORED).where(statements.c.id.in_(part)))]
    return out


def _replace(conn, table: Table, keys: tuple[str, ...], rows: list[tuple]) -> None:
    """Registries (entity types, source records) mirror the dataset; history lives in the log."""
    conn.execute(table.delete())
    for part in _chunks(rows, 1000):
        _insert(conn, table, keys, part)
