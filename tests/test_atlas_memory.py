"""What a process keeps per atlas version stays bounded and compact (issue 12: < 300 MB per web process at 100×,
two versions alive during a reload): statement lookups of a large atlas keep at most Atlas.KEEP statements and
are emptied once the version's warm-up has run; names are one string per entity under an id shared with the
registry."""
import sys

from policy_atlas import store
from policy_atlas.queries import NAME_SEP, Atlas
from policy_atlas.web.app import _Loaded

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
