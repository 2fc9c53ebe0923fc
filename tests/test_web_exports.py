"""Downloads: CSV from lists, GeoJSON/SVG/PNG of the map, GraphML/SVG of the network, JSON-LD, data package."""
import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import networkx as nx


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


def test_data_package(client, atlas):
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/datapackage.zip").content))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in descriptor["resources"]} == {"entities.csv", "statements.csv", "sources.json"}
    for resource in descriptor["resources"]:
        assert resource["path"] in archive.namelist()
    statements = list(csv.DictReader(io.StringIO(archive.read("statements.csv").decode())))
    assert len(statements) == len(atlas.statements)
    entities = {r["id"] for r in csv.DictReader(io.StringIO(archive.read("entities.csv").decode()))}
    assert {s["entity_id"] for s in statements} <= entities
