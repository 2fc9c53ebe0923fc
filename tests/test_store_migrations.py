"""Alembic: an atlas made before migrations is upgraded in place with nothing lost; unknown revisions are refused."""
import pytest
from sqlalchemy import inspect, text

from policy_atlas import dataset, store
from tests.conftest import cli, make_dataset
from tests.data import store_v1
from tests.test_validation import GOOD


def _rows(engine, sql):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_legacy_sqlite_atlas_is_upgraded_in_place(tmp_path, bundled):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = store_v1.connect(url)
    store_v1.build(dataset.load(make_dataset(tmp_path / "v1", {"kind/f.yaml": GOOD})), old)
    corrected = GOOD.replace("from: 2016, to: 2016", "from: 2016, to: 2017")
    store_v1.build(dataset.load(make_dataset(tmp_path / "v2", {"kind/f.yaml": corrected})), old)
    old_current = _rows(old, "SELECT id FROM current_statements ORDER BY id")
    old_log = _rows(old, "SELECT seq, statement_id, action, build_id, at FROM statement_log ORDER BY seq")
    old_builds = _rows(old, "SELECT * FROM builds ORDER BY id")
    old_statements = _rows(old, "SELECT * FROM statements ORDER BY id")
    old.dispose()

    result = cli("db", "upgrade", "--db", url)
    assert result.returncode == 0, result.stderr
    assert f"schema revision {store.head()}" in result.stdout
    engine = store.connect(url)
    assert _rows(engine, 'SELECT id FROM statements WHERE "current" ORDER BY id') == old_current
    assert len(old_current) > 3000 and len(old_log) == len(old_current) + 4  # two corrected, retracted and added
    assert _rows(engine, "SELECT seq, statement_id, action, build_id, at FROM statement_log ORDER BY seq") == old_log
    assert _rows(engine, "SELECT * FROM builds ORDER BY id") == old_builds
    columns = "id, subject, prop, value, value_type, lang, valid_from, valid_to, source, locator, quote, rank, note, origin"
    assert _rows(engine, f"SELECT {columns} FROM statements ORDER BY id") == old_statements
    assert "current_statements" not in inspect(engine).get_view_names()
    assert {ix["name"] for ix in inspect(engine).get_indexes("statements")} == {
        "ix_statements_subject_prop_current", "ix_statements_entity_value"}  # ix_statements_subject gone (0006)
    # the upgraded atlas builds on: the same dataset changes nothing, and history reads across the upgrade
    again = store.build(dataset.load(make_dataset(tmp_path / "v3", {"kind/f.yaml": corrected})), engine)
    assert (again["added"], again["retracted"]) == (0, 0)
    assert [h["action"] for h in store.history(engine, "subsidy/impuls")].count("retract") == 2


def test_fresh_database_gets_head_on_both_engines(db_url, tmp_path):
    engine = store.connect(db_url)
    assert store.upgrade(engine) == store.head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == store.head()
    tables = set(inspect(engine).get_table_names())
    assert {"builds", "entities", "sources", "statements", "statement_log", "meta"} <= tables
    assert store.version(engine) == "1"
    result = store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    assert result["version"] == "2" and store.version(engine) == "2"


def test_unknown_revision_is_refused_and_left_untouched(tmp_path):
    url = f"sqlite:///{tmp_path / 'future.sqlite'}"
    good = make_dataset(tmp_path / "good", {"kind/f.yaml": GOOD})
    assert cli("build", "--dataset", str(good), "--db", url).returncode == 0
    engine = store.connect(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999_from_the_future'"))
    with pytest.raises(store.UnknownRevision, match="0999_from_the_future"):
        store.upgrade(engine)
    for args in (["db", "upgrade", "--db", url], ["build", "--dataset", str(good), "--db", url],
                 ["profile", "62063", "--db", url]):
        result = cli(*args)
        assert result.returncode == 2 and "0999_from_the_future" in result.stderr and "Traceback" not in result.stderr
    assert _rows(engine, "SELECT COUNT(*) FROM builds") == [(1,)]


def test_reads_by_subject_use_the_subject_property_index(tmp_path):
    """0006 dropped the index on `subject` alone: look-ups by subject (and a subject's history) use the index that
    starts with it."""
    engine = store.connect(f"sqlite:///{tmp_path / 'a.sqlite'}")
    store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    by_subject = 'SELECT * FROM statements WHERE subject IN (?, ?) AND "current" ORDER BY subject, prop, id'
    history = ("SELECT seq FROM statement_log JOIN statements ON statements.id = statement_id WHERE subject = ? "
               "ORDER BY seq")
    for sql, args in ((by_subject, ("subsidy/impuls", "mun/11002")), (history, ("subsidy/impuls",))):
        plan = " | ".join(row[-1] for row in _rows_args(engine, f"EXPLAIN QUERY PLAN {sql}", args))
        assert "SEARCH statements USING INDEX ix_statements_subject_prop_current (subject=?)" in plan, plan


def _rows_args(engine, sql, args):
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql, args).all()


def test_the_revision_check_reads_the_migration_files_as_alembic_does():
    """Every command checks the database's revision; the head and known revisions come from the migration files
    without loading Alembic (0.3 s a command), and must be what Alembic itself reads."""
    from alembic.script import ScriptDirectory

    from policy_atlas.store import migrate

    script = ScriptDirectory(str(migrate.MIGRATIONS))
    assert migrate.head() == script.get_current_head()
    assert migrate.revisions() == {r.revision: r.down_revision for r in script.walk_revisions()}
    assert len(migrate.revisions()) >= 5 and migrate.revisions()["0001_initial"] is None
