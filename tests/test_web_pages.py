"""HTML pages: every page in every language, escaping of hostile text, security headers, accessibility basics."""
import re

import pytest
from fastapi.testclient import TestClient

from conftest import make_dataset
from policy_atlas import dataset, store
from policy_atlas.web.app import create_app

PAGES = ["/", "/search?q=luik", "/entity/body/livcr", "/municipality/62063", "/overview", "/map", "/map?view=livcr",
         "/network", "/timeline", "/livcr", "/trainings", "/sources", "/sources/far-2019"]


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_every_language(client, lang, page):
    response = client.get(f"/{lang}{page}")
    assert response.status_code == 200, response.text[:300]
    html = response.text
    assert f'<html lang="{lang}">' in html
    assert re.search(r"<h1>.+</h1>", html, re.S)
    assert "Content-Security-Policy" in response.headers
    assert "<script>" not in html and " style=" not in html, "inline script or style breaks the CSP"


def test_ui_language_changes_with_the_url(client):
    assert "Subsidiekaart" in client.get("/nl/map").text
    assert "Carte des subsides" in client.get("/fr/map").text
    assert "Zuschusskarte" in client.get("/de/map").text
    assert "Subsidy map" in client.get("/en/map").text


def test_data_labels_follow_the_language_with_a_visible_fallback(client):
    assert "Autorité fédérale" in client.get("/fr/entity/gov/federal").text
    german = client.get("/de/entity/agency/ocad-cve").text
    assert 'class="fallback"' in german and ">NL</abbr>" in german


def test_root_negotiates_the_language(client):
    response = client.get("/", headers={"accept-language": "fr-BE,fr;q=0.9,en;q=0.5"}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/fr/"


def test_municipality_form_redirects_any_name_to_the_profile(client):
    response = client.get("/nl/municipality", params={"name": "Bergen"}, follow_redirects=False)
    assert response.headers["location"] == "/nl/municipality/53053"
    assert client.get("/nl/municipality", params={"name": "Nergenshuizen"}).status_code == 404


def test_unknown_things_get_an_html_error_page(client):
    response = client.get("/en/entity/gov/atlantis")
    assert response.status_code == 404 and "unknown entity" in response.text and 'role="alert"' in response.text
    assert client.get("/en/municipality/62063", params={"as_of": "2019-02-30"}).status_code == 422


def test_as_of_switch_changes_the_profile(client):
    before = client.get("/en/municipality/42028", params={"as_of": "2015-12-31"}).text
    during = client.get("/en/municipality/42028", params={"as_of": "2017-06-01"}).text
    assert "subsidy/vl-regierol" not in before and "subsidy/vl-regierol" in during


def test_map_links_every_municipality_and_has_text_alternatives(client):
    html = client.get("/nl/map").text
    assert len(re.findall(r'<a href="/nl/municipality/\d{5}"', html)) >= 581
    assert 'aria-labelledby="map-title map-desc"' in html and "<desc id=\"map-desc\">" in html


def test_svg_pictures_have_titles(client):
    for page in ("/nl/network", "/nl/timeline", "/nl/livcr", "/nl/municipality/21004"):
        html = client.get(page).text
        for svg in re.findall(r"<svg[^>]*role=\"(?:img|group)\"[^>]*>.*?</svg>", html, re.S):
            assert "<title" in svg


def test_form_controls_have_labels(client):
    for page in ("/nl/search", "/nl/map", "/nl/network", "/nl/trainings", "/nl/overview", "/nl/"):
        html = client.get(page).text
        for control_id in re.findall(r"<(?:input|select)[^>]* id=\"([^\"]+)\"", html):
            assert f'for="{control_id}"' in html, f"{page}: #{control_id} has no label"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_label_is_inert(tmp_path):
    root = make_dataset(tmp_path / "ds", {"actors/evil.yaml": f"""
        source: far-2019
        lang: nl
        entities:
          - id: org/evil
            type: Organisation
            labels: {{nl: '{HOSTILE}', en: 'x" onmouseover="alert(2)'}}
            statements:
              - {{p: description, v: '{HOSTILE}', src: editorial}}
        """})
    ds = dataset.load(root)
    assert ds.ok, ds.problems
    url = f"sqlite:///{tmp_path / 'evil.sqlite'}"
    store.build(ds, store.connect(url))
    with TestClient(create_app(url)) as client:
        for page in ("/nl/entity/org/evil", "/en/entity/org/evil", "/nl/search?q=script", "/en/search?q=onmouseover"):
            html = client.get(page).text
            assert "<script>alert" not in html and "<img src=x" not in html
            assert 'onmouseover="alert' not in html
        assert "&lt;script&gt;alert" in client.get("/nl/entity/org/evil").text
        data = client.get("/api/entity/org/evil").json()
        assert data["label"] == HOSTILE


@pytest.mark.parametrize("page", PAGES + ["/ingest"])
def test_the_json_link_of_every_page_works(client, page):
    html = client.get(f"/en{page}").text
    links = re.findall(r'<a href="(/api/[^"]*)">This page as JSON</a>', html)
    if page == "/ingest":
        assert links == []
    else:
        assert len(links) == 1 and client.get(links[0].replace("&amp;", "&")).status_code == 200


def test_every_page_says_how_to_cite_it(client):
    html = client.get("/en/entity/body/livcr?as_of=2019-01-01").text
    build = client.app.state.atlas.atlas.build
    assert f"Policy Atlas, build {build['id']} ({build['finished_at'][:10]}), http://testserver/en/entity/body/livcr?as_of=2019-01-01" in html


def test_a_footnote_citation_links_to_that_footnote(client):
    html = client.get("/nl/entity/subsidy/impuls-2016").text
    assert 'href="/nl/sources/far-2019?fn=67"' in html
    assert client.get("/nl/sources/far-2019?fn=67").status_code == 200
