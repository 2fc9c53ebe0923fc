"""The search tables, rewritten once per atlas version (meta `search_version`) by the first process that sees it.

One row per searchable entity in `search_docs` (its folded words, type, tier, years, sort key), one per name in
`search_names`, and side tables entity→region and entity→government so filters and facet counts stay in SQL.
Full-text: on SQLite two FTS5 tables over `words` and `name` (external content, prefix indexes); on PostgreSQL
a generated `to_tsvector('simple', …)` column with a GIN index on each. Made by the migration `0004_search`."""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Column, Index, Integer, String, Table, Text, column, select, table, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from .schema import meta, metadata

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
# SQLite: FTS5 over the content tables (rowid = doc / name id), prefix indexes for 2- and 3-letter prefixes
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_docs_fts USING fts5(words, content='search_docs', content_rowid='doc', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_names_fts USING fts5(name, content='search_names', content_rowid='id', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0')",
]
POSTGRESQL_FTS = [
    "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
    "ALTER TABLE search_names ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED",
    "CREATE INDEX ix_search_names_tsv ON search_names USING gin (tsv)",
]


def create(conn: Connection) -> None:
    """The tables on a database that has none (the migration makes them everywhere else)."""
    metadata.create_all(conn, tables=[meta, *TABLES])
    for ddl in SQLITE_FTS if conn.dialect.name == "sqlite" else POSTGRESQL_FTS:
        conn.exec_driver_sql(ddl)


def indexed_version(conn: Connection) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar()


def replace(conn: Connection, version: str, rows: Iterable[dict]) -> bool:
    """Write the rows for `version` unless the tables already hold it or a newer one (another process was first).
    Call inside a transaction: the first statement takes the write lock (SQLite) or an advisory lock
    (PostgreSQL), so two processes never both write; True if this one wrote."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7342)"))
    else:  # a write first: SQLite's write lock now, waiting on busy_timeout, instead of a deadlock at the insert
        conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=meta.c.value))
    held = indexed_version(conn)
    if held is not None and int(held) >= int(version):
        return False
    for tbl in reversed(TABLES):
        conn.execute(tbl.delete())
    doc_rows, name_rows, region_rows, government_rows = [], [], [], []
    for doc, row in enumerate(rows, start=1):
        doc_rows.append({"doc": doc, "eid": row["id"], "type": row["type"], "tier": row["tier"],
                         "start_year": row["start"], "end_year": row["end"], "sort_key": row["sort_key"],
                         "regions": json.dumps(row["regions"]), "governments": json.dumps(row["governments"]),
                         "words": row["words"]})
        name_rows += [{"id": len(name_rows) + k, "doc": doc, "name": name}
                      for k, name in enumerate(dict.fromkeys(row["names"]), start=1)]
        region_rows += [{"doc": doc, "region": r} for r in dict.fromkeys(row["regions"])]
        government_rows += [{"doc": doc, "government": g} for g in dict.fromkeys(row["governments"])]
    for tbl, part in ((docs, doc_rows), (names, name_rows), (regions, region_rows), (governments, government_rows)):
        for start in range(0, len(part), 2000):
            conn.execute(tbl.insert(), part[start:start + 2000])
    if conn.dialect.name == "sqlite":
        for fts in ("search_docs_fts", "search_names_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    else:  # the rows sit in the GIN indexes' pending lists (scanned linearly) until merged; fresh statistics
        for index in ("ix_search_docs_tsv", "ix_search_names_tsv"):
            conn.execute(text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index})
        for tbl in TABLES:
            conn.exec_driver_sql(f"ANALYZE {tbl.name}")
    if held is None:
        conn.execute(meta.insert().values(key=VERSION_KEY, value=version))
    else:
        conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=version))
    return True


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
