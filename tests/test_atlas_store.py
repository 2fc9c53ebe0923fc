"""The atlas as a view of the store at one version: lazy look-ups through the indexes give the same answers as
the whole atlas held in memory, on both engines; an accepted change is seen by the next view; opening a large
atlas reads only the registries, and walking it stays within the cache bound."""
import dataclasses
import datetime as dt
import threading
from collections import defaultdict

import pytest
from sqlalchemy import event

from policy_atlas import annex, currency, dataset, export, landscape, queries, store
from policy_atlas import gazetteer as gaz
from policy_atlas.curation import history
from policy_atlas.model import FuzzyDate, Statement
from policy_atlas.queries import Atlas, Lookup
from policy_atlas.store.read import _COLUMNS
from tests.conftest import make_dataset
from tests.test_validation import GOOD

PROPS = ("name", "government", "recipient", "funder", "start", "end", "level", "part_of", "competent_as", "member")


@pytest.fixture(params=["sqlite", "postgresql"])
def built(request):
    """The bundled atlas, built once per engine (read only here)."""
    return request.getfixturevalue("atlas_db" if request.param == "sqlite" else "pg_atlas_db")


@pytest.fixture
def memory(atlas_db):
    return Atlas.from_snapshot(store.snapshot(store.connect(atlas_db)))


def _ids(sts) -> list[str]:
    return [s.id for s in sts]


def _queries(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: sql.startswith("SELECT") and seen.append(sql))
    return seen


def test_a_stored_row_fills_a_statement_field_by_field():
    assert [c.name for c in _COLUMNS] == [f.name for f in dataclasses.fields(Statement)]


@pytest.mark.parametrize("cache", [Atlas.CACHE, 400])
def test_lookups_through_the_store_equal_the_atlas_in_memory(built, memory, cache, monkeypatch):
    monkeypatch.setattr(Atlas, "CACHE", cache)
    atlas = Atlas.open(store.connect(built))
    assert atlas.by_subject.complete is (cache > 400)  # 400 < the bundled atlas: read per key, evicted
    assert atlas.types == memory.types and atlas.sources == memory.sources
    assert atlas.version == store.version(store.connect(built)) and atlas.build["finished_at"]
    eids = sorted(memory.types)[::7] + ["gov/federal", "gov/flanders", "mun/62063", "body/livcr", "no/such-thing"]
    for eid in eids:
        assert atlas.labels(eid) == memory.labels(eid), eid
        assert atlas.label(eid, "fr") == memory.label(eid, "fr")
        assert _ids(atlas.by_subject.get(eid, ())) == _ids(memory.by_subject.get(eid, ())), eid
        assert _ids(atlas.by_object.get(eid, ())) == _ids(memory.by_object.get(eid, ())), eid
        assert (eid in atlas.by_object) == (eid in memory.by_object) and atlas.by_subject[eid] == memory.by_subject[eid]
        starts = [memory.first(eid, p) for p in ("start", "founded", "adopted", "signed", "date")]
        ends = [memory.first(eid, p) for p in ("end", "dissolved")]
        assert atlas.period_of(eid) == memory.period_of(eid) == (next(filter(None, starts), None),
                                                                 next(filter(None, ends), None))
        assert atlas.active_on(eid, dt.date(2017, 6, 1)) == memory.active_on(eid, dt.date(2017, 6, 1))
        for prop in PROPS:
            assert _ids(atlas.values(eid, prop)) == _ids(memory.values(eid, prop))
            assert atlas.first(eid, prop, dt.date(2017, 6, 1)) == memory.first(eid, prop, dt.date(2017, 6, 1))
    assert atlas.by_subject.get("no/such-thing", "none") == "none" and atlas.by_subject["no/such-thing"] == []
    assert atlas.competence == memory.competence and len(atlas.competence["region-flanders"]) >= 1
    if cache == 400:
        assert atlas.by_subject.cached() <= cache + max(len(memory.by_subject[e]) for e in eids)


