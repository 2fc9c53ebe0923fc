"""The profile's candidates kept with the statements (`store/candidates.py`): every change of a subject's statements
rewrites its rows, a store made before gets them from its migration, and a profile read from them equals one worked
out from the statements in memory."""
import datetime as dt

from alembic import command
from sqlalchemy import select

from policy_atlas import gazetteer as gaz
from policy_atlas import queries, store
from policy_atlas.model import FuzzyDate, Statement
from policy_atlas.store import candidates, migrate
from policy_atlas.store.schema import profile_candidates

AT = "2026-11-30T01:00:00+00:00"


def _table(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*(profile_candidates.c[n] for n in candidates.COLUMNS))))


def _worked_out(engine) -> list[tuple]:
    """The rows a full pass over the current statements gives now."""
    with engine.connect() as conn:
        return sorted((*row[:7], bool(row[7]), row[8]) for chunk in candidates.rows_for(conn) for row in chunk)


def _rows_of(engine, subject: str) -> list[tuple]:
    return [r for r in _table(engine) if r[3] == subject]


def test_every_change_of_a_subject_rewrites_its_rows(db_url, bundled):
    engine = store.connect(db_url)
    store.build(bundled, engine)
    before = _table(engine)
    assert before == _worked_out(engine) and len(before) > 300
    subject = "subsidy/vsc-radicalisation"
    old = {r[0]: r for r in _rows_of(engine, subject)}
    assert old and all(r[7] for r in old.values())  # it names recipients
    atlas = queries.Atlas.open(engine)
    mine = atlas.by_subject[subject]
    names = [st for st in mine if st.prop == "name"]
    pointing = next(st for st in mine if st.id in old)
    ended = Statement(subject, "end", "2031-06", "date", source="editorial")
    renamed = Statement(subject, "name", "Hernoemd", "text", lang="nl", source="editorial")
    with engine.begin() as conn:
        store.append(conn, [ended, renamed], [pointing.id, *(st.id for st in names if st.lang == "nl")], at=AT,
                     actor="curator@example.org")
    after = _table(engine)
    assert after == _worked_out(engine) and after != before
    now = {r[0]: r for r in _rows_of(engine, subject)}
    assert set(now) == set(old) - {pointing.id}  # the withdrawn link has no row any more
    assert {r[5] for r in old.values()} == {"9999-12-31"} and {r[5] for r in now.values()} == {"2031-06-30"}
    assert all("Hernoemd" in r[8] for r in now.values())
    unchanged = [r for r in before if r[3] != subject]
    assert [r for r in after if r[3] != subject] == unchanged  # nothing else was rewritten differently
    with engine.begin() as conn:  # and back: the rows are what they were
        store.append(conn, [pointing, *names], [ended.id, renamed.id], at=AT)
    assert _table(engine) == before


def test_a_store_made_before_gets_its_rows_from_the_migration(tmp_path, bundled):
    engine = store.connect(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    store.build(bundled, engine)
    rows = _table(engine)
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0007_sqlite_search_tables")
    with engine.connect() as conn:
        assert not engine.dialect.has_table(conn, "profile_candidates")
    assert store.upgrade(engine) == store.head()
    assert _table(engine) == rows and len(rows) > 300


def test_a_profile_read_from_the_rows_equals_one_from_the_statements_in_memory(atlas_db):
    engine = store.connect(atlas_db)
    stored, in_memory = queries.Atlas.open(engine), queries.Atlas.from_snapshot(store.snapshot(engine))
    g = gaz.load()
    for nis in ("62063", "11002", "21004", "44021", "63023"):
        mun = g.get(f"mun/{nis}")
        for day in (None, dt.date(2016, 3, 1), dt.date(2019, 1, 1)):
            assert queries.profile(stored, mun, day, "fr", today=dt.date(2026, 1, 1)) == \
                queries.profile(in_memory, mun, day, "fr", today=dt.date(2026, 1, 1))
    govs = tuple(gid for gid, _ in queries.competent_governments(stored, g.get("mun/62063")))
    found = queries._pointing(stored, govs, ("government",))
    assert found == queries._pointing(in_memory, govs, ("government",)) and len(found) > 50
    assert all(isinstance(first, dt.date) and first <= FuzzyDate(2100).last_day() for _, _, _, _, first, *_ in found)
