"""Files and web live together: a build from the files never loses an accepted proposal, and the way back to
files (`dump`) loses nothing accepted on the web."""
from sqlalchemy import select

from policy_atlas import dataset, store
from policy_atlas.curation import proposals
from policy_atlas.curation.dump import dump

from conftest import cli

NEW_SOURCE = {"id": "test-call-2019", "kind": "webpage", "title": "Oproep lokale preventie 2019", "publisher": "Testoverheid",
              "url": "https://example.org/oproep", "published": "2019-03", "language": "nl", "retrieved": "2026-11-29"}


def current(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(store.statements.c.id).where(store.statements.c.current)).scalars())


def accept(engine, curators, document) -> int:
    pid = proposals.create(engine, curators["contributor"][0], document)
    proposals.decide(engine, pid, curators["reviewer"][0], "accept", revision=1)
    return pid


def test_build_accept_dump_build_round_trip(curation_url, curators, bundled, tmp_path):
    engine = store.connect(curation_url)
    snap = store.snapshot(engine)
    recipients = [s for s in snap.statements if s.subject == "subsidy/impuls-2016" and s.prop == "recipient"]
    accept(engine, curators, {"title": "Zele too", "facts": [
        {"s": "subsidy/impuls-2016", "p": "recipient", "v": "mun/42028", "src": "far-2019", "q": "Zele", "from": 2016}]})
    accept(engine, curators, {"title": "withdraw one, deprecate one", "retract": [{"id": recipients[0].id}],
                              "rerank": [{"id": recipients[1].id, "rank": "deprecated", "note": "test"}]})
    accept(engine, curators, {"title": "a new platform", "sources": [NEW_SOURCE], "entities": [
        {"id": "body/test-platform", "type": "Body", "labels": {"nl": "Testplatform", "fr": "Plate-forme test"},
         "statements": [{"p": "alias", "v": "TP", "lang": "nl", "src": "test-call-2019", "loc": "p. 2"},
                        {"p": "founded", "v": "2019-03", "src": "test-call-2019", "loc": "p. 1"}]}],
        "facts": [{"s": "mun/42028", "p": "livcr_status", "v": "established", "src": "test-call-2019", "loc": "p. 3"}]})
    after_web = current(engine)
    assert recipients[0].id not in after_web and recipients[1].id not in after_web

    # a rebuild from the original files loses nothing accepted on the web (and re-adds nothing it withdrew)
    result = store.build(bundled, engine)
    assert (result["added"], result["retracted"]) == (0, 0)
    assert current(engine) == after_web
    assert store.snapshot(engine).entities["body/test-platform"] == "Body"
    assert "test-call-2019" in store.snapshot(engine).sources

    # dump -> files that validate -> a build from them changes nothing, here and in a fresh database
    written = dump(store_atlas(engine), tmp_path / "dump")
    assert written["entities"] > 200
    ds = dataset.load(tmp_path / "dump")
    assert ds.ok, ds.problems[:5]
    assert {st.id for st in ds.statements} == after_web
    result = store.build(ds, engine)
    assert (result["added"], result["retracted"]) == (0, 0) and current(engine) == after_web
    fresh = store.connect(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    store.build(ds, fresh)
    assert current(fresh) == after_web
    assert store.snapshot(fresh).entities["body/test-platform"] == "Body"


def store_atlas(engine):
    from policy_atlas.queries import Atlas

    return Atlas.from_snapshot(store.snapshot(engine))


def test_dump_command(curation_url, tmp_path):
    result = cli("dump", "--dataset", str(tmp_path / "out"), "--db", curation_url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "sources.yaml").is_file() and (tmp_path / "out" / "atlas" / "subsidy.yaml").is_file()
    assert cli("validate", "--dataset", str(tmp_path / "out")).returncode == 0
