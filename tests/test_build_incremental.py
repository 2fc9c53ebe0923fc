"""Incremental builds: a build reads only the files that changed (and those depending on what changed), and its
result equals a full build of the same files, after edits, added and removed files, a moved entity, and accepted
curation; an error in a changed file or one it breaks names file and line and writes nothing."""
import json
import shutil
import textwrap

from sqlalchemy import select

from policy_atlas import dataset, store
from policy_atlas.model import Statement
from policy_atlas.store.files import build_files
from tests.conftest import cli, make_dataset
from tests.test_validation import GOOD

OTHER = """
source: far-2019
entities:
  - id: subsidy/other
    type: Subsidy
    labels: {nl: Andere subsidie}
    statements:
      - {p: funder, v: gov/federal, src: editorial}
      - {p: kind, v: project, src: editorial}
facts:
  - {s: subsidy/impuls, p: kind, v: structural, src: editorial}
"""
FLANDERS = """
source: far-2019
entities:
  - id: gov/flanders
    type: Government
    labels: {nl: Vlaamse overheid}
    statements:
      - {p: alias, v: Vlaanderen, q: "Door de verdeeldheid van bevoegdheden subsidieert Vlaanderen zowel eigen preventieve projecten"}
"""
GRANT = """
source: far-2019
entities:
  - id: subsidy/flemish
    type: Subsidy
    labels: {nl: Vlaamse subsidie}
    statements:
      - {p: funder, v: gov/flanders, src: editorial}
"""


def _contents(engine, *, origin=True) -> dict:
    """Everything a build decides: the current statements (every column), the registries, the file state."""
    skip = set() if origin else {"origin"}
    with engine.connect() as conn:
        current = {r["id"]: {k: v for k, v in r.items() if k not in skip}
                   for r in conn.execute(select(store.statements).where(store.statements.c.current)).mappings()}
        return {"statements": current,
                "entities": dict(conn.execute(select(store.entities.c.id, store.entities.c.type)).all()),
                "sources": dict(conn.execute(select(store.sources.c.id, store.sources.c.data)).all()),
                "files": {p: json.loads(s) for p, s in conn.execute(select(build_files.c.path, build_files.c.state))}
                if origin else None}


def _build(root, engine, *, full=False) -> dict:
    ds = dataset.load(root, previous=None if full else store.previous_files(engine))
    assert ds.ok, ds.problems
    return store.build(ds, engine, label=str(root))


def _write(root, name, text):
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(textwrap.dedent(text))


