"""The map, network and timeline stay bounded on a larger atlas: each page carries a bounded picture and says
what it left out; one municipality's grants come on demand; the downloads keep everything."""
import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from policy_atlas import network, store, timeline
from policy_atlas.web import pages
from policy_atlas.web.app import create_app

FACTOR = 10
GAZETTEER = {"Municipality", "Arrondissement", "Province"}
BOUND = {"/nl/map": 450_000, "/nl/network": 250_000, "/nl/timeline": 200_000}  # bytes; 1x: ~360k, ~105k, ~105k


def copied(ds, factor: int):
    """The curated part of a dataset copied `factor` times with ids renamed (as benchmarks/scale.py does)."""
    curated = {eid for eid, e in ds.entities.items() if e.type not in GAZETTEER}
    entities, statements = dict(ds.entities), list(ds.statements)
    for k in range(1, factor):
        rename = lambda eid: f"{eid}-x{k}" if eid in curated else eid  # noqa: E731
        entities.update({rename(eid): replace(ds.entities[eid], id=rename(eid)) for eid in curated})
        statements += [replace(st, subject=rename(st.subject),
                               value=rename(st.value) if st.value_type == "entity" else st.value)
                       for st in ds.statements if st.subject in curated]
    return replace(ds, entities=entities, statements=statements)


@pytest.fixture(scope="module")
def big(tmp_path_factory, bundled):
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'x10.sqlite'}"
    store.build(copied(bundled, FACTOR), store.connect(url))
    with TestClient(create_app(url)) as client:
        yield client


@pytest.mark.parametrize("path", list(BOUND))
def test_pages_stay_under_their_bound_on_a_larger_atlas(big, client, path):
    small, large = len(client.get(path).content), len(big.get(path).content)
    assert large < BOUND[path], f"{path}: {large} bytes"
    assert large < 1.5 * small, f"{path}: {small} bytes at 1x, {large} at {FACTOR}x"


def test_map_page_carries_counts_and_links_to_each_municipalitys_grants(big):
    html = big.get("/en/map").text
    liege = re.search(r'<a href="/en/municipality/62063"[^>]*>', html).group(0)
    assert f'data-info="Liège: {4 * FACTOR} subsidies"' in liege
    assert 'data-grants="/api/map/municipality/62063?lang=en"' in liege
    svg, table = html.split("<svg")[1].split("</svg>")[0], html.split("<tbody>")[-1]
    impuls = big.get("/api/entity/subsidy/impuls-2016", params={"lang": "en"}).json()["label"]
    assert impuls in html and impuls not in svg + table, "the page's choices name it; its grants come on demand"
    assert f'<a href="/en/map/municipality/62063">{4 * FACTOR} subsidies</a>' in table
    data = big.get("/api/map").json()
    assert data["grants"] == 96 * FACTOR and "grants" not in data["municipalities"][0]
    assert data["options_total"]["subsidies"] == 13 * FACTOR
    assert len(data["options"]["subsidies"]) == pages.MAP_OPTIONS
    assert "any other can be chosen by its id" in html
    chosen = big.get("/api/map", params={"subsidy": "subsidy/impuls-2016-x7"}).json()
    assert {"id": "subsidy/impuls-2016-x7", "label": "Impulssubsidie (2016)"} in chosen["options"]["subsidies"]


def _expected(atlas, nis: str, subsidy: str | None = None) -> dict[str, list[str]]:
    """Straight from the statements: subsidy -> locators of its recipient statements naming the municipality."""
    out: dict[str, list[str]] = {}
    for sid in atlas.entities_of("Subsidy"):
        if subsidy and sid != subsidy:
            continue
        for st in atlas.by_subject.get(sid, ()):
            if st.prop == "recipient" and st.value == f"mun/{nis}" and st.rank != "deprecated":
                out.setdefault(sid, []).append(st.locator)
    return {sid: sorted(locs) for sid, locs in out.items()}


