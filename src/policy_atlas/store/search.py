"""The search tables, rewritten once per atlas version (meta `search_version`: the version and when it was made)
by the first process that sees it, under a lock, before that version is served.

One row per searchable entity in `search_docs` (its folded words, type, tier, years, sort key), one per name in
`search_names`, and side tables entity→region and entity→government so filters and facet counts stay in SQL.
PostgreSQL: in the store (migration `0004_search`), a generated `to_tsvector('simple', …)` column with a GIN index
on `words` and `name`. SQLite: in a file of their own beside the store's (`engine_of`), with two FTS5 tables over
`words` and `name` (external content, prefix indexes, document ids only: every query term is one word prefix)."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import (Column, Index, Integer, String, Table, Text, column, create_engine, event, select, table, text,
                        update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import ColumnElement, Select

from .schema import meta, metadata, statements

VERSION_KEY = "search_version"
docs = Table(
    "search_docs", metadata,
    Column("doc", Integer, primary_key=True, autoincrement=False),
    Column("eid", String, nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("tier", String, nullable=False),
    Column("start_year", Integer),
    Column("end_year", Integer),
    Column("sort_key", Text, nullable=False),
    Column("regions", Text, nullable=False),  # JSON lists, as shown; the side tables below filter and count
    Column("governments", Text, nullable=False),
    Column("words", Text, nullable=False),
    Index("ix_search_docs_type", "type"),
    Index("ix_search_docs_sort", "sort_key", "eid"),
)
names = Table(
    "search_names", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("doc", Integer, nullable=False, index=True),
    Column("name", Text, nullable=False, index=True),
)
regions = Table(
    "search_regions", metadata,
    Column("region", String, primary_key=True),
    Column("doc", Integer, primary_key=True),
)
governments = Table(
    "search_governments", metadata,
    Column("government", String, primary_key=True),
    Column("doc", Integer, primary_key=True),
)
TABLES = (docs, names, regions, governments)
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_docs_fts USING fts5(words, content='search_docs', content_rowid='doc', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0', detail=none, columnsize=0)",
    "CREATE VIRTUAL TABLE search_names_fts USING fts5(name, content='search_names', content_rowid='id', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0', detail=none, columnsize=0)",
]
FTS_TABLES = ("search_docs_fts", "search_names_fts")
WAIT = 300  # seconds a process waits for another one writing the SQLite index (its busy timeout)


def engine_of(store: Engine) -> Engine:
    """Where the search tables of a store are. PostgreSQL: the store. SQLite: a file of their own beside the
    store's (`atlas.sqlite` → `atlas-search.sqlite`), so writing them never takes the store's write lock — a
    read-then-write transaction (curation) that meets another writer fails at once with "database is locked",
    WAL or not. One engine per file and process."""
    if store.dialect.name != "sqlite":
        return store
    if store.url.database in (None, "", ":memory:"):
        raise ValueError("search needs a database file, not an in-memory SQLite store")
    path = Path(store.url.database).resolve()
    path = path.with_name(f"{path.stem}-search{path.suffix}")
    with _engines_lock:
        if path not in _engines:
            _engines[path] = _sqlite(path)
        return _engines[path]


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # reads in autocommit; the writer begins its own turn (`lock`)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {WAIT * 1000}")
        dbapi_conn.execute("PRAGMA journal_mode = WAL")  # searches read the previous rows while new ones are written

    with engine.begin() as conn:
        lock(conn)
        metadata.create_all(conn, tables=[meta, *TABLES])
        for ddl in SQLITE_FTS:
            conn.exec_driver_sql(ddl.replace("CREATE VIRTUAL TABLE", "CREATE VIRTUAL TABLE IF NOT EXISTS"))
    return engine


def lock(conn: Connection) -> None:
    """Begin the one writer's turn (first in a transaction): SQLite's write lock, PostgreSQL an advisory lock;
    another process asking waits until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7342)"))
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def key_of(store: Engine, version: str) -> str | None:
    """What the tables hold for `version`: the version and when the store reached it (a restored or rebuilt
    store counts versions again); None when the store is at another version now."""
    with store.connect() as conn:
        found = dict(conn.execute(select(meta.c.key, meta.c.value)
                                  .where(meta.c.key.in_(("atlas_version", "changed_at")))).all())
    return f"{version} {found.get('changed_at') or ''}" if found.get("atlas_version", "0") == version else None


def indexed(conn: Connection) -> str | None:
    """The key of what the tables hold (None: nothing yet)."""
    return conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar()


def said(store: Engine, props: tuple[str, ...]) -> Iterator[tuple]:
    """(subject, prop, value, rank, valid_from) of every current, not deprecated statement of these properties, in
    statement order (subject, property, id), as they are read: the caller keeps what it needs of each row, never
    every row at once (~40 MB at 100×)."""
    c = statements.c
    with store.connect() as conn:
        yield from conn.execute(select(c.subject, c.prop, c.value, c.rank, c.valid_from)
                                .where(c.current, c.prop.in_(props), c.rank != "deprecated")
                                .order_by(c.subject, c.prop, c.id))


CHUNK = 2_000  # documents turned into rows and written at a time: the writer holds one chunk, not every document


