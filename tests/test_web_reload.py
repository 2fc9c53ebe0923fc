"""A running atlas picks up a new build without a restart."""
import shutil
import textwrap

from fastapi.testclient import TestClient

from policy_atlas import dataset, store
from policy_atlas.web.app import create_app


def test_new_build_is_served_without_restart(tmp_path, bundled):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    store.build(bundled, store.connect(url))
    app = create_app(url)
    app.state.atlas.CHECK_EVERY = 0
    app.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        assert client.get("/api/entity/org/new-partner").status_code == 404
        root = tmp_path / "dataset"
        shutil.copytree(dataset.default_path(), root)
        (root / "actors" / "new.yaml").write_text(textwrap.dedent("""
            source: far-2019
            lang: nl
            entities:
              - id: org/new-partner
                type: Organisation
                labels: {nl: Nieuwe partner}
                statements:
                  - {p: kind, v: nonprofit, src: editorial}
            """))
        store.build(dataset.load(root), store.connect(url))
        response = client.get("/api/entity/org/new-partner")
        assert response.status_code == 200 and response.json()["label"] == "Nieuwe partner"
        assert any(r["id"] == "org/new-partner" for r in client.get("/api/search", params={"q": "nieuwe partner"}).json()["results"])


def test_entity_page_shows_what_a_later_build_changed(tmp_path, bundled):
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    store.build(bundled, store.connect(url))
    root = tmp_path / "dataset"
    shutil.copytree(dataset.default_path(), root)
    path = root / "actors" / "governments.yaml"
    path.write_text(path.read_text("utf-8").replace("{nl: Federale overheid,", "{nl: Federale Overheid (FOD),", 1), "utf-8")
    store.build(dataset.load(root), store.connect(url))
    with TestClient(create_app(url)) as client:
        changes = client.get("/api/entity/gov/federal").json()["changes"]
        assert {(c["action"], c["value"]) for c in changes} >= {("retract", "Federale overheid"),
                                                              ("add", "Federale Overheid (FOD)")}
        assert "Federale Overheid (FOD)" in client.get("/nl/entity/gov/federal").text
        assert client.get("/api/entity/gov/flanders").json()["changes"] == []


def test_requests_queued_behind_the_version_check_get_the_previous_version_at_once(tmp_path, bundled):
    import threading
    import time

    from policy_atlas.model import Statement
    from policy_atlas.web.app import AtlasState

    url = f"sqlite:///{tmp_path / 'queued.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    state = AtlasState(url)
    before = state.loaded().version
    state.CHECK_EVERY, state.RELOAD_WAIT, slow = 0, 5.0, threading.Event()
    state.prerender = lambda loaded, previous: slow.wait(30)  # a new version that takes long to load
    with engine.begin() as conn:
        store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                      source="editorial")], [], at="2026-01-01T00:00:00+00:00")
    answers = []

    def ask():
        start = time.monotonic()
        answers.append((state.loaded().version, time.monotonic() - start))

    with state._lock:  # six requests arrive while one of them checks the version
        crowd = [threading.Thread(target=ask) for _ in range(6)]
        for thread in crowd:
            thread.start()
        time.sleep(0.2)
    deadline = time.monotonic() + 3
    while len(answers) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    quick = list(answers)
    slow.set()
    for thread in crowd:
        thread.join(30)
    assert len(quick) == 5 and all(version == before and took < 2.5 for version, took in quick)
    assert state.loaded().version != before


def test_a_replaced_version_is_freed_by_reference_counting(tmp_path, bundled):
    """The web process keeps the cyclic garbage collector off loaded versions (gc.freeze): a replaced version must
    be freed without it, so neither the atlas nor what a request leaves behind may hold it in a cycle."""
    import weakref

    from policy_atlas.model import Statement

    url = f"sqlite:///{tmp_path / 'freed.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    app = create_app(url)
    state = app.state.atlas
    state.CHECK_EVERY, state.RELOAD_WAIT, state.SWEEP_AFTER = 0, None, 600
    pages = ["/nl/entity/gov/federal", "/api/home", "/nl/map", "/nl/search?q=luik", "/api/municipality/62063"]
    with TestClient(app) as client, dataset.gc_paused():
        for path in pages:
            assert client.get(path, headers={"Accept-Encoding": "gzip"}).status_code == 200
        before = weakref.ref(state.loaded())
        with engine.begin() as conn:
            store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                          source="editorial")], [], at="2026-01-01T00:00:00+00:00")
        for path in pages:
            assert client.get(path, headers={"Accept-Encoding": "gzip"}).status_code == 200
        assert "Federale Staat" in client.get("/nl/entity/gov/federal").text
        assert before() is None and state.sweeps == 0
