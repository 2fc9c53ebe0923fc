"""Two app processes on one PostgreSQL see each other's changes within seconds; `serve` never prints the password."""
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import httpx2 as httpx

from policy_atlas import dataset, store
from policy_atlas.model import Statement
from tests.conftest import cli, pg_database

SECRET = "Pw-never-shown-42"


def _serve(url: str):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ATLAS_BASE_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "policy_atlas.cli", "serve", "--db", url, "--port", str(port),
                             "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, f"http://127.0.0.1:{port}"


def _wait(check, seconds: float, what: str) -> float:
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        assert time.monotonic() - start < seconds, f"{what}: not within {seconds} s"
        time.sleep(0.2)


def test_two_processes_on_one_postgresql(pg_cluster, bundled, tmp_path):
    url = pg_database(pg_cluster, password=SECRET)
    store.build(bundled, store.connect(url))
    servers = [_serve(url) for _ in range(2)]
    try:
        for _, base in servers:
            _wait(lambda: httpx.get(f"{base}/readyz").status_code == 200, 120, "ready")
        root = tmp_path / "dataset"
        shutil.copytree(dataset.default_path(), root)
        (root / "actors" / "shared.yaml").write_text(textwrap.dedent("""
            source: far-2019
            lang: nl
            entities:
              - id: org/shared-partner
                type: Organisation
                labels: {nl: Gedeelde partner}
                statements:
                  - {p: kind, v: nonprofit, src: editorial}
            """))
        assert cli("build", "--dataset", str(root), "--db", url).returncode == 0
        for _, base in servers:
            took = _wait(lambda: httpx.get(f"{base}/api/entity/org/shared-partner").status_code == 200, 10, "build seen")
            assert took < 10
        engine = store.connect(url)
        with engine.begin() as conn:  # what an accepted proposal does
            store.append(conn, [Statement("org/shared-partner", "alias", "GP vzw", "text", lang="nl", source="editorial")],
                         [], at="2026-01-01T00:00:00+00:00", proposal_id=1, actor="curator@example.org")
        for _, base in servers:
            _wait(lambda: "GP vzw" in httpx.get(f"{base}/api/entity/org/shared-partner").text, 10, "change seen")
    finally:
        outputs = []
        for proc, _ in servers:
            proc.terminate()
            outputs.append(proc.communicate(timeout=30))
    for out, err in outputs:
        assert "atlas:***@" in err and SECRET not in out + err
