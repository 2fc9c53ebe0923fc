"""What a process keeps per atlas version stays bounded and compact (issue 12: < 300 MB per web process at 100×,
two versions alive during a reload): statement lookups of a large atlas keep at most Atlas.KEEP statements and
are emptied once the version's warm-up has run; names are one string per entity under an id shared with the
registry."""
import gc
import sys
import threading
import types
from typing import Iterator

from policy_atlas import landscape, network, store, timeline
from policy_atlas.model import Statement
from policy_atlas.queries import NAME_SEP, Atlas
from policy_atlas.web.app import AtlasState, _Loaded

EID = "body/livcr"


def _lazy(url: str, monkeypatch) -> Atlas:
    monkeypatch.setattr(Atlas, "CACHE", 500)  # the bundled atlas as a large one: read through the lookups
    atlas = Atlas.open(store.connect(url))
    assert not atlas.by_subject.complete
    return atlas


def test_lookups_keep_at_most_keep_statements(atlas_db, monkeypatch):
    monkeypatch.setattr(Atlas, "KEEP", 300)
    atlas = _lazy(atlas_db, monkeypatch)
    assert atlas.by_subject.limit == atlas.by_object.limit == 300
    for eid in atlas.chunked(atlas.entities_of("Subsidy")):
        atlas.values(eid, "government")
    assert 0 < atlas.by_subject.cached() <= 300 + max(len(v) for _, v in atlas.by_subject.items())


def test_the_warm_up_ends_with_empty_lookups_and_every_name(atlas_db, monkeypatch):
    atlas = _lazy(atlas_db, monkeypatch)
    _Loaded(atlas.version, None, atlas).warm()
    assert atlas.by_subject.cached() == atlas.by_object.cached() == 0
    assert atlas.names.complete and atlas.labels(EID)["nl"]
    assert atlas.values(EID, "name")  # read again when asked


def test_names_are_one_string_per_entity_under_the_registrys_id(atlas_db, monkeypatch):
    atlas = _lazy(atlas_db, monkeypatch)
    atlas.read_names()
    held = dict(atlas.names.items())
    eid = next(e for e in atlas.types if e == EID)
    assert isinstance(held[EID], str) and NAME_SEP in held[EID]
    assert next(k for k in held if k == EID) is eid is sys.intern(EID)
    pairs = held[EID].split(NAME_SEP)
    assert dict(zip(pairs[::2], pairs[1::2])) == atlas.labels(EID)


def _reachable(root, stop: tuple) -> Iterator:
    """Every object reachable from `root` (not through modules, classes, functions or `stop`)."""
    seen, todo = set(), [root]
    skip = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, *stop)
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        yield obj
        todo.extend(gc.get_referents(obj))


def test_the_figures_a_version_keeps_hold_no_statements_and_share_the_registrys_ids(atlas_db, monkeypatch):
    """Network relations kept whole statements (~1 kB each, 31 MB at 100×); the kept figures hold ids, dates and
    citations, with entity ids shared with the registry rather than a copy each."""
    atlas = _lazy(atlas_db, monkeypatch)
    _Loaded(atlas.version, None, atlas).warm()
    kept = list(_reachable(atlas._memo, (Atlas,)))
    assert not [o for o in kept if isinstance(o, Statement)]
    relations = network.all_relations(atlas)
    assert relations and all(r[4].id and r[0] is sys.intern(r[0]) and r[1] is sys.intern(r[1]) for r in relations)
    subjects = landscape.source_counts(atlas)["subjects"]
    assert all(s is sys.intern(s) for listed in subjects.values() for s in listed)


def test_a_reload_empties_the_replaced_versions_lookups_before_the_new_one_warms(tmp_path, bundled, monkeypatch):
    """Two versions are alive while the next one warms: the one still served keeps no whole-atlas reads meanwhile
    and at most RETIRED_KEEP statements per lookup (requests meanwhile read what they need from the store)."""
    monkeypatch.setattr(Atlas, "CACHE", 500)
    url = f"sqlite:///{tmp_path / 'reload.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    state = AtlasState(url)
    state.CHECK_EVERY, state.RELOAD_WAIT = 0, None
    old = state.loaded().atlas
    for thread in threading.enumerate():
        if thread.name == "atlas-warm":
            thread.join()
    assert old.values(EID, "name") and old.by_subject.cached() > 0
    seen = []
    monkeypatch.setattr(_Loaded, "WARM", (lambda atlas: seen.append(
        (old.by_subject.cached(), old.by_object.cached(), old.by_subject.limit, old.by_object.limit)), *_Loaded.WARM))
    with engine.begin() as conn:
        store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                      source="editorial")], [], at="2026-01-01T00:00:00+00:00")
    new = state.loaded().atlas
    assert new is not old and seen == [(0, 0, Atlas.RETIRED_KEEP, Atlas.RETIRED_KEEP)]
    assert old.values(EID, "name") == new.values(EID, "name")  # the replaced version still answers
    assert new.by_subject.limit == min(Atlas.CACHE, Atlas.KEEP)


def _size(root) -> int:
    return sum(sys.getsizeof(o) for o in _reachable(root, (Atlas,)))


def test_the_largest_per_version_figures_stay_compact(atlas_db, monkeypatch):
    """Relations, timeline, map grants, periods and source counts of the bundled atlas: 815 kB before the fourth
    pass (whole statements, a dict per timeline item and per citation, a copy of each id), ~265 kB after."""
    atlas = _lazy(atlas_db, monkeypatch)
    _Loaded(atlas.version, None, atlas).warm()
    names = ("network.relations", "timeline.nl.None", "coverage.grants.nl", "periods", "source_counts")
    assert set(names) <= set(atlas._memo)
    assert _size([atlas._memo[name] for name in names]) < 400_000
    assert [i["id"] for i in timeline.items(atlas)["items"]][:3] == [i["id"] for i in timeline.items(atlas)["items"][:3]]


def test_two_versions_share_their_names_and_statements_share_the_registrys_strings(atlas_db, monkeypatch):
    """A reload warms a second view beside the one served: unchanged names are one string for both; a statement
    read holds the registry's id and one string per property, source and rank, not a copy each."""
    first, second = _lazy(atlas_db, monkeypatch), _lazy(atlas_db, monkeypatch)
    first.read_names()
    second.read_names()
    assert first.names.get(EID) is second.names.get(EID)
    st = first.by_subject[EID][0]
    again = second.by_subject[EID][0]
    assert st.subject is sys.intern(EID) and (st.prop, st.source, st.rank) == (again.prop, again.source, again.rank)
    assert st.prop is again.prop and st.source is again.source and st.rank is again.rank
