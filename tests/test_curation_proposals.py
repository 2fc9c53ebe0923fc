"""Proposals: checked by the dataset's rules with the field named, four eyes, stale detection, concurrent
accepts, a crash in the middle of an accept, revise and reject."""
import threading

import pytest
from sqlalchemy import func, select

from policy_atlas import store
from policy_atlas.curation import proposals
from policy_atlas.curation.roles import Forbidden
from policy_atlas.store import curation as tables

from conftest import cli

ZELE = {"s": "subsidy/impuls-2016", "p": "recipient", "v": "mun/42028", "src": "far-2019", "q": "Zele", "from": 2016}


def doc(*facts, title="Zele received the Impuls subsidy", **extra):
    return {"title": title, "facts": list(facts), **extra}


def current(engine, subject=None):
    q = select(store.statements.c.id).where(store.statements.c.current)
    if subject:
        q = q.where(store.statements.c.subject == subject)
    with engine.connect() as conn:
        return set(conn.execute(q).scalars())


def log_count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(store.statement_log)).scalar()


def problems_of(engine, document):
    with engine.connect() as conn:
        return {(p["where"], p["field"]): p["message"] for p in proposals.check(conn, document).problems}


@pytest.mark.parametrize("fact, where, field, words", [
    ({**ZELE, "v": "subsidy/nowhere"}, "facts[0]", "v", "unknown entity 'subsidy/nowhere'"),
    ({**ZELE, "v": "mun/99999"}, "facts[0]", "v", "unknown municipality 'mun/99999'"),
    ({**ZELE, "v": "mun/42O28"}, "facts[0]", "v", "unknown municipality"),
    ({**ZELE, "from": "2016-13-01"}, "facts[0]", "from", "impossible date"),
    ({**ZELE, "from": 2018, "to": 2016}, "facts[0]", "to", "is after valid_to"),
    ({k: v for k, v in ZELE.items() if k != "src"}, "facts[0]", "src", "needs a source"),
    ({**ZELE, "src": "my-blog"}, "facts[0]", "src", "unknown source 'my-blog'"),
    ({**ZELE, "q": "Zele kreeg 1 miljoen euro"}, "facts[0]", "q", "not found word for word"),
    ({**ZELE, "q": None}, "facts[0]", "q", "needs a verbatim quote"),
    ({**ZELE, "p": "colour"}, "facts[0]", "p", "has no property 'colour'"),
    ({**ZELE, "s": "gov/atlantis"}, "facts[0]", "s", "unknown subject entity"),
    ({**ZELE, "fn": 999}, "facts[0]", "fn", "footnote 999 does not exist"),
    ({**ZELE, "p": "funder", "v": "mun/42028"}, "facts[0]", "v", "expected"),
])
def test_bad_proposals_are_refused_with_the_field_named(curation_url, curators, fact, where, field, words):
    engine = store.connect(curation_url)
    found = problems_of(engine, doc(fact))
    assert words in found.get((where, field), ""), found
    before = log_count(engine)
    with pytest.raises(proposals.ProposalError) as exc:
        proposals.create(engine, curators["contributor"][0], doc(fact))
    assert f"{where}.{field}" in str(exc.value)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.proposals)).scalar() == 0
    assert log_count(engine) == before


def test_new_source_needs_every_field(curation_url, curators):
    engine = store.connect(curation_url)
    source = {"id": "Bad ID", "kind": "webpage", "title": "Oproep", "published": "2019-02-30", "language": "xx"}
    found = problems_of(engine, doc({**ZELE, "src": "Bad ID", "q": None, "loc": "p. 1"}, sources=[source]))
    assert {("sources[0]", f) for f in ("id", "publisher", "retrieved", "url", "published", "language")} <= set(found)
    assert "2019-02-30" in found[("sources[0]", "published")] and "'xx'" in found[("sources[0]", "language")]
    assert ("sources[0]", "kind") in problems_of(engine, doc(ZELE, sources=[{**source, "kind": "blog"}]))


def test_a_proposal_without_a_title_or_change_or_with_a_held_fact_is_refused(curation_url):
    engine = store.connect(curation_url)
    assert ("document", "title") in problems_of(engine, {"facts": [ZELE]})
    assert ("document", "facts") in problems_of(engine, {"title": "nothing"})
    held = next(s for s in store.snapshot(engine).statements if s.source == "editorial" and s.locator == "editorial"
                and s.value_type == "enum" and not (s.note or s.valid_from or s.valid_to) and s.rank == "normal")
    found = problems_of(engine, doc({"s": held.subject, "p": held.prop, "v": held.value, "src": "editorial"}))
    assert "already in the atlas" in found.get(("facts[0]", "v"), ""), found