def test_whole_atlas_reads_equal_the_atlas_in_memory(built, memory, monkeypatch):
    monkeypatch.setattr(Atlas, "CACHE", 1000)
    atlas = Atlas.open(store.connect(built))
    assert not atlas.by_subject.complete
    assert _ids(atlas.statements) == _ids(memory.statements)  # ordered by subject, property, id, like the list
    assert _ids(atlas.statements) == _ids(memory.statements)  # and read again
    assert len(atlas.statements) == atlas.count() == len(memory.statements)
    assert atlas.count(source="far-2019") == memory.count(source="far-2019") > 100
    assert atlas.count(quote=None) == memory.count(quote=None) == sum(1 for s in memory.statements if not s.quote)
    assert _ids(atlas.where(prop="annex_ii_row")) == _ids(memory.where(prop="annex_ii_row"))
    assert atlas.tally(("source", "valid_from")) == memory.tally(("source", "valid_from"))
    assert atlas.tally("source", value_type="date") == memory.tally("source", value_type="date")
    assert currency.of_atlas(atlas) == currency.summary(memory, memory.statements)
    today = dt.date(2024, 1, 1)
    assert currency.status_today(atlas, today) == currency.status_today(memory, today) == _status_one_by_one(memory, today)
    assert landscape.key_figures(atlas) == landscape.key_figures(memory)
    assert landscape.sources(atlas, "fr") == landscape.sources(memory, "fr")
    assert landscape.source_statements(atlas, "far-2019", "nl", 67) == landscape.source_statements(memory, "far-2019", "nl", 67)
    for day in (None, dt.date(2012, 1, 1)):
        assert annex.overview(atlas, "de", day) == annex.overview(memory, "de", day)
    assert landscape.livcr(atlas, "nl") == landscape.livcr(memory, "nl")
    assert landscape.trainings(atlas, "fr", region="flanders") == landscape.trainings(memory, "fr", region="flanders")
    changed = history.between(atlas, dt.date(2016, 3, 1), dt.date(2018, 6, 30), "nl")
    assert changed == history.between(memory, dt.date(2016, 3, 1), dt.date(2018, 6, 30), "nl") and len(changed) > 20
    days = [FuzzyDate.parse(c["date"]).last_day() if c["kind"] == "ended" else FuzzyDate.parse(c["date"]).first_day()
            for c in changed]
    assert all(dt.date(2016, 3, 1) <= d <= dt.date(2018, 6, 30) for d in days)
    assert list(export.jsonl(atlas)) == list(export.jsonl(memory))


def _status_one_by_one(atlas: Atlas, today: dt.date) -> dict:
    """`currency.status_today` the way it was computed from each instrument's statements."""
    out: dict[str, list[str]] = {"running": [], "ended": [], "unknown": []}
    for eid in atlas.entities_of(*currency.INSTRUMENTS):
        start, end = atlas.period_of(eid)
        status = atlas.values(eid, "status", today)
        if status and status[0].value in ("ended", "replaced") or end and FuzzyDate.parse(end).last_day() < today and not status:
            out["ended"].append(eid)
        elif start and FuzzyDate.parse(start).first_day() > today:
            continue
        else:
            stale = currency.summary(atlas, list(atlas.by_subject.get(eid, ())), today)["stale_since"]
            out["unknown" if stale else "running"].append(eid)
    return out


def test_an_appended_change_is_seen_by_the_next_view_not_by_the_open_one(db_url, tmp_path):
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    before = Atlas.open(engine)
    renamed = Statement("gov/federal", "name", "Federale overheid (nieuw)", "text", lang="nl", source="editorial")
    old = [s.id for s in before.by_subject["gov/federal"] if s.prop == "name" and s.lang == "nl"]
    with engine.begin() as conn:
        store.append(conn, [renamed], old, at="2026-01-02T03:04:05+00:00", actor="test")
    after = Atlas.open(engine)
    assert after.version != before.version and after.label("gov/federal") == renamed.value
    assert before.label("gov/federal") != renamed.value  # a small atlas is read whole at open: one version
    assert after.count() == before.count() and renamed.id in _ids(after.statements)


