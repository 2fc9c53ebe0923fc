"""0007: a SQLite store's search tables (0004, unused since the index moved to `atlas-search.sqlite`) are dropped
by `db upgrade`, with nothing else touched; PostgreSQL keeps its search tables in the store."""
from alembic import command
from sqlalchemy import inspect, text

from policy_atlas import dataset, store
from policy_atlas.store import migrate
from policy_atlas.store import search as tables
from tests.conftest import cli, make_dataset
from tests.test_validation import GOOD

SEARCH = {"search_docs", "search_names", "search_regions", "search_governments", "search_docs_fts",
          "search_names_fts"}


def _rows(engine, sql):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _to(engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), revision)


def test_db_upgrade_drops_the_sqlite_stores_search_tables_and_keeps_the_rest(tmp_path):
    url = f"sqlite:///{tmp_path / 'atlas.sqlite'}"
    engine = store.connect(url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    _to(engine, "0006_statement_indexes")  # a store as 0006 left it: the search tables of 0004, with rows
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO search_docs VALUES (1, 'subsidy/impuls', 'Subsidy', 'regional', 2016, NULL, "
                          "'impuls', '[]', '[]', 'impuls')"))
        conn.execute(text("INSERT INTO search_docs_fts(search_docs_fts) VALUES ('rebuild')"))
        conn.execute(text("INSERT INTO meta VALUES ('search_version', '2 then')"))
    assert SEARCH <= set(inspect(engine).get_table_names())
    kept = {name: _rows(engine, f"SELECT * FROM {name} ORDER BY 1")
            for name in ("statements", "statement_log", "builds", "entities", "sources", "build_files")}
    meta = _rows(engine, "SELECT * FROM meta WHERE key != 'search_version' ORDER BY key")
    engine.dispose()

    result = cli("db", "upgrade", "--db", url)
    assert result.returncode == 0, result.stderr
    assert f"schema revision {store.head()}" in result.stdout
    engine = store.connect(url)
    assert not SEARCH & set(inspect(engine).get_table_names())
    assert {name: _rows(engine, f"SELECT * FROM {name} ORDER BY 1") for name in kept} == kept
    assert len(kept["statements"]) > 3000
    assert _rows(engine, "SELECT * FROM meta ORDER BY key") == meta
    # the upgraded store builds on and is searched from the file beside it
    again = store.build(dataset.load(make_dataset(tmp_path / "d2", {"kind/f.yaml": GOOD})), engine)
    assert (again["added"], again["retracted"]) == (0, 0)
    from policy_atlas.queries import Atlas
    from policy_atlas.search import Index

    index = Index.open(Atlas.open(engine))
    assert index.engine.url.database == str(tmp_path / "atlas-search.sqlite")
    assert "subsidy/impuls" in [hit["id"] for hit in index.search("impuls")]
    assert not SEARCH & set(inspect(engine).get_table_names())


def test_a_downgrade_makes_them_again_empty(tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    store.upgrade(engine)
    assert not SEARCH & set(inspect(engine).get_table_names())
    _to(engine, "0006_statement_indexes")
    assert SEARCH <= set(inspect(engine).get_table_names())
    assert _rows(engine, "SELECT count(*) FROM search_docs") == [(0,)]
    assert store.upgrade(engine) == store.head()
    assert not SEARCH & set(inspect(engine).get_table_names())


def test_postgresql_keeps_its_search_tables_in_the_store(db_url):
    engine = store.connect(db_url)
    store.upgrade(engine)
    present = set(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite":
        assert not SEARCH & present
    else:
        assert {t.name for t in tables.TABLES} <= present