def test_accept_publishes_in_one_step_with_author_and_reason(curation_url, curators):
    engine = store.connect(curation_url)
    author, reviewer = curators["contributor"][0], curators["reviewer"][0]
    version = store.version(engine)
    pid = proposals.create(engine, author, doc(ZELE))
    assert current(engine, "subsidy/impuls-2016") == current(engine, "subsidy/impuls-2016")  # nothing yet
    before = current(engine)
    proposals.decide(engine, pid, reviewer, "accept", revision=1)
    added = current(engine) - before
    assert len(added) == 1 and store.version(engine) != version
    with engine.connect() as conn:
        row = conn.execute(select(store.statement_log).where(store.statement_log.c.statement_id == added.pop())).mappings().one()
        assert (row["action"], row["proposal_id"], row["actor"], row["build_id"]) == ("add", pid, author["email"], None)
        assert "Zele received" in row["reason"] and reviewer["email"] in row["reason"]
        assert conn.execute(select(tables.proposals.c.status).where(tables.proposals.c.id == pid)).scalar() == "accepted"
    history = store.history(engine, "subsidy/impuls-2016")
    assert history[-1]["proposal_id"] == pid and history[-1]["value"] == "mun/42028"


def test_four_eyes(curation_url, curators):
    engine = store.connect(curation_url)
    reviewer = curators["reviewer"][0]
    pid = proposals.create(engine, reviewer, doc(ZELE))
    with pytest.raises(Forbidden, match="four eyes"):
        proposals.decide(engine, pid, reviewer, "accept", revision=1)
    with pytest.raises(Forbidden):
        proposals.decide(engine, pid, curators["contributor"][0], "accept", revision=1)
    with pytest.raises(Forbidden):
        proposals.decide(engine, pid, curators["withdrawn"][0], "accept", revision=1)
    proposals.decide(engine, pid, curators["admin"][0], "accept", revision=1)


def test_stale_proposal_is_flagged_and_must_be_rebased(curation_url, curators):
    engine = store.connect(curation_url)
    author, reviewer = curators["contributor"][0], curators["reviewer"][0]
    first = proposals.create(engine, author, doc(ZELE))
    amount = {"s": "subsidy/impuls-2016", "p": "recipient", "v": "mun/11002", "src": "editorial", "loc": "test"}
    second = proposals.create(engine, curators["reviewer2"][0], doc(amount, title="Antwerp too"))
    proposals.decide(engine, second, reviewer, "accept", revision=1)
    assert proposals.get(engine, first)["stale"] == ["subsidy/impuls-2016"]
    before = (current(engine), log_count(engine))
    with pytest.raises(proposals.Stale):
        proposals.decide(engine, first, reviewer, "accept", revision=1)
    assert (current(engine), log_count(engine)) == before
    assert proposals.get(engine, first)["status"] == "open"
    revision = proposals.revise(engine, first, author, proposals.get(engine, first)["document"])
    assert revision == 2 and proposals.get(engine, first)["stale"] == []
    with pytest.raises(proposals.Conflict):
        proposals.decide(engine, first, reviewer, "accept", revision=1)  # reviewed an older revision
    proposals.decide(engine, first, reviewer, "accept", revision=2)
    assert {"mun/42028", "mun/11002"} <= {h["value"] for h in store.history(engine, "subsidy/impuls-2016")}


def test_two_reviewers_accepting_at_once_exactly_one_wins(curation_url, curators):
    engine = store.connect(curation_url)
    pid = proposals.create(engine, curators["contributor"][0], doc(ZELE))
    before = log_count(engine)
    barrier, outcomes = threading.Barrier(2), []

    def accept(name):
        barrier.wait()
        try:
            proposals.decide(store.connect(curation_url), pid, curators[name][0], "accept", revision=1)
            outcomes.append("accepted")
        except proposals.Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=accept, args=(n,)) for n in ("reviewer", "reviewer2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["accepted", "conflict"]
    assert log_count(engine) == before + 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.reviews)).scalar() == 1