@pytest.mark.parametrize("params", [{}, {"subsidy": "subsidy/impuls-2016"}, {"funder": "gov/flanders"},
                                    {"year": 2016}, {"as_of": "2025-06-01"}])
def test_the_endpoint_returns_exactly_the_grants_the_map_carried(client, atlas, params):
    geo = client.get("/api/map", params={**params, "format": "geojson"}).json()
    carried = {f["id"]: f["properties"]["grants"] for f in geo["features"] if f["properties"]["count"]}
    assert carried
    for nis, grants in carried.items():
        answer = client.get(f"/api/map/municipality/{nis}", params=params).json()
        assert answer["count"] == len(grants) and answer["grants"] == grants, nis
    if not params:
        for nis in ("62063", "21004", "11002"):
            got = {g["subsidy"]: sorted(c["locator"] for c in g["cites"]) for g in carried[nis]}
            assert got == _expected(atlas, nis), nis
    if params.get("subsidy"):
        assert {g["subsidy"] for grants in carried.values() for g in grants} == {params["subsidy"]}
        named = {st.value[4:] for st in atlas.values(params["subsidy"], "recipient") if st.value.startswith("mun/")}
        assert set(carried) == named


def test_the_endpoint_pages_and_its_csv_has_all(big, monkeypatch):
    monkeypatch.setattr(pages, "MAP_GRANTS_PAGE", 7)
    geo = big.get("/api/map", params={"format": "geojson"}).json()
    carried = next(f["properties"]["grants"] for f in geo["features"] if f["id"] == "62063")
    first = big.get("/api/map/municipality/62063").json()
    assert first["count"] == len(carried) == 4 * FACTOR and first["pages"] == -(-len(carried) // 7)
    got = [g for k in range(1, first["pages"] + 1)
           for g in big.get("/api/map/municipality/62063", params={"page": k}).json()["grants"]]
    assert got == carried
    rows = list(csv.DictReader(io.StringIO(big.get("/api/map/municipality/62063", params={"format": "csv"}).text)))
    assert len(rows) == sum(len(g["cites"]) for g in carried)
    html = big.get("/nl/map/municipality/62063", params={"page": 2}).text
    assert '<strong aria-current="page">2</strong>' in html and 'href="/nl/map/municipality/62063?page=3"' in html
    assert 'href="/nl/municipality/62063"' in html
    assert big.get("/api/map/municipality/62063", params={"page": 99}).status_code == 404
    assert big.get("/api/map/municipality/99999").status_code == 404
    assert big.get("/api/map/municipality/11007", params={"as_of": "2025-06-01"}).status_code == 404


def test_map_downloads_carry_every_grant(big):
    rows = list(csv.DictReader(io.StringIO(big.get("/api/map", params={"format": "csv"}).text)))
    assert len(rows) == 581
    liege = next(r for r in rows if r["nis"] == "62063")
    assert liege["count"] == str(4 * FACTOR) and liege["grants"].count("subsidy/") == 4 * FACTOR
    svg = big.get("/api/map", params={"format": "svg"}).text
    assert svg.count("Impulssubsidie (2016)") >= 15 * FACTOR


def test_network_groups_the_least_connected_actors_and_says_so(big):
    data = big.get("/api/network").json()
    kinds = {n["tier"]: n for n in data["nodes"] if n["type"] == "More"}
    assert kinds and data["left_out"]["actors"] == sum(n["count"] for n in kinds.values()) > 0
    for tier in {n["tier"] for n in data["nodes"]}:
        assert sum(1 for n in data["nodes"] if n["tier"] == tier and n["type"] not in ("More", "Municipality")) \
            <= network.PER_TIER
    assert len(data["edges"]) <= network.MAX_EDGES
    drawn = sum(e["count"] for e in data["edges"])
    assert drawn == data["left_out"]["drawn"] < data["left_out"]["relations"]
    html = big.get("/en/network").text
    assert "The GraphML and CSV downloads have every actor and relation." in html
    more = re.search(r'<a href="(/en/search\?tier=regional[^"]+)" data-node="more/regional">', html).group(1)
    assert big.get(more.replace("&amp;", "&")).status_code == 200


def test_network_downloads_stay_complete(big):
    everything = network.graph(big.app.state.atlas.atlas, relations=list(network.DEFAULT_GROUPS))
    g = nx.read_graphml(io.BytesIO(big.get("/api/network", params={"format": "graphml"}).content))
    assert g.number_of_nodes() == everything.number_of_nodes() > 400
    assert g.number_of_edges() == everything.number_of_edges()
    rows = list(csv.DictReader(io.StringIO(big.get("/api/network", params={"format": "csv"}).text)))
    assert len(rows) == everything.number_of_edges()
    svg = ET.fromstring(big.get("/api/network", params={"format": "svg"}).content)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_timeline_pages_by_start_with_counts_per_year(big):
    data = big.get("/api/timeline").json()
    assert data["count"] == data["total"] == 137 * FACTOR
    assert len(data["items"]) == timeline.PER_PAGE and data["pages"] == -(-data["total"] // timeline.PER_PAGE)
    assert sum(y["count"] for y in data["per_year"]) == data["total"]
    last = big.get("/api/timeline", params={"page": data["pages"]}).json()["items"]
    assert last[-1]["x0"] >= data["items"][-1]["x0"]
    year = next(y for y in data["per_year"] if y["year"] == 2016)
    only = big.get("/api/timeline", params={"year_from": 2016, "year_to": 2016}).json()
    assert only["count"] == year["count"] and all(int(i["x0"]) == 2016 for i in only["items"])
    html = big.get("/en/timeline").text
    assert f"Items 1–{timeline.PER_PAGE} of {137 * FACTOR}" in html
    assert f'href="/en/timeline?year_from=2016&amp;year_to=2016">2016 ({year["count"]})</a>' in html
    rows = list(csv.DictReader(io.StringIO(big.get("/api/timeline", params={"format": "csv"}).text)))
    assert len(rows) == data["total"]
    assert big.get("/api/timeline", params={"page": data["pages"] + 1}).status_code == 404
    assert big.get("/api/timeline", params={"year_from": 2020, "year_to": 2010}).status_code == 422


def test_pointing_at_a_municipality_fetches_its_grants(live_server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(live_server + "/nl/map?year=2016")
        page.locator('svg.map a[data-nis="62063"] path').hover()
        expect(page.locator("#map-info")).to_contain_text("Luik: 4 subsidies")
        expect(page.locator("#map-info li").first).to_be_visible()
        expect(page.locator("#map-info")).to_contain_text("Impulssubsidie (2016) (2016–2016)")
        browser.close()
    assert problems == []


@pytest.mark.parametrize("path, params, what", [
    ("/api/search", {"q": "luik"}, "the search"), ("/api/timeline", {}, "the timeline"),
    ("/api/map/municipality/62063", {}, "the grants of 62063"),
    ("/api/municipality/62063", {"section": "subsidies_received"}, "subsidies_received"),
    ("/api/entity/gov/federal", {"incoming": "government"}, "incoming 'government'")])
def test_a_page_past_the_last_is_not_found_everywhere_alike(client, path, params, what):
    last = 1
    while client.get(path, params={**params, "page": last + 1}).status_code == 200:
        last += 1
    past = client.get(path, params={**params, "page": last + 1})
    assert past.status_code == 404 and past.json()["error"].startswith(f"page: {what} has ")
    assert past.json()["error"].endswith(f"({last} page{'s' if last > 1 else ''}); there is no page {last + 1}")
    html = client.get("/nl" + path.removeprefix("/api"), params={**params, "page": last + 1})
    assert html.status_code == 404 and "there is no page" in html.text
