"""What a new user tripped over (issue 11 §5): untranslated codes and tags, raw ids, a wrong count,
an unreadable network and a timeline with doubles."""
import math
import re

import pytest

from policy_atlas import network, timeline
from policy_atlas.model import load_schema


def test_every_enum_code_has_a_label_in_every_language():
    schema = load_schema()
    for spec in schema.types.values():
        for prop in spec.properties.values():
            for code in prop.choices:
                assert set(schema.terms[code]) == set(schema.languages), (spec.name, prop.name, code)


def test_overview_rows_are_named_not_the_property(client):
    html = client.get("/fr/overview").text
    assert "ligne de l'annexe II" not in html
    for label in ("Plans politiques", "Services", "Subsides", "Formation et soutien local"):
        assert f'<th scope="row">{label}</th>' in html


def test_provinces_and_arrondissements_have_names_and_are_found(client, atlas):
    assert atlas.label("prov/10000", "nl") == "Provincie Antwerpen"
    assert atlas.label("arr/11000", "fr") == "Arrondissement d'Anvers"
    hits = {r["id"]: r["label"] for r in client.get("/api/search", params={"q": "antwerpen"}).json()["results"]}
    assert hits["prov/10000"] == "Provincie Antwerpen"
    assert "arr/11000" in hits


def test_trainings_count_only_real_evaluations(client):
    data = client.get("/api/trainings").json()
    real = [t for t in data["items"] if t["evaluation"]]
    assert data["evaluated"] == len(real)
    assert all("No evaluation known" not in st["value"] for t in data["items"] for st in t["evaluation"])


def test_codes_and_locators_are_shown_in_the_page_language(client):
    html = client.get("/fr/entity/subsidy/vsc-radicalisation").text
    assert re.search(r">\s*structurel\s*<", html) and not re.search(r">\s*structural\s*<", html)
    assert ">n. 71; ligne 1224</a>]" in html and "fn 71" not in html
    nl = client.get("/nl/entity/subsidy/vsc-radicalisation").text
    assert ">vn 71; regel 1224</a>]" in nl


def test_error_pages_explain_in_the_page_language(client):
    response = client.get("/de/entity/nothing/here")
    assert response.status_code == 404
    assert "Diese Seite oder dieser Eintrag existiert im Atlas nicht." in response.text


def test_helpline_without_a_number_says_so_instead_of_an_english_value(client, atlas):
    assert not atlas.values("helpline/opvoedingslijn", "phone")  # CAPREV's number is now known (corpus 010)
    assert "numéro inconnu des sources" in client.get("/fr/livcr").text


def test_network_arrows_end_at_the_target_rim_and_have_a_legend(client, atlas):
    data = network.view(atlas, "nl", None, None, None)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert data["edges"]
    for e in data["edges"]:
        target = nodes[e["target"]]
        gap = math.hypot(target["x"] - e["x2"], target["y"] - e["y2"])
        expected = network.NODE_RADIUS[target["type"] == "Municipality"]
        assert gap == pytest.approx(expected, abs=0.2) or gap < expected
    html = client.get("/en/network").text
    legend = html.split('class="legend inline"')[1].split("</ul>")[0]
    assert "Government" in legend and "reports to" in legend
    svg = re.search(r"<svg[^>]*class=\"network\"[^>]*>", html).group(0)
    assert "width=" not in svg.replace("viewBox", ""), "the page's SVG scales to its box"


def test_timeline_folds_an_event_into_what_it_started_and_colours_events_by_kind(atlas):
    data = timeline.items(atlas, "nl")
    ids = {i["id"]: i for i in data["items"]}
    assert "event/2002-plan-m" not in ids
    assert [e["id"] for e in ids["plan/plan-m"]["events"]] == ["event/2002-plan-m"]
    assert "event/2016-plan-r-revision" in ids, "an event in a later year than its target stays a point"
    kinds = {i["kind"] for i in data["items"] if i["point"]}
    assert {"attack", "policy"} <= kinds
    assert data["event_kinds"] == sorted(kinds)


def test_brussels_is_enlarged_in_an_inset_that_links_its_19_municipalities(client):
    html = client.get("/en/map").text
    inset = html.split('<g class="inset" aria-hidden="true">')[1].split("</g>\n  </g>")[0]
    links = re.findall(r'data-inset-nis="(\d+)"[^>]*tabindex="-1"', inset)
    assert len(links) == 19 and all(n.startswith("21") for n in links)
    assert "Brussels, enlarged" in inset
    assert 'class="inset"' not in client.get("/api/map", params={"format": "svg"}).text, "no inset in the file download"


def test_the_livcr_view_speaks_of_cells_not_subsidies(client):
    html = client.get("/fr/map", params={"view": "livcr"}).text
    assert 'id="f-funder"' not in html and 'id="f-subsidy"' not in html
    assert "<h1>Couverture des CSIL-R</h1>" in html
    figures = client.get("/api/map", params={"view": "livcr"}).json()["figures"]
    table = html.split('<table class="figures-table">')[1].split("</table>")[0]
    assert table.count("<tr") - 1 == len(figures) > 10
    assert ">belgium<" not in table