def test_a_crash_in_the_middle_of_an_accept_leaves_the_store_as_before(curation_url, curators, monkeypatch):
    engine = store.connect(curation_url)
    new_body = {"id": "body/test-platform", "type": "Body", "labels": {"nl": "Testplatform"},
                "statements": [{"p": "description", "v": "Een platform.", "src": "editorial", "loc": "test"}]}
    pid = proposals.create(engine, curators["contributor"][0], doc(ZELE, entities=[new_body]))
    before = (current(engine), log_count(engine), store.version(engine))

    def crash(conn, *args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(tables, "record", crash)  # runs after the statements were appended
    with pytest.raises(RuntimeError, match="power cut"):
        proposals.decide(engine, pid, curators["reviewer"][0], "accept", revision=1)
    monkeypatch.undo()
    assert (current(engine), log_count(engine), store.version(engine)) == before
    with engine.connect() as conn:
        assert conn.execute(select(store.entities.c.id).where(store.entities.c.id == "body/test-platform")).first() is None
        assert conn.execute(select(tables.proposals.c.status).where(tables.proposals.c.id == pid)).scalar() == "open"
    proposals.decide(engine, pid, curators["reviewer"][0], "accept", revision=1)
    assert "body/test-platform" in {s.subject for s in store.snapshot(engine).statements}


def test_reject_and_ask_for_changes_need_a_reason_and_the_author_revises(curation_url, curators):
    engine = store.connect(curation_url)
    author, reviewer = curators["contributor"][0], curators["reviewer"][0]
    pid = proposals.create(engine, author, doc(ZELE))
    with pytest.raises(proposals.ProposalError, match="comment"):
        proposals.decide(engine, pid, reviewer, "reject", revision=1)
    proposals.decide(engine, pid, reviewer, "changes", revision=1, comment="add the period end")
    assert proposals.get(engine, pid)["status"] == "changes_requested"
    with pytest.raises(proposals.Conflict):
        proposals.decide(engine, pid, reviewer, "accept", revision=1)
    with pytest.raises(Forbidden):
        proposals.revise(engine, pid, curators["reviewer2"][0], doc({**ZELE, "to": 2018}))
    assert proposals.revise(engine, pid, author, doc({**ZELE, "to": 2018})) == 2
    proposals.decide(engine, pid, reviewer, "reject", revision=2, comment="not in the report")
    p = proposals.get(engine, pid)
    assert p["status"] == "rejected" and [r["decision"] for r in p["reviews"]] == ["changes", "reject"]
    with pytest.raises(proposals.Conflict):
        proposals.revise(engine, pid, author, doc(ZELE))


def test_retract_and_rank_change(curation_url, curators):
    engine = store.connect(curation_url)
    snap = store.snapshot(engine)
    old = next(s for s in snap.statements if s.subject == "subsidy/impuls-2016" and s.prop == "recipient")
    other = next(s for s in snap.statements if s.subject == "subsidy/impuls-2016" and s.prop == "recipient" and s.id != old.id)
    pid = proposals.create(engine, curators["contributor"][0], {
        "title": "withdraw one, deprecate another", "retract": [{"id": old.id}], "rerank": [{"id": other.id, "rank": "deprecated"}]})
    proposals.decide(engine, pid, curators["reviewer"][0], "accept", revision=1)
    now = {s.id: s for s in store.snapshot(engine).statements if s.subject == "subsidy/impuls-2016"}
    assert old.id not in now and other.id not in now
    assert any(s.value == other.value and s.rank == "deprecated" for s in now.values())
    with engine.connect() as conn:
        assert ("retract[0]", "id") in {(p["where"], p["field"]) for p in proposals.check(conn, {"title": "again", "retract": [{"id": old.id}]}).problems}


def test_cli_propose_names_file_and_line(curation_url, curators, tmp_path):
    path = tmp_path / "change.yaml"
    path.write_text("title: Zele too\nfacts:\n  - {s: subsidy/impuls-2016, p: recipient, v: mun/42028, src: far-2019, q: Zele}\n"
                    "  - {s: subsidy/impuls-2016, p: recipient, v: mun/99999, src: far-2019, q: Zele}\n", encoding="utf-8")
    result = cli("propose", str(path), "--as", "contributor@example.org", "--db", curation_url)
    assert result.returncode == 1 and f"{path}:4: v: unknown municipality 'mun/99999'" in result.stderr
    path.write_text("title: Zele too\nfacts:\n  - {s: subsidy/impuls-2016, p: recipient, v: mun/42028, src: far-2019, q: Zele}\n")
    result = cli("propose", str(path), "--as", "contributor@example.org", "--db", curation_url)
    assert result.returncode == 0 and "proposal 1 submitted" in result.stdout
    assert cli("propose", str(path), "--as", "nobody@example.org", "--db", curation_url).returncode == 1
