"""The network: relation groups from the schema's relation properties, tiers by level, GraphML."""
import io

import networkx as nx

from policy_atlas import network


def test_vertical_information_line(atlas):
    g = network.graph(atlas, relations=["reports_to"])
    assert nx.has_path(g, "body/livcr", "body/ltf")
    assert g.has_edge("agency/information-officer", "body/ltf")


def test_members_point_to_the_body(atlas):
    g = network.graph(atlas, relations=["member"])
    assert g.has_edge("gov/flanders", "body/ocad-workgroups")
    assert not g.has_edge("body/ocad-workgroups", "gov/flanders")


def test_funds_edges_go_from_funder_to_municipality_via_the_subsidy(atlas):
    g = network.graph(atlas, relations=["funds"])
    vias = {d["via"] for _, target, d in g.edges("agency/ibz", data=True) if target == "mun/62063"}
    assert "subsidy/impuls-2016" in vias


def test_layout_puts_federal_above_regional_above_local(atlas):
    view = network.view(atlas, "nl", None, None, None)
    y = {n["id"]: n["y"] for n in view["nodes"]}
    assert y["gov/federal"] < y["gov/flanders"] < y["body/ltf"] < y["body/livcr"]
    assert y["body/ltf"] < y["agency/information-officer"]  # local police sit in the local band
    assert all(0 <= n["x"] <= view["width"] for n in view["nodes"])


def test_region_filter_drops_other_regions(atlas):
    view = network.view(atlas, "nl", ["funds"], "wallonia", None)
    ids = {n["id"] for n in view["nodes"]}
    assert "mun/62063" in ids and "mun/11002" not in ids


def test_graphml_round_trip(atlas):
    g = network.graph(atlas)
    back = nx.read_graphml(io.BytesIO(network.graphml(g)))
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
