"""Linked data: JSON-LD that pyld expands and converts, Turtle and N-Triples that rdflib parses, the same graph
either way; each statement a node with its value, validity, rank and provenance; identifiers from the base URL."""
import json

import pytest
from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from policy_atlas import export
from tests.conftest import cli

BASE = "http://127.0.0.1:8000"
ATLAS = Namespace("https://policy-atlas.invalid/terms/")
P, PS = Namespace(f"{ATLAS}p/"), Namespace(f"{ATLAS}ps/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's XSD object warns when pytest inspects it
SCHEMA, PROV, ORG = Namespace("https://schema.org/"), Namespace("http://www.w3.org/ns/prov#"), Namespace(
    "http://www.w3.org/ns/org#")


def entity(eid: str) -> URIRef:
    return URIRef(f"{BASE}/api/entity/{eid}")


def turtle(client, eid: str) -> Graph:
    response = client.get(f"/api/entity/{eid}", params={"format": "ttl"})
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def via_pyld(doc: dict) -> Graph:
    assert jsonld.expand(doc), "pyld expands the document to nothing"
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")


def test_jsonld_expands_with_pyld_and_is_the_turtle_graph(client):
    doc = client.get("/api/entity/subsidy/vl-regierol", params={"format": "jsonld"}).json()
    from_jsonld = via_pyld(doc)
    assert len(from_jsonld) > 100
    assert isomorphic(from_jsonld, turtle(client, "subsidy/vl-regierol"))
    assert isomorphic(Graph().parse(data=json.dumps(doc), format="json-ld"), from_jsonld)


def test_a_statement_keeps_its_dates_rank_and_source(client, atlas):
    g = via_pyld(client.get("/api/entity/subsidy/vl-regierol", params={"format": "jsonld"}).json())
    zele = entity("mun/42028")
    [node] = [s for s in g.subjects(PS.recipient, zele)]
    st = next(s for s in atlas.by_subject["subsidy/vl-regierol"] if s.prop == "recipient" and s.value == "mun/42028")
    assert (entity("subsidy/vl-regierol"), P.recipient, node) in g
    assert g.value(node, SCHEMA.validFrom) == Literal("2016", datatype=XSD.gYear)
    assert g.value(node, SCHEMA.validThrough) == Literal("2018", datatype=XSD.gYear)
    assert g.value(node, ATLAS.rank) == ATLAS.NormalRank
    assert g.value(node, PROV.wasDerivedFrom) == URIRef(f"{BASE}/api/sources/far-2019")
    derivation = g.value(node, PROV.qualifiedDerivation)
    assert g.value(derivation, PROV.entity) == URIRef(f"{BASE}/api/sources/far-2019")
    assert str(g.value(derivation, ATLAS.locator)) == st.locator == "line 1309"
    assert g.value(derivation, ATLAS.quote) == Literal(st.quote, lang="nl")
    assert (entity("subsidy/vl-regierol"), ATLAS.recipient, zele) in g  # the truthy value


def test_truthy_values_are_the_best_ranked_ones(client):
    g = turtle(client, "law/wet-livcr-2018")
    law = entity("law/wet-livcr-2018")
    signed = {str(v) for v in g.objects(law, URIRef(f"{ATLAS}signed"))}
    assert signed == {"2018-07-30"}
    ranks = {str(g.value(n, PS.signed)): g.value(n, ATLAS.rank) for n in g.objects(law, P.signed)}
    assert ranks == {"2018-07-30": ATLAS.PreferredRank, "2018-06-30": ATLAS.DeprecatedRank}
    assert (next(n for n in g.objects(law, P.signed) if str(g.value(n, PS.signed)) == "2018-07-30"),
            RDF.type, ATLAS.BestRank) in g
    assert g.value(URIRef(f"{BASE}/api/sources/far-2019"), RDF.type) is not None


def test_memberships_in_w3c_org(client):
    g = turtle(client, "body/ocad-workgroups")
    body = entity("body/ocad-workgroups")
    assert (body, RDF.type, ORG.Organization) in g
    assert (body, ORG.hasMember, entity("gov/flanders")) in g
    membership = next(n for n in g.subjects(ORG.member, entity("gov/flanders")))
    assert (membership, RDF.type, ORG.Membership) in g and (membership, ORG.organization, body) in g
    assert g.value(membership, PROV.wasDerivedFrom) is not None


def test_identifiers_never_come_from_the_host_header(client, monkeypatch):
    hostile = client.get("/api/entity/gov/federal", params={"format": "ttl"}, headers={"host": "evil.example"})
    assert hostile.status_code == 200 and "evil.example" not in hostile.text
    assert f"<{BASE}/api/entity/gov/federal>" in hostile.text
    monkeypatch.setenv("ATLAS_BASE_URL", "https://atlas.example.org/")
    doc = client.get("/api/entity/gov/federal", params={"format": "jsonld"}, headers={"host": "evil.example"}).json()
    ids = {n["@id"] for n in doc["@graph"]}
    assert "https://atlas.example.org/api/entity/gov/federal" in ids
    assert all(i.startswith("https://atlas.example.org/") for i in ids)


@pytest.mark.parametrize("accept, media, fmt", [("application/ld+json", "application/ld+json", "json-ld"),
                                                ("text/turtle", "text/turtle", "turtle"),
                                                ("application/n-triples", "application/n-triples", "nt"),
                                                ("text/turtle;q=0.5, application/ld+json", "application/ld+json",
                                                 "json-ld")])
def test_entity_urls_negotiate_linked_data(client, accept, media, fmt):
    response = client.get("/api/entity/body/livcr", headers={"accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")], "caches must key on Accept"
    g = Graph().parse(data=response.text, format=fmt)
    assert (entity("body/livcr"), RDF.type, ORG.Organization) in g


def test_entity_url_answers_json_by_default(client):
    for accept in (None, "application/json", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = client.get("/api/entity/body/livcr", headers={"accept": accept} if accept else {})
        assert response.headers["content-type"] == "application/json" and response.json()["id"] == "body/livcr"


def test_whole_atlas_dump(client, atlas, tmp_path, atlas_db):
    g = Graph().parse(data=client.get("/api/atlas.nt").text, format="nt")
    assert len(set(g.subjects(RDF.type, ATLAS.Statement))) == len(atlas.statements)
    assert len(set(g.subjects(ATLAS.id, None))) == len(atlas.types) + len(
        {s.source for s in atlas.statements})
    target = tmp_path / "atlas.ttl"
    result = cli("export", "--format", "ttl", "-o", str(target), "--db", atlas_db)
    assert result.returncode == 0, result.stderr
    assert set(Graph().parse(target, format="turtle")) == set(g)


def test_search_results_as_linked_data(client):
    g = Graph().parse(data=client.get("/api/search", params={"q": "ocad", "format": "ttl"}).text, format="turtle")
    ids = {h["id"] for h in client.get("/api/search", params={"q": "ocad"}).json()["results"]}
    assert {str(o) for o in g.objects(None, ATLAS.id)} >= ids
