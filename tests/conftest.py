import contextlib
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
# Every test client shares one address ("testclient"): the per-address rate limits are tested with their own
# settings in test_service_limits.py and stay out of the way elsewhere.
for _bucket in ("API", "INGEST", "LOGIN"):
    os.environ.setdefault(f"ATLAS_RATE_{_bucket}", "100000/minute")


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


@contextlib.contextmanager
def served(app):
    """An app on a real socket (uvicorn in a thread), stopped on leaving."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(atlas_db):
    """The web atlas on a real socket, for the browser tests."""
    from policy_atlas.web.app import create_app

    app = create_app(atlas_db)
    app.state.atlas.atlas  # load before the first request
    with served(app) as url:
        yield url


# --- PostgreSQL: one throw-away cluster per test session (initdb in a temporary folder, its unix socket in that
# folder, a random port), a fresh database per test. It fails, never skips, when PostgreSQL cannot start.

def _pg_bin(name: str) -> str:
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True) or [shutil.which(name)]
    assert found[0], f"PostgreSQL's {name} is not installed (./test installs Debian's postgresql)"
    return found[0]


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; CI and the developers' machines run as root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_cluster():
    import shutil
    import socket
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = lambda cmd: subprocess.run(_as_postgres_user(cmd), capture_output=True, text=True, timeout=120, cwd=root)
    done = run([_pg_bin("initdb"), "-D", str(data), "-U", "atlas", "--auth=trust", "--no-sync", "-E", "UTF8",
                "--locale=C"])
    assert done.returncode == 0, f"initdb failed: {done.stderr}"
    opts = f"-p {port} -k {root} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    done = run([_pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "-t", "60", "start"])
    assert done.returncode == 0, f"PostgreSQL did not start: {done.stderr} {(root / 'log').read_text() if (root / 'log').exists() else ''}"
    try:
        yield {"host": str(root), "port": port, "user": "atlas"}
    finally:
        run([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def pg_database(cluster: dict, password: str = "") -> str:
    """A fresh, empty database in the session's cluster (trust authentication: any password is accepted)."""
    import uuid

    import psycopg

    name = f"atlas_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=cluster["host"], port=cluster["port"], user=cluster["user"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    secret = f":{password}" if password else ""
    return f"postgresql+psycopg://{cluster['user']}{secret}@/{name}?host={cluster['host']}&port={cluster['port']}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'atlas.sqlite'}"
    return pg_database(request.getfixturevalue("pg_cluster"))


@pytest.fixture(scope="session")
def pg_atlas_db(pg_cluster, bundled):
    """The bundled atlas built once into PostgreSQL, for the page tests on that engine."""
    url = pg_database(pg_cluster)
    store.build(bundled, store.connect(url))
    return url


CURATORS = (("contributor", "contributor"), ("reviewer", "reviewer"), ("reviewer2", "reviewer"), ("admin", "admin"),
            ("withdrawn", "reviewer"))


def _add_curators(url: str) -> dict[str, str]:
    from policy_atlas.curation import accounts

    engine = store.connect(url)
    with engine.begin() as conn:
        passwords = {name: accounts.add(conn, f"{name}@example.org", role) for name, role in CURATORS}
        accounts.set_role(conn, "withdrawn@example.org", None, actor="test")
    engine.dispose()
    return passwords


@pytest.fixture(scope="session")
def curation_template(tmp_path_factory, atlas_db):
    """The built atlas plus one account per role (and one whose role was withdrawn), made once (SQLite)."""
    path = tmp_path_factory.mktemp("curation") / "template.sqlite"
    copy_sqlite(atlas_db.removeprefix("sqlite:///"), path)
    return path, _add_curators(f"sqlite:///{path}")


def copy_sqlite(source, target) -> None:
    """A consistent copy of a SQLite database in WAL mode (a file copy would miss what is still in its -wal file)."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


@pytest.fixture(scope="session")
def pg_curation_template(pg_cluster, bundled, curation_template):
    """The same on PostgreSQL: a database to copy (CREATE DATABASE … TEMPLATE), same accounts and passwords."""
    from sqlalchemy import select, text
    from sqlalchemy.engine import make_url

    from policy_atlas.store import curation as tables

    url = pg_database(pg_cluster)
    engine = store.connect(url)
    store.build(bundled, engine)
    source = store.connect(f"sqlite:///{curation_template[0]}")
    with source.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(tables.accounts)).mappings()]
    source.dispose()
    with engine.begin() as conn:
        conn.execute(tables.accounts.insert(), rows)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts))"))
    engine.dispose()  # a template database must have no open connection
    return url, make_url(url).database


def _curation_copy(request, tmp_path) -> str:
    import uuid

    if request.param == "sqlite":
        path = tmp_path / "curation.sqlite"
        copy_sqlite(request.getfixturevalue("curation_template")[0], path)
        return f"sqlite:///{path}"
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    url, template = request.getfixturevalue("pg_curation_template")
    name = f"curation_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=cluster["host"], port=cluster["port"], user=cluster["user"], dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return url.replace(f"/{template}?", f"/{name}?")


@pytest.fixture(params=["sqlite", "postgresql"])
def curation_url(request, tmp_path):
    """A private copy of the built atlas with its curators, on each engine, that a curation test may change."""
    return _curation_copy(request, tmp_path)


@pytest.fixture(params=["sqlite"])
def curation_sqlite_url(request, tmp_path):
    """The same on SQLite only, for web behaviour that does not depend on the engine (sessions, CSRF, roles)."""
    return _curation_copy(request, tmp_path)


@pytest.fixture
def curators(curation_template):
    """{name: (account, password)} for contributor, reviewer, reviewer2, admin and withdrawn (no role); the same
    accounts (ids, hashes) exist in every copy on both engines."""
    from policy_atlas.curation import accounts

    engine = store.connect(f"sqlite:///{curation_template[0]}")
    with engine.connect() as conn:
        found = {name: (accounts.by_email(conn, f"{name}@example.org"), pw) for name, pw in curation_template[1].items()}
    engine.dispose()
    return found
