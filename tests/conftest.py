import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policy_atlas import dataset, store
from policy_atlas.queries import Atlas
from policy_atlas.sourcetext import shared_dir

REPORT = "sources/belgian-approach-to-radicalisation-2019.nl.txt"


@pytest.fixture(scope="session")
def bundled():
    ds = dataset.load()
    assert ds.ok, ds.problems[:5]
    return ds


@pytest.fixture(scope="session")
def atlas_db(tmp_path_factory, bundled):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'atlas.sqlite'}"
    store.build(bundled, store.connect(url))
    return url


@pytest.fixture(scope="session")
def atlas(atlas_db):
    return Atlas.from_snapshot(store.snapshot(store.connect(atlas_db)))


SOURCES = f"""
sources:
  - id: far-2019
    kind: report
    title: report
    language: nl
    path: {REPORT}
    footnotes: 166
"""


def make_dataset(root: Path, files: dict[str, str]) -> Path:
    """A small dataset folder: sources.yaml plus the given kind/file.yaml texts."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(SOURCES)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policy_atlas.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def pytest_report_header(config):
    return f"shared dir: {shared_dir()}"


@pytest.fixture(scope="session")
def client(atlas_db):
    from fastapi.testclient import TestClient

    from policy_atlas.web.app import create_app

    with TestClient(create_app(atlas_db)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(atlas_db):
    """The web atlas on a real socket (uvicorn in a thread), for the browser tests."""
    import socket
    import threading
    import time

    import uvicorn

    from policy_atlas.web.app import create_app

    app = create_app(atlas_db)
    app.state.atlas.atlas  # load before the first request
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