def test_opening_a_large_atlas_reads_only_the_registries_and_walks_stay_bounded(atlas_db, memory, monkeypatch):
    monkeypatch.setattr(Atlas, "CACHE", 300)
    engine = store.connect(atlas_db)
    seen = _queries(engine)
    atlas = Atlas.open(engine)
    reads = [q for q in seen if "FROM statements" in q]
    assert len(reads) == 1 and "count(" in reads[0].lower()  # how many; no statement is read at open
    assert atlas.by_subject.cached() == atlas.by_object.cached() == 0
    seen.clear()
    subsidies = atlas.entities_of("Subsidy")
    assert [atlas.first(s, "government") for s in subsidies] == [memory.first(s, "government") for s in subsidies]
    assert len(seen) < len(subsidies) / 4  # a walk in id order reads ahead instead of one query per entity
    largest = max(len(memory.by_subject[s]) for s in subsidies)
    assert atlas.by_subject.cached() <= 300 + Atlas.READ_AHEAD * largest
    seen.clear()
    atlas.prefetch(subsidies, objects=True)
    assert 0 < len(seen) <= 2 * (len(subsidies) // 500 + 1)  # chunked IN queries
    seen.clear()
    for s in list(atlas.chunked(subsidies))[:3]:
        atlas.values(s, "name")
    assert all(" IN (" in q for q in seen)
    seen.clear()
    atlas.read_names(subsidies)
    assert 0 < len(seen) <= len(subsidies) // 500 + 1  # the names of many entities: a query per chunk of ids
    seen.clear()
    assert [atlas.labels(s) for s in subsidies] == [memory.labels(s) for s in subsidies] and seen == []


def test_one_view_answers_many_threads_at_once(atlas_db, memory, monkeypatch):
    monkeypatch.setattr(Atlas, "CACHE", 200)
    atlas = Atlas.open(store.connect(atlas_db))
    eids = sorted(memory.types)[::3]
    expected = {e: (memory.labels(e), _ids(memory.by_object.get(e, ()))) for e in eids}
    wrong: list[str] = []

    def read(part):
        for e in part:
            if (atlas.labels(e), _ids(atlas.by_object.get(e, ()))) != expected[e]:
                wrong.append(e)

    threads = [threading.Thread(target=read, args=(eids[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_derived_values_are_computed_once_per_view(atlas_db):
    atlas = Atlas.open(store.connect(atlas_db))
    calls = []
    first = atlas.derived("answer", lambda a: calls.append(1) or {"n": a.count()})
    assert atlas.derived("answer", lambda a: calls.append(1)) is first and calls == [1]
    assert Atlas.open(store.connect(atlas_db)).derived("answer", lambda a: 42) == 42  # a new view, a new memo


def test_the_app_serves_a_view_and_warms_a_new_version_before_serving_it(db_url, tmp_path):
    from fastapi.testclient import TestClient

    from policy_atlas.web.app import create_app

    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    app = create_app(db_url)
    state = app.state.atlas
    state.CHECK_EVERY = 0
    state.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        assert client.get("/api/home").status_code == 200
        first = state.atlas
        assert first.engine is not None and isinstance(first.by_subject, Lookup)
        old = [s.id for s in first.by_subject["gov/federal"] if s.prop == "name" and s.lang == "nl"]
        with engine.begin() as conn:
            store.append(conn, [Statement("gov/federal", "name", "Federaal", "text", lang="nl", source="editorial")],
                         old, at="2026-01-02T03:04:05+00:00")
        second = state.atlas
        assert second is not first and second.version == store.version(engine)
        names = {k[0] if isinstance(k, tuple) else k for k in second._memo}
        assert {"currency", "key_figures", "source_counts", "annex_items"} <= names
        assert client.get("/api/entity/gov/federal").json()["labels"]["nl"] == "Federaal"


def _names(atlas, eid) -> dict[str, str]:
    """What `labels` means: the entity's names per language, read from its own statements."""
    return {s.lang: s.value for s in atlas.by_subject.get(eid, ()) if s.prop == "name" and s.rank != "deprecated"}


def _found_the_slow_way(atlas, mun, day, lang) -> dict[str, list[queries.Found]]:
    """`profile_found` as first written: each candidate's own statements read for its label and eligibility."""
    govs, found = queries.competent_governments(atlas, mun), defaultdict(list)
    label = lambda eid: next((n[c] for n in [_names(atlas, eid)] for c in (lang, "nl", "fr", "en", "de") if c in n),  # noqa: E731
                             eid)
    for holder, via in queries._holders(mun):
        for st in atlas.by_object.get(holder.entity_id, ()):
            if st.prop in queries.HOLDING and queries._applies(atlas, st, day):
                section, reason = ("subsidies_received", "direct grant") if st.prop == "recipient" else \
                    ("bodies_taking_part", st.prop)
                found[section].append(queries.Found(label(st.subject), st.subject, reason, st.id, via))
    reached = {f.eid for f in found["subsidies_received"]}
    for gid, why in govs:
        for st in atlas.by_object.get(gid, ()):
            kind = atlas.types.get(st.subject)
            if st.prop != "government" or kind not in queries.PROFILE_SECTIONS or st.subject in reached or \
                    not queries._applies(atlas, st, day):
                continue
            if kind == "Subsidy" and (any(s.prop == "recipient" for s in atlas.by_subject.get(st.subject, ())) or
                                      atlas.first(st.subject, "eligible_region") not in (None, "all", mun.region)):
                continue
            found[queries.PROFILE_SECTIONS[kind]].append(queries.Found(label(st.subject), st.subject, f"via {why}",
                                                                       st.id, None))
    return {section: queries._dedupe(found[section]) for section in queries.PROFILE_LISTS}


def test_profiles_from_per_version_tables_equal_reading_each_candidate(built, memory, monkeypatch):
    """Labels, eligibility and the governments' candidates come from tables made once per version; they give what
    reading every candidate's statements gives, lazily through the store and in memory."""
    monkeypatch.setattr(Atlas, "CACHE", 400)
    lazy = Atlas.open(store.connect(built))
    assert not lazy.by_subject.complete
    for eid in sorted(memory.types):
        assert lazy.labels(eid) == memory.labels(eid) == _names(memory, eid), eid
    assert sum(1 for e in memory.types if _names(memory, e)) > 1000
    g = gaz.load()
    places = [g.get("62063"), g.resolve("Zele"), g.resolve("Sint-Jans-Molenbeek"), g.resolve("Eupen"), g.get("71072")]
    for mun in places:
        for day in (None, dt.date(2015, 12, 31), dt.date(2016, 5, 1), dt.date(2017, 6, 1), dt.date(2019, 3, 7)):
            for lang in ("fr", "de"):
                expected = _found_the_slow_way(memory, mun, day, lang)
                assert queries.profile_found(lazy, mun, day, lang) == expected, (mun.nis, day, lang)
                assert queries.profile_found(memory, mun, day, lang) == expected, (mun.nis, day, lang)
    liege = _found_the_slow_way(memory, g.get("62063"), dt.date(2017, 6, 1), "fr")
    assert len(liege["subsidies_open"]) >= 1 and len(liege["agencies"]) > 5 and liege["subsidies_received"]
