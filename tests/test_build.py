"""The build is one transaction: any error leaves the previous database untouched; history is append-only."""
import gc

import pytest
from sqlalchemy import event, inspect, text

from policy_atlas import dataset, store
from tests.conftest import cli, make_dataset
from tests.test_validation import GOOD


def _count(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


CURRENT = 'SELECT COUNT(*) FROM statements WHERE "current"'


def test_failure_mid_build_leaves_previous_database_untouched(tmp_path, bundled, db_url):
    engine = store.connect(db_url)
    first = store.build(dataset.load(make_dataset(tmp_path / "small", {"kind/f.yaml": GOOD})), engine)
    before = (_count(engine, CURRENT), _count(engine, "SELECT COUNT(*) FROM builds"))
    inserts = {"n": 0}

    def crash_after_some_inserts(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO statements"):
            inserts["n"] += 1
            if inserts["n"] == 3:
                raise RuntimeError("disk full (simulated crash mid-import)")

    event.listen(engine, "before_cursor_execute", crash_after_some_inserts)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.build(bundled, engine)
    event.remove(engine, "before_cursor_execute", crash_after_some_inserts)
    assert inserts["n"] == 3  # the crash really happened in the middle of writing statements
    after = (_count(engine, CURRENT), _count(engine, "SELECT COUNT(*) FROM builds"))
    assert after == before and before[0] == first["statements"]
    assert gc.isenabled()  # paused during the load and build only


INDEXES = {"statements": {"ix_statements_subject_prop_current", "ix_statements_entity_value"},
           "statement_log": {"ix_statement_log_statement_id"}}


def _indexes(engine) -> dict:
    return {table: {ix["name"] for ix in inspect(engine).get_indexes(table)} for table in INDEXES}


def test_first_build_makes_its_indexes_after_the_rows_and_a_crash_keeps_them(tmp_path, bundled, db_url):
    engine = store.connect(db_url)
    store.upgrade(engine)
    assert _indexes(engine) == INDEXES
    inserts = {"n": 0}

    def crash(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO statements"):
            inserts["n"] += 1
            if inserts["n"] == 3:
                assert not _indexes(conn)["statements"]  # dropped inside the build's transaction
                raise RuntimeError("disk full (simulated crash mid-import)")

    event.listen(engine, "before_cursor_execute", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.build(bundled, engine)
    event.remove(engine, "before_cursor_execute", crash)
    assert inserts["n"] == 3 and _indexes(engine) == INDEXES and _count(engine, "SELECT COUNT(*) FROM statements") == 0
    result = store.build(bundled, engine)
    assert _indexes(engine) == INDEXES and _count(engine, CURRENT) == result["statements"]
    entity_value = next(ix for ix in inspect(engine).get_indexes("statements") if ix["name"] == "ix_statements_entity_value")
    where = entity_value.get("dialect_options", {}).get(f"{engine.dialect.name}_where")
    assert "value_type" in str(where) and "entity" in str(where)  # made again partial, on both engines
    with engine.connect() as conn:  # one log row per statement, in the order the dataset gave them
        logged = conn.execute(text("SELECT statement_id, action, build_id FROM statement_log ORDER BY seq")).all()
    assert logged == [(sid, "add", result["build"]) for sid in dict.fromkeys(st.id for st in bundled.statements)]


def test_invalid_dataset_is_refused_and_database_kept(tmp_path):
    db = tmp_path / "b.sqlite"
    good = make_dataset(tmp_path / "good", {"kind/f.yaml": GOOD})
    bad = make_dataset(tmp_path / "bad", {"kind/f.yaml": GOOD.replace("mun/11002", "mun/99999")})
    assert cli("build", "--dataset", str(good), "--db", str(db)).returncode == 0
    size = db.read_bytes()
    result = cli("build", "--dataset", str(bad), "--db", str(db))
    assert result.returncode == 1 and "unknown municipality 'mun/99999'" in result.stderr
    assert "database was not touched" in result.stderr and db.read_bytes() == size


def test_correction_retracts_and_adds_never_overwrites(tmp_path, db_url):
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "v1", {"kind/f.yaml": GOOD})), engine)
    corrected = GOOD.replace("from: 2016, to: 2016", "from: 2016, to: 2017")
    result = store.build(dataset.load(make_dataset(tmp_path / "v2", {"kind/f.yaml": corrected})), engine)
    assert (result["added"], result["retracted"]) == (2, 2)
    log = store.history(engine, "subsidy/impuls")
    grants = [r for r in log if r["prop"] == "recipient"]
    assert [r["action"] for r in grants].count("retract") == 2 and [r["action"] for r in grants].count("add") == 4
    assert {r["valid_to"] for r in grants if r["action"] == "retract"} == {"2016"}
    assert _count(engine, "SELECT COUNT(*) FROM statements WHERE prop='recipient'") == 4  # old rows kept
    assert _count(engine, CURRENT + " AND prop='recipient'") == 2


def test_rebuild_of_same_dataset_changes_nothing(atlas_db, bundled):
    result = store.build(bundled, store.connect(atlas_db))
    assert (result["added"], result["retracted"]) == (0, 0)
