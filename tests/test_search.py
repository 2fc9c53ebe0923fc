"""Search over labels, aliases and descriptions, folded for case and accents, with facets."""
import pytest

from policy_atlas import store
from policy_atlas.queries import Atlas
from policy_atlas.search import index_of


@pytest.fixture(scope="module")
def index(atlas_db):
    return index_of(Atlas.open(store.connect(atlas_db)))


@pytest.mark.parametrize("query", ["Luik", "Liège", "liege", "LIÈGE", "Lüttich"])
def test_exonyms_and_official_names_find_the_same_municipality(index, query):
    assert index.search(query)[0]["id"] == "mun/62063"


@pytest.mark.parametrize("query, expected", [("OCAM", "agency/ocad"), ("ocad", "agency/ocad"),
                                             ("SPF Intérieur", "agency/ibz"), ("spf interieur", "agency/ibz"),
                                             ("LIVC-R", "body/livcr"), ("csil", "body/livcr")])
def test_aliases_in_any_language(index, query, expected):
    assert expected in [h["id"] for h in index.search(query)[:3]]


def test_descriptions_are_searched(index):
    ids = [h["id"] for h in index.search("beroepsgeheim")]
    assert ids, "a word only in descriptions and rules should still find something"


def test_facets_filter(index):
    subsidies = index.search("", types=["Subsidy"])
    assert subsidies and all(h["type"] == "Subsidy" for h in subsidies)
    flemish = index.search("", types=["Subsidy"], region="flanders")
    assert 0 < len(flemish) < len(subsidies)
    federal = index.search("", tier="federal", types=["Subsidy"])
    assert {"subsidy/impuls-2016", "subsidy/vsc-radicalisation"} <= {h["id"] for h in federal}


def test_year_range_keeps_overlapping_items(index):
    ids = {h["id"] for h in index.search("", types=["Subsidy"], year_from=2017, year_to=2017)}
    assert "subsidy/vl-regierol" in ids  # 2016-2018
    assert "subsidy/impuls-2016" not in ids


def test_respondents_are_not_searchable(index):
    assert not [h for h in index.search("respondent") if h["type"] == "Respondent"]
