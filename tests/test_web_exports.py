"""Downloads: CSV from lists, GeoJSON/SVG/PNG of the map, GraphML/SVG of the network, JSON-LD, data package."""
import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import re
from pathlib import Path

import networkx as nx
import pytest


def test_csv_of_lists(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search", params={"q": "ocad", "format": "csv"}).text)))
    assert rows and {"id", "type", "label"} <= set(rows[0])
    overview = list(csv.DictReader(io.StringIO(client.get("/api/overview", params={"format": "csv"}).text)))
    assert {r["government"] for r in overview} >= {"gov/federal", "gov/ostbelgien"}
    assert all(r["source"] for r in overview)
    trainings = client.get("/api/trainings", params={"format": "csv"})
    assert trainings.headers["content-type"].startswith("text/csv")


def test_map_downloads(client):
    geo = client.get("/api/map", params={"format": "geojson", "subsidy": "subsidy/impuls-2016"}).json()
    assert len(geo["features"]) == 581
    liege = next(f for f in geo["features"] if f["id"] == "62063")
    assert liege["properties"]["count"] == 1 and liege["properties"]["name"] == "Luik"
    svg = client.get("/api/map", params={"format": "svg"})
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) >= 581
    png = client.get("/api/map", params={"format": "png"})
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_network_downloads(client):
    graphml = client.get("/api/network", params={"format": "graphml", "relation": "reports_to"})
    g = nx.read_graphml(io.BytesIO(graphml.content))
    assert g.has_edge("body/livcr", "agency/information-officer")
    svg = ET.fromstring(client.get("/api/network", params={"format": "svg"}).content)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_jsonld_uses_schema_org_and_org_terms(client):
    doc = json.loads(client.get("/api/entity/body/ocad-workgroups", params={"format": "jsonld"}).text)
    assert doc["@context"]["org"] == "http://www.w3.org/ns/org#"
    node = doc["@graph"][0]
    assert node["@type"] == "org:Organization"
    assert any(v["@id"].endswith("/api/entity/gov/flanders") for v in node["org:hasMember"])
    nodes = {n["@id"]: n for n in doc["@graph"]}
    statements = [nodes[v["@id"]] for v in node["p:member"]]
    assert len(statements) == len(node["p:member"]) >= len(node["org:hasMember"])
    assert all(s["prov:wasDerivedFrom"][0]["@id"].endswith("/api/sources/far-2019") for s in statements)
    grant = json.loads(client.get("/api/entity/subsidy/impuls-2016", params={"format": "jsonld"}).text)["@graph"][0]
    assert grant["@type"] == "schema:MonetaryGrant" and grant["schema:funder"]


def test_data_package_passes_frictionless_validate(client, atlas, tmp_path):
    from frictionless import validate

    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/datapackage.zip").content))
    archive.extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == {"entities", "sources", *(f"statements-{s}" for s in
                                                       {st.source for st in atlas.statements})}
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:10]
    statements = [r for name, res in resources.items() if name.startswith("statements-")
                  for r in csv.DictReader(io.StringIO((tmp_path / res["path"]).read_text()))]
    assert len(statements) == len(atlas.statements)
    licences = {name: [l["name"] for l in r["licenses"]] for name, r in resources.items()}
    assert licences["statements-statbel-refnis-2019"] == ["CC-BY-4.0"]
    assert licences["statements-shared-topojson-2019"] == ["CC0-1.0"]
    assert licences["statements-far-2019"] == ["notspecified"]
    fields = {f["name"]: f for f in resources["statements-far-2019"]["schema"]["fields"]}
    assert fields["rank"]["constraints"]["enum"] == ["preferred", "normal", "deprecated"]
    assert resources["statements-far-2019"]["schema"]["primaryKey"] == ["id"]
    assert {tuple(k["fields"]) for k in resources["statements-far-2019"]["schema"]["foreignKeys"]} == {
        ("entity_id",), ("object",), ("source",)}


def test_frictionless_catches_a_broken_key(client, tmp_path):
    from frictionless import validate

    zipfile.ZipFile(io.BytesIO(client.get("/api/datapackage.zip").content)).extractall(tmp_path)
    path = tmp_path / "statements-far-2019.csv"
    lines = path.read_text().splitlines()
    lines[1] = "gov/atlantis" + lines[1][lines[1].index(","):]
    path.write_text("\n".join(lines) + "\n")
    report = validate(tmp_path / "datapackage.json")
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["foreign-key"]


def test_statements_csv_streams_every_statement(client, atlas):
    response = client.get("/api/statements.csv")
    assert response.headers["content-disposition"] == 'attachment; filename="policy-atlas-statements.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(atlas.statements)
    assert list(rows[0]) == ["entity_id", "entity_type", "id", "property", "value", "object", "value_type", "lang",
                             "valid_from", "valid_to", "source", "locator", "quote", "rank", "note"]


CSV_PAGES = {"search": "/api/search", "municipality": "/api/municipality/62063", "overview": "/api/overview",
             "map": "/api/map", "network": "/api/network", "timeline": "/api/timeline", "trainings": "/api/trainings",
             "sources": "/api/sources", "source": "/api/sources/far-2019"}


@pytest.mark.parametrize("name", sorted(CSV_PAGES))
def test_every_csv_has_its_documented_columns_and_a_file_name(client, name):
    from policy_atlas.web.exports import CSV_COLUMNS

    response = client.get(CSV_PAGES[name], params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    slug = CSV_PAGES[name].removeprefix("/api/").replace("/", "-")
    assert response.headers["content-disposition"] == f'inline; filename="policy-atlas-{slug}.csv"'
    reader = csv.reader(io.StringIO(response.text))
    assert next(reader) == CSV_COLUMNS[name] == documented_columns()[name]
    assert any(reader)


def documented_columns() -> dict[str, list[str]]:
    """The table in docs/export.md: | `name` | `/path` | `col`, `col`, … |"""
    text = (Path(__file__).parents[1] / "docs" / "export.md").read_text()
    section = text.split("## Page downloads (CSV)")[1].split("\n## ")[0]
    rows = [line.split("|")[1:4] for line in section.splitlines() if line.startswith("| `")]
    return {name.strip().strip("`"): re.findall(r"`([^`]+)`", cols) for name, _, cols in rows}


def test_csv_is_never_cut_and_always_has_its_header(client):
    everything = client.get("/api/search").json()
    assert everything["count"] > 500 and len(everything["results"]) == 50  # one page; the CSV gives all
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search", params={"format": "csv"}).text)))
    assert len(rows) == everything["count"]
    empty = client.get("/api/search", params={"q": "qqqxxyyzz", "format": "csv"})
    assert empty.status_code == 200 and empty.text == ",".join(CSV_COLUMNS_SEARCH) + "\n"
    turtle = client.get("/api/search", params={"format": "nt"}).text
    assert len({line.split()[0] for line in turtle.splitlines() if "/terms/id>" in line}) >= everything["count"]


CSV_COLUMNS_SEARCH = ["id", "type", "label", "label_lang", "tier", "regions", "governments", "start", "end", "score"]