def test_incremental_build_equals_full_build(tmp_path):
    root = make_dataset(tmp_path / "ds", {"kind/a.yaml": GOOD, "kind/b.yaml": OTHER, "kind/c.yaml": FLANDERS,
                                          "kind/d.yaml": GRANT})
    inc, full = (store.connect(f"sqlite:///{tmp_path / name}.sqlite") for name in ("inc", "full"))

    def step(read: int, changes: tuple[int, int]) -> dict:
        result = _build(root, inc)
        _build(root, full, full=True)
        assert (result["read"], (result["added"], result["retracted"])) == (read, changes)
        assert _contents(inc) == _contents(full)  # the same builds, each a full read: the same store
        return result

    first = _build(root, inc)
    _build(root, full, full=True)
    assert first["read"] == first["files"] == 5 and first["added"] == first["statements"]
    step(0, (0, 0))  # nothing changed: nothing read
    _write(root, "kind/c.yaml", FLANDERS.replace("Vlaamse overheid", "Vlaamse Regering"))
    step(1, (1, 1))  # an edit: one label retracted, one added
    _write(root, "kind/e.yaml", FLANDERS.replace("gov/flanders", "gov/wallonia").replace("Vlaamse overheid", "Wallonië"))
    step(1, (2, 0))  # an added file
    (root / "kind/e.yaml").unlink()
    step(0, (0, 2))  # a removed file: its statements retracted, nothing read
    moved = (root / "kind/c.yaml").read_text()
    (root / "kind/c.yaml").unlink()
    _write(root, "other/z.yaml", moved)
    result = step(1, (0, 0))  # the entity moved to another file: the same statements, d.yaml not read again
    assert result["statements"] == len(_contents(inc)["statements"])
    _write(root, "other/z.yaml", moved.replace("type: Government", "type: Agency"))
    step(2, (0, 0))  # its type changed: d.yaml, whose funder it is, is read again (an Agency may fund a subsidy)
    fresh = store.connect(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    _build(root, fresh, full=True)  # one full build of the files as they are now: the same, but for the
    assert _contents(inc, origin=False) == _contents(fresh, origin=False)  # lines statements were first seen at


def test_error_names_file_and_line_and_nothing_is_written(tmp_path):
    root = make_dataset(tmp_path / "ds", {"kind/a.yaml": GOOD, "kind/b.yaml": OTHER})
    db = tmp_path / "atlas.sqlite"
    engine = store.connect(f"sqlite:///{db}")
    _build(root, engine)
    before = _contents(engine)
    _write(root, "kind/a.yaml", GOOD.replace("  - id: gov/federal\n    type: Government\n    labels: {nl: Federale overheid}\n", ""))
    ds = dataset.load(root, previous=store.previous_files(engine))
    # b.yaml did not change, but its funder is gone: it is read again and the error names it
    assert ds.reread == ["kind/a.yaml", "kind/b.yaml"]
    assert f"{root / 'kind/b.yaml'}:8: subsidy/other.funder: unknown entity 'gov/federal'" in map(str, ds.problems)
    result = cli("build", "--dataset", str(root), "--db", str(db))
    assert result.returncode == 1 and f"{root / 'kind/b.yaml'}:8: subsidy/other.funder" in result.stderr
    assert "database was not touched" in result.stderr and _contents(engine) == before
    _write(root, "kind/a.yaml", GOOD)
    _write(root, "kind/b.yaml", OTHER.replace("v: project", "v: projekt"))
    ds = dataset.load(root, previous=store.previous_files(engine))
    assert ds.reread == ["kind/b.yaml"] and [str(p).split(": property")[0] for p in ds.problems] == [
        f"{root / 'kind/b.yaml'}:9: subsidy/other"]
    _write(root, "kind/b.yaml", OTHER.replace("Andere subsidie", "Andere subsidie (2)"))
    result = _build(root, engine)
    assert (result["read"], result["added"], result["retracted"]) == (1, 1, 1)


def test_accepted_curation_is_kept_by_incremental_builds(tmp_path):
    root = make_dataset(tmp_path / "ds", {"kind/a.yaml": GOOD, "kind/b.yaml": OTHER})
    engines = [store.connect(f"sqlite:///{tmp_path / name}.sqlite") for name in ("inc", "full")]
    label = Statement("gov/federal", "name", "Federale Staat", "text", lang="nl", source="editorial",
                      locator="editorial")
    for engine in engines:
        _build(root, engine)
        old = next(h["id"] for h in store.history(engine, "subsidy/other") if h["prop"] == "kind")
        with engine.begin() as conn:  # an accepted proposal: one statement of b.yaml withdrawn, one label added
            store.append(conn, [label], [old], at="2026-01-02T03:04:05+00:00", proposal_id=1, actor="c@example.org")
        funder = next(h["id"] for h in store.history(engine, "subsidy/impuls") if h["prop"] == "funder")
        with engine.begin() as conn:  # a change made outside builds and proposals: a build puts a.yaml's back
            store.append(conn, [], [funder], at="2026-01-02T03:04:06+00:00")
    _write(root, "kind/b.yaml", OTHER.replace("Andere subsidie", "Nog een subsidie"))
    inc, full = _build(root, engines[0]), _build(root, engines[1], full=True)
    assert inc["read"] == 1 and (inc["added"], inc["retracted"]) == (full["added"], full["retracted"]) == (2, 1)
    assert _contents(engines[0]) == _contents(engines[1])
    current = _contents(engines[0])["statements"]
    assert label.id in current and old not in current and funder in current


def test_full_option_and_in_memory_builds_read_everything(tmp_path, db_url):
    root = make_dataset(tmp_path / "ds", {"kind/a.yaml": GOOD, "kind/b.yaml": OTHER})
    engine = store.connect(db_url)
    _build(root, engine)
    assert _build(root, engine)["read"] == 0 and _build(root, engine, full=True)["read"] == 3
    store.build(dataset.load(root), engine)  # a full read records the state too
    assert _build(root, engine)["read"] == 0
    ds = dataset.load(root)
    ds.files = None  # a dataset made in memory: the next build from the folder cannot trust the state
    store.build(ds, engine)
    assert store.previous_files(engine) is None and _build(root, engine)["read"] == 3
    shutil.copytree(root, tmp_path / "elsewhere")  # another folder: its own state
    assert _build(tmp_path / "elsewhere", engine)["read"] == 3


def test_statement_ids_are_unchanged(bundled):
    """Ids are content addresses kept in every store: the faster key text hashes exactly as before."""
    import hashlib

    def before(st):
        key = [st.subject, st.prop, st.value, st.lang, str(st.valid_from or ""), str(st.valid_to or ""), st.source,
               st.locator, st.quote, st.rank, st.note]
        return hashlib.sha1(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:16]

    odd = Statement("a/b", "note", 'tab\t "quote" \\ é … \x00 \u2028 𝄞', "text", lang="nl", source="s", note=None)
    assert all(st.id == before(st) for st in [*bundled.statements, odd])


def test_a_build_that_changes_nothing_keeps_the_atlas_version(tmp_path, db_url):
    root = make_dataset(tmp_path / "ds", {"kind/a.yaml": GOOD, "kind/b.yaml": OTHER})
    engine = store.connect(db_url)
    first = _build(root, engine)
    again = _build(root, engine)  # nothing read again, nothing changed: pages, ETags and caches stay valid
    assert again["read"] == 0 and (again["added"], again["retracted"]) == (0, 0)
    assert again["version"] == first["version"] == store.version(engine) and again["build"] == first["build"] + 1
    _write(root, "kind/b.yaml", OTHER.replace("Andere subsidie", "Nog een subsidie"))
    changed = _build(root, engine)
    assert (changed["added"], changed["retracted"]) == (1, 1) and int(changed["version"]) == int(first["version"]) + 1
    _write(root, "kind/b.yaml", OTHER.replace("Andere subsidie", "Nog een subsidie") + "\n# a comment\n")
    touched = _build(root, engine)  # a file read again may change a source or an entity: a new version to be safe
    assert touched["read"] == 1 and touched["added"] == 0 and int(touched["version"]) == int(changed["version"]) + 1
    assert _build(root, engine, full=True)["version"] == str(int(touched["version"]) + 1)
