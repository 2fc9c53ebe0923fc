"""Every JSON endpoint returns the atlas's real values, and bad parameters get a 4xx with a message."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_api_index_lists_every_page(client):
    endpoints = client.get("/api").json()["endpoints"]
    for path in ("/api/home", "/api/search", "/api/entity/{eid}", "/api/municipality/{name}", "/api/overview",
                 "/api/map", "/api/network", "/api/timeline", "/api/livcr", "/api/trainings", "/api/sources",
                 "/api/sources/{sid}", "/api/datapackage.zip"):
        assert path in endpoints
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Policy Atlas"


def test_home_figures(client, atlas):
    figures = client.get("/api/home").json()["figures"]
    assert figures["governments"] == len(atlas.entities_of("Government")) == 9
    assert figures["municipalities"] == 581
    flanders = next(f for f in figures["livcr"] if f["area"] == "flanders")
    assert (flanders["count"], flanders["total"]) == ("254", "285")
    assert flanders["cites"]["locator"].startswith("fn 121")


def test_entity_groups_statements_with_sources(client):
    data = client.get("/api/entity/subsidy/impuls-2016", params={"lang": "fr"}).json()
    assert data["type"] == "Subsidy"
    props = {p["property"]: p for p in data["properties"]}
    recipients = {s["value"] for s in props["recipient"]["statements"]}
    assert "mun/62063" in recipients and len(recipients) == 15
    assert all(s["source"] == "far-2019" and s["locator"] for s in props["recipient"]["statements"])
    assert any(s["object_label"] == "Liège" for s in props["recipient"]["statements"])


def test_entity_as_of_drops_statements_not_valid_then(client):
    before = client.get("/api/entity/agency/ibz-team-r", params={"as_of": "2016-06-01"}).json()
    after = client.get("/api/entity/agency/ibz-team-r", params={"as_of": "2018-06-01"}).json()
    part_of = lambda d: {s["value"] for p in d["properties"] if p["property"] == "part_of" for s in p["statements"]}
    assert part_of(before) == {"agency/ibz"}
    assert part_of(after) == {"agency/ocad-cve"}


def test_municipality_profile_by_name_or_nis(client):
    by_name = client.get("/api/municipality/Luik", params={"as_of": "2016-06-01"}).json()
    by_nis = client.get("/api/municipality/62063", params={"as_of": "2016-06-01"}).json()
    assert by_name == by_nis
    assert "subsidy/impuls-2016" in {i["id"] for i in by_nis["subsidies_received"]}
    later = client.get("/api/municipality/62063", params={"as_of": "2018-06-01"}).json()
    assert "subsidy/impuls-2016" not in {i["id"] for i in later["subsidies_received"]}


def test_overview_has_six_government_columns(client):
    data = client.get("/api/overview").json()
    assert [c["id"] for c in data["columns"]] == ["gov/federal", "gov/flanders", "gov/fwb", "gov/wallonia",
                                                   "gov/brussels", "gov/ostbelgien"]
    assert [r["id"] for r in data["rows"]] == ["plans", "services", "subsidies", "training"]


def test_map_filters(client):
    everything = client.get("/api/map").json()
    assert len(everything["municipalities"]) == 581
    assert everything["reached"] == 56
    flemish = client.get("/api/map", params={"funder": "gov/flanders"}).json()
    assert 0 < flemish["reached"] < everything["reached"]
    reached = {m["nis"] for m in flemish["municipalities"] if m["count"]}
    assert all(n[0] in "1347" or n[:2] in ("23", "24") or n.startswith("21") for n in reached)
    impuls = client.get("/api/map", params={"subsidy": "subsidy/impuls-2016", "year": 2016}).json()
    assert impuls["reached"] == 15
    assert client.get("/api/map", params={"subsidy": "subsidy/impuls-2016", "year": 2018}).json()["reached"] == 0


def test_map_livcr_view(client):
    data = client.get("/api/map", params={"view": "livcr"}).json()
    brussels = [m for m in data["municipalities"] if m["nis"].startswith("21")]
    assert len(brussels) == 19 and all(m["status"] == "established" and m["share"] == 1.0 for m in brussels)
    flanders = next(m for m in data["municipalities"] if m["nis"] == "11002")
    assert flanders["share"] == pytest.approx(254 / 285)


def test_network_reports_to_line(client):
    data = client.get("/api/network", params={"relation": "reports_to"}).json()
    edges = {(e["source"], e["target"]) for e in data["edges"]}
    assert ("body/livcr", "agency/information-officer") in edges
    assert ("agency/information-officer", "body/ltf") in edges
    assert {e["relation"] for e in data["edges"]} == {"reports_to"}


def test_timeline_and_tier_filter(client):
    data = client.get("/api/timeline").json()
    assert data["first_year"] == 2001 and data["last_year"] == dt.date.today().year
    ids = {i["id"] for i in data["items"]}
    assert "subsidy/vl-regierol" in ids
    federal = client.get("/api/timeline", params={"tier": "federal"}).json()["items"]
    assert federal and all(i["tier"] == "federal" for i in federal)


def test_trainings_show_the_evaluation_gap(client):
    data = client.get("/api/trainings").json()
    assert data["items"] and data["evaluated"] < len(data["items"])
    assert data["gap"] and data["gap"][0]["source"] == "far-2019"
    french = client.get("/api/trainings", params={"language": "fr"}).json()["items"]
    assert all("fr" in t["languages"] for t in french)


def test_sources_and_statements_resting_on_them(client, atlas):
    data = client.get("/api/sources").json()
    far = next(s for s in data["sources"] if s["id"] == "far-2019")
    assert far["statements"] == sum(1 for s in atlas.statements if s.source == "far-2019")
    one = client.get("/api/sources/far-2019").json()
    assert one["count"] == far["statements"]


def test_livcr_explainer_quotes_the_rules(client):
    data = client.get("/api/livcr").json()
    assert [c["id"] for c in data["chain"]][:3] == ["body/livcr", "agency/information-officer", "body/ltf"]
    rules = [s["value"] for b in data["bodies"] for p in b["properties"] if p["property"] == "information_rule"
             for s in p["statements"]]
    assert any("beroepsgeheim" in r for r in rules) and any("unaniem" in r for r in rules)
    assert data["helplines"]


@pytest.mark.parametrize("path, params, status, words", [
    ("/api/entity/gov/nowhere", {}, 404, "unknown entity"),
    ("/api/municipality/Atlantis", {}, 404, "unknown municipality"),
    ("/api/municipality/Lieg", {}, 404, "did you mean"),
    ("/api/municipality/62063", {"as_of": "2017-13-01"}, 422, "as_of"),
    ("/api/municipality/62063", {"as_of": "yesterday"}, 422, "as_of"),
    ("/api/entity/gov/federal", {"as_of": "2019-02-30"}, 422, "as_of"),
    ("/api/overview", {"as_of": "not-a-date"}, 422, "as_of"),
    ("/api/map", {"funder": "gov/mars"}, 422, "funder"),
    ("/api/map", {"subsidy": "subsidy/none"}, 422, "subsidy"),
    ("/api/map", {"year": "1800"}, 422, "year"),
    ("/api/map", {"view": "heat"}, 422, "view"),
    ("/api/map", {"format": "pdf"}, 422, "format"),
    ("/api/search", {"type": "Spaceship"}, 422, "type"),
    ("/api/search", {"year_from": 2019, "year_to": 2010}, 422, "after"),
    ("/api/search", {"lang": "xx"}, 422, "lang"),
    ("/api/network", {"relation": "hates"}, 422, "relation"),
    ("/api/timeline", {"tier": "galactic"}, 422, "tier"),
    ("/api/sources/nope", {}, 404, "unknown source"),
])
def test_bad_parameters_get_a_4xx_with_a_message(client, path, params, status, words):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert words in response.json()["error"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/search", "/api/map", "/api/network", "/api/overview", "/api/timeline",
                             "/api/trainings", "/api/municipality/62063", "/api/entity/gov/federal"]),
       key=st.sampled_from(["q", "as_of", "year", "funder", "tier", "region", "relation", "type", "lang", "format",
                            "language", "year_from", "view"]),
       value=st.text(max_size=30))
def test_no_parameter_value_causes_a_server_error(client, path, key, value):
    assert client.get(path, params={key: value}).status_code < 500


def test_search_government_facet(client):
    data = client.get("/api/search", params={"government": "gov/wallonia", "type": "Subsidy"}).json()
    assert data["count"] > 0 and all("gov/wallonia" in r["governments"] for r in data["results"])
    assert data["facets"]["government"] == {"gov/wallonia": data["count"]}
    bad = client.get("/api/search", params={"government": "gov/atlantis"})
    assert bad.status_code == 422 and "government" in bad.json()["error"]


def test_municipality_profile_as_csv(client):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(client.get("/api/municipality/62063", params={
        "as_of": "2016-06-01", "format": "csv"}).text)))
    impuls = next(r for r in rows if r["id"] == "subsidy/impuls-2016")
    assert impuls["list"] == "subsidies_received" and impuls["why"] == "direct grant" and impuls["locator"]


def test_every_footnote_of_the_report_is_listed_with_what_cites_it(client, atlas):
    footnotes = client.get("/api/sources").json()["footnotes"]
    assert [f["number"] for f in footnotes] == list(range(1, 167))
    fn67 = footnotes[66]
    assert fn67["text"].startswith("FOD Binnenlandse Zaken. (2015, november 9). Koninklijk Besluit van 09/11/2015")
    assert fn67["text"].endswith("(numac: 2015000693).") and fn67["line"] == 1209
    cited = sum(1 for s in atlas.statements if (s.locator or "").startswith("fn 67;") or s.locator == "fn 67")
    assert fn67["statements"] == cited > 0
    one = client.get("/api/sources/far-2019", params={"fn": 67}).json()
    assert one["count"] == cited and one["footnote"]["number"] == 67
    assert all(s["locator"].startswith("fn 67") for s in one["statements"])
