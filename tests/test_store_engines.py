"""PostgreSQL serves the same atlas as SQLite; a database password is never printed."""
import pytest
from fastapi.testclient import TestClient

from policy_atlas import store
from policy_atlas.web.app import create_app
from tests.conftest import cli, make_dataset, pg_database
from tests.test_validation import GOOD

PAGES = ["/api/home", "/api/entity/gov/federal", "/api/municipality/Zele?as_of=2017-06-01", "/api/overview",
         "/api/search?q=molenbeek", "/api/timeline"]


@pytest.fixture(scope="module")
def pg_client(pg_atlas_db):
    with TestClient(create_app(pg_atlas_db)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", PAGES)
def test_postgresql_serves_the_same_pages_as_sqlite(path, client, pg_client):
    on_sqlite, on_pg = client.get(path), pg_client.get(path)
    assert on_sqlite.status_code == on_pg.status_code == 200
    assert _without_build(on_pg.json()) == _without_build(on_sqlite.json())


def test_postgresql_html_page(pg_client):
    response = pg_client.get("/nl/entity/gov/federal")
    assert response.status_code == 200 and "Federale overheid" in response.text


def _without_build(value):
    """The build's number and time differ between the two databases; everything else must not."""
    if isinstance(value, dict):
        return {k: _without_build(v) for k, v in value.items() if k not in ("build", "built_at", "cite", "citation")}
    if isinstance(value, list):
        return [_without_build(v) for v in value]
    return value


def test_masked_url_hides_the_password():
    url = "postgresql+psycopg://atlas:s3cr%40t-pw@db.example:5432/atlas"
    assert store.masked(url) == "postgresql+psycopg://atlas:***@db.example:5432/atlas"
    assert "s3cr" not in store.masked(store.connect(url))


def test_build_and_errors_never_print_the_password(pg_cluster, tmp_path):
    secret = "Hunter2-very-secret"
    url = pg_database(pg_cluster, password=secret)
    good = make_dataset(tmp_path / "good", {"kind/f.yaml": GOOD})
    built = cli("build", "--dataset", str(good), "--db", url)
    assert built.returncode == 0, built.stderr
    assert "atlas:***@" in built.stdout and secret not in built.stdout + built.stderr
    profile = cli("profile", "Zele", "--as-of", "2017-06-01", "--db", url)
    assert profile.returncode == 0 and secret not in profile.stdout + profile.stderr
    unreachable = url.replace(f"port={pg_cluster['port']}", "port=1")
    for args in (["build", "--dataset", str(good), "--db", unreachable], ["profile", "Zele", "--db", unreachable],
                 ["db", "upgrade", "--db", unreachable]):
        failed = cli(*args)
        assert failed.returncode == 2, (args, failed.stderr)
        assert secret not in failed.stdout + failed.stderr and "Traceback" not in failed.stderr
        assert "***" in failed.stderr