def write(conn: Connection, key: str, rows: Iterable[dict], chunk: int = CHUNK) -> None:
    """Replace what the tables hold by `rows` (consumed as they come, `chunk` documents at a time), in the writer's
    turn (`lock`)."""
    sqlite = conn.dialect.name == "sqlite"
    (_empty_sqlite if sqlite else _empty_postgresql)(conn)
    for parts in _parts(rows, chunk):
        (_insert if sqlite else _copy)(conn, parts)
    (_index_sqlite if sqlite else _index_postgresql)(conn)
    if conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=key)).rowcount == 0:
        conn.execute(meta.insert().values(key=VERSION_KEY, value=key))


def _empty_sqlite(conn: Connection) -> None:
    """SQLite (a file of its own): the tables made again without their indexes; these and the full-text tables are
    built once all rows are in (several times faster than keeping them up row by row)."""
    for name in FTS_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    for tbl in reversed(TABLES):
        tbl.drop(conn, checkfirst=True)
    for tbl in TABLES:
        conn.execute(CreateTable(tbl))


def _insert(conn: Connection, parts: tuple[list[tuple], ...]) -> None:
    for tbl, part in zip(TABLES, parts):
        if part:
            conn.exec_driver_sql(f"INSERT INTO {tbl.name} ({', '.join(c.name for c in tbl.columns)}) "
                                 f"VALUES ({', '.join('?' * len(tbl.columns))})", part)


def _index_sqlite(conn: Connection) -> None:
    for tbl in TABLES:
        for index in tbl.indexes:
            index.create(conn)
    for ddl, name in zip(SQLITE_FTS, FTS_TABLES):
        conn.exec_driver_sql(ddl)
        conn.exec_driver_sql(f"INSERT INTO {name}({name}, rank) VALUES ('hashsize', {FTS_HASH})")
        conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


FTS_HASH = 64 * 2**20  # bytes of terms FTS5 gathers in memory before it writes a segment: fewer merges


def _empty_postgresql(conn: Connection) -> None:
    """PostgreSQL (the store's tables): the rows deleted (readers keep the previous rows until the commit)."""
    for tbl in reversed(TABLES):
        conn.execute(tbl.delete())


def _copy(conn: Connection, parts: tuple[list[tuple], ...]) -> None:
    """Rows copied in (a row-by-row INSERT costs a round trip each)."""
    for tbl, part in zip(TABLES, parts):
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {tbl.name} ({', '.join(c.name for c in tbl.columns)}) FROM STDIN") as copy:
                for row in part:
                    copy.write_row(row)


def _index_postgresql(conn: Connection) -> None:
    """The GIN indexes' pending lists merged (else scanned linearly) and the tables analysed."""
    for index in ("ix_search_docs_tsv", "ix_search_names_tsv"):
        conn.execute(text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index})
    for tbl in TABLES:
        conn.exec_driver_sql(f"ANALYZE {tbl.name}")


def _parts(rows: Iterable[dict], chunk: int) -> Iterator[tuple[list[tuple], ...]]:
    """The rows of each table, in TABLES order and column order, per `chunk` documents (numbered on from one chunk
    to the next)."""
    shown: dict[tuple, str] = {}  # few distinct lists
    as_json = lambda values: shown.get(tuple(values)) or shown.setdefault(tuple(values), json.dumps(values))
    doc = name = 0
    parts: tuple[list[tuple], ...] = ([], [], [], [])
    for row in rows:
        doc += 1
        doc_rows, name_rows, region_rows, government_rows = parts
        doc_rows.append((doc, row["id"], row["type"], row["tier"], row["start"], row["end"], row["sort_key"],
                         as_json(row["regions"]), as_json(row["governments"]), row["words"]))
        for shown_name in dict.fromkeys(row["names"]):
            name += 1
            name_rows.append((name, doc, shown_name))
        region_rows += [(r, doc) for r in dict.fromkeys(row["regions"])]
        government_rows += [(g, doc) for g in dict.fromkeys(row["governments"])]
        if len(doc_rows) == chunk:
            yield doc_rows, name_rows, sorted(region_rows), sorted(government_rows)
            parts = ([], [], [], [])
    if parts[0]:
        yield parts[0], parts[1], sorted(parts[2]), sorted(parts[3])


def matching_docs(dialect: str, terms: list[str]) -> ColumnElement:
    """A condition on `search_docs`: its words hold every term as the start of a word (terms are [a-z0-9]+)."""
    if dialect == "sqlite":
        fts = table("search_docs_fts", column("rowid"))
        return docs.c.doc.in_(select(fts.c.rowid).where(text("search_docs_fts MATCH :docs_match").bindparams(
            docs_match=_fts5(terms))))
    return text("search_docs.tsv @@ to_tsquery('simple', :docs_query)").bindparams(docs_query=_tsquery(terms))


def matching_names(dialect: str, terms: list[str]) -> Select:
    """Docs with one name holding every term as the start of a word."""
    if dialect == "sqlite":
        fts = table("search_names_fts", column("rowid"))
        inner = select(fts.c.rowid).where(text("search_names_fts MATCH :names_match").bindparams(
            names_match=_fts5(terms)))
        return select(names.c.doc).where(names.c.id.in_(inner))
    return select(names.c.doc).where(text("search_names.tsv @@ to_tsquery('simple', :names_query)").bindparams(
        names_query=_tsquery(terms)))


def _fts5(terms: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{t}:*" for t in terms)
