"""The gazetteer in time: the 581 of 2019, the 565 of 2025, the mergers between, names on a date."""
import datetime as dt
import json
import re

import pytest

from policy_atlas import gazetteer as gaz
from tests.conftest import cli

G = gaz.load()
BEFORE, AFTER = dt.date(2024, 12, 31), dt.date(2025, 1, 1)


def test_581_before_and_565_after_the_mergers():
    assert len(G.on(gaz.MAP_2019)) == len(G.on(dt.date(2024, 12, 1))) == 581
    assert len(G.on(dt.date(2024, 12, 2))) == 580  # Bastogne + Bertogne, effective at the council's installation
    assert len(G.on(AFTER)) == len(G.on(dt.date(2026, 11, 1))) == 565
    after = G.on(AFTER)
    regions = [m.region for m in after]
    assert (regions.count("flanders"), regions.count("wallonia"), regions.count("brussels")) == (285, 261, 19)


def test_thirteen_flemish_mergers_and_one_walloon():
    flemish = [g for g in G.mergers if gaz.region_of(g.successor) == "flanders"]
    walloon = [g for g in G.mergers if gaz.region_of(g.successor) == "wallonia"]
    assert len(flemish) == 13 and {g.date for g in flemish} == {AFTER}
    assert [(g.successor, g.predecessors, g.date) for g in walloon] == [("82039", ("82003", "82005"), dt.date(2024, 12, 2))]
    declared = {s["id"] for s in G.sources}
    for g in G.mergers:
        assert g.cites and all(c["source"] in declared and c["locator"] and c["quote"] for c in g.cites)
        assert all(G.get(p).valid_from is None for p in g.predecessors)  # all merged municipalities are of 2019


def test_a_merged_municipality_before_and_after():
    kortessem = G.resolve("Kortessem")
    assert kortessem.exists_on(BEFORE) and not kortessem.exists_on(AFTER)
    assert kortessem.valid_to == BEFORE and kortessem.successor == "71072"
    assert [m.nis for m in G.on_date(kortessem, AFTER)] == ["71072"]
    hasselt = G.get("71072")
    assert hasselt.valid_from == AFTER and hasselt.predecessors == ("71022", "73040")
    assert [m.nis for m in G.on_date(hasselt, BEFORE)] == ["71022", "73040"]
    assert [m.nis for m in G.predecessors_on(hasselt, AFTER)] == ["71022", "73040"]
    antwerp = G.get("11002")  # kept its code and absorbed Borsbeek
    assert antwerp.valid_from is None and antwerp.exists_on(AFTER) and antwerp.predecessors == ("11002", "11007")
    assert G.get("11007").successor == "11002"


@pytest.mark.parametrize("name,day,nis", [
    ("Hasselt", None, "71022"), ("Hasselt", BEFORE, "71022"), ("Hasselt", AFTER, "71072"),
    ("Bastogne", None, "82003"), ("Bastenaken", dt.date(2025, 6, 1), "82039"),
    ("Tielt", dt.date(2018, 1, 1), "37015"), ("Tielt", dt.date(2026, 1, 1), "37022"),
    ("Pajottegem", None, "23106"), ("Tongres-Looz", None, "73111"), ("Zwijndrecht", AFTER, "11056"),
])
def test_names_resolve_with_and_without_a_date(name, day, nis):
    assert G.resolve(name, on=day).nis == nis


def test_resolve_command_says_what_an_old_name_became():
    old = json.loads(cli("resolve", "Zwijndrecht", "--as-of", "2025-03-01").stdout)
    assert old["nis"] == "11056" and old["exists_on_date"] is False
    assert old["successor"]["nis"] == "46030" and old["successor"]["since"] == "2025-01-01"
    assert [m["nis"] for m in old["on_date"]] == ["46030"]
    assert old["merger"]["predecessors"] == ["46003", "46013", "11056"] and old["merger"]["sources"]
    then = json.loads(cli("resolve", "Zwijndrecht", "--as-of", "2019-06-01").stdout)
    assert then["exists_on_date"] is True and then["on_date"][0]["nis"] == "11056"
    today = json.loads(cli("resolve", "Hasselt").stdout)  # no date: today
    assert today["nis"] == "71072" and [p["nis"] for p in today["predecessors"]] == ["71022", "73040"]
    assert [m["nis"] for m in today["same_name"]] == ["71022"]
    bad = cli("resolve", "Hasselt", "--as-of", "2025-13-01")
    assert bad.returncode == 2 and "--as-of must be a date" in bad.stderr


def test_dataset_has_the_2025_municipalities_and_the_merger_statements(atlas):
    assert atlas.types["mun/46030"] == "Municipality" and atlas.label("mun/46030") == "Beveren-Kruibeke-Zwijndrecht"
    assert atlas.first("mun/46030", "valid_from") == "2025-01-01"
    assert {s.value for s in atlas.values("mun/46030", "predecessor")} == {"mun/46003", "mun/46013", "mun/11056"}
    successor = atlas.values("mun/11056", "successor")
    assert {s.value for s in successor} == {"mun/46030"} and str(successor[0].valid_from) == "2025-01-01"
    assert atlas.first("mun/11056", "valid_to") == "2024-12-31"
    assert {s.source for s in successor} <= set(atlas.sources)
    name = next(s for s in atlas.values("mun/46030", "name"))
    assert name.source == gaz.SOURCE_2025 and gaz.SOURCE_2025 in atlas.sources
    assert atlas.values("mun/11002", "predecessor")[0].value == "mun/11007"


@pytest.mark.parametrize("path", ["/nl/municipality/46030", "/fr/municipality/73040", "/nl/map?as_of=2025-06-01",
                                  "/de/map?view=livcr&as_of=2024-12-15"])
def test_pages_of_the_2025_map(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    if "map" in path:
        assert len(set(re.findall(r'data-nis="(\d{5})"', response.text))) == (565 if "2025" in path else 580)
