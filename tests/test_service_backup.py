"""`policy-atlas backup` / `restore` on both engines: a restored atlas serves the same pages as when it was saved."""
import shutil
import textwrap

from fastapi.testclient import TestClient

from policy_atlas import dataset, store
from policy_atlas.web.app import create_app
from tests.conftest import cli

PAGES = ["/api/entity/gov/federal", "/api/municipality/Zele?as_of=2017-06-01", "/api/home", "/api/search?q=gent"]


def _pages(url):
    with TestClient(create_app(url)) as client:
        return {path: client.get(path).json() for path in PAGES}, client.get("/api/entity/org/later").status_code


def test_backup_and_restore_serve_the_same_pages(db_url, bundled, tmp_path):
    store.build(bundled, store.connect(db_url))
    saved, _ = _pages(db_url)
    target = tmp_path / "atlas.backup"
    done = cli("backup", str(target), "--db", db_url)
    assert done.returncode == 0 and target.stat().st_size > 100_000, done.stderr
    root = tmp_path / "dataset"
    shutil.copytree(dataset.default_path(), root)
    (root / "actors" / "later.yaml").write_text(textwrap.dedent("""
        source: far-2019
        lang: nl
        entities:
          - id: org/later
            type: Organisation
            labels: {nl: Later toegevoegd}
            statements:
              - {p: kind, v: nonprofit, src: editorial}
        """))
    store.build(dataset.load(root), store.connect(db_url))
    assert _pages(db_url)[1] == 200
    done = cli("restore", str(target), "--db", db_url)
    assert done.returncode == 0, done.stderr
    restored, later = _pages(db_url)
    assert later == 404 and restored == saved
    assert cli("restore", str(tmp_path / "missing.backup"), "--db", db_url).returncode == 1
