"""`store.append`: the one way current statements change; an accepted change shows in a running app."""
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from policy_atlas import dataset, store
from policy_atlas.model import Statement
from policy_atlas.web.app import create_app
from tests.conftest import make_dataset
from tests.test_validation import GOOD

LABEL = Statement("gov/federal", "name", "Federale overheid (nieuw)", "text", lang="nl", source="editorial")


def _log(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(store.statement_log).order_by(store.statement_log.c.seq)).mappings()]


def _current(engine, subject):
    with engine.connect() as conn:
        return set(conn.execute(select(store.statements.c.id).where(store.statements.c.subject == subject,
                                                                      store.statements.c.current)).scalars())


def test_append_logs_actor_and_flips_current(db_url, tmp_path):
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"kind/f.yaml": GOOD})), engine)
    before, logged = _current(engine, "gov/federal"), len(_log(engine))
    old_label = next(h["id"] for h in store.history(engine, "gov/federal") if h["prop"] == "name")
    with engine.begin() as conn:
        result = store.append(conn, [LABEL], [old_label], at="2026-01-02T03:04:05+00:00", proposal_id=7,
                              actor="curator@example.org", reason="official name changed")
    assert (result["added"], result["retracted"]) == (1, 1) and result["version"] == store.version(engine) == "3"
    assert _current(engine, "gov/federal") == before - {old_label} | {LABEL.id}
    rows = _log(engine)[logged:]
    assert [(r["statement_id"], r["action"]) for r in rows] == [(LABEL.id, "add"), (old_label, "retract")]
    assert {(r["build_id"], r["proposal_id"], r["actor"], r["reason"]) for r in rows} == {
        (None, 7, "curator@example.org", "official name changed")}
    with engine.begin() as conn:  # retracting what is not current, adding what is: nothing happens
        again = store.append(conn, [LABEL], [old_label], at="2026-01-02T03:04:06+00:00")
    assert (again["added"], again["retracted"]) == (0, 0) and len(_log(engine)) == logged + 2
    with engine.begin() as conn:  # re-adding a retracted statement revives the same row
        store.append(conn, [Statement.from_text(**_stored(conn, old_label))], [LABEL.id], at="2026-01-03T00:00:00+00:00")
    assert _current(engine, "gov/federal") == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM statements WHERE subject = 'gov/federal'")).scalar() == len(before) + 1


def _stored(conn, sid):
    row = conn.execute(select(store.statements).where(store.statements.c.id == sid)).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", "current")}


def test_running_app_serves_an_appended_change_without_a_build(db_url, bundled):
    engine = store.connect(db_url)
    store.build(bundled, engine)
    app = create_app(db_url)
    app.state.atlas.CHECK_EVERY = 0
    app.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        assert client.get("/api/entity/gov/federal").json()["label"] != LABEL.value
        builds = store.latest_build_id(engine)
        old = [h["id"] for h in store.history(engine, "gov/federal") if h["prop"] == "name" and h["value"] == "Federale overheid"]
        with engine.begin() as conn:
            store.append(conn, [LABEL], old, at="2026-01-02T03:04:05+00:00", proposal_id=1, actor="c@example.org")
        assert store.latest_build_id(engine) == builds  # no build: the version alone tells the app
        assert client.get("/api/entity/gov/federal").json()["label"] == LABEL.value
        assert LABEL.value in client.get("/nl/entity/gov/federal").text
