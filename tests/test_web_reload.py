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
