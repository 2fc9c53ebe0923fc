import datetime as dt
import json

from policy_atlas import gazetteer as gaz
from policy_atlas.queries import profile
from tests.conftest import cli

G = gaz.load()


def ids(items):
    return {i["id"] for i in items}


def test_zele_before_inside_and_after_the_flemish_subsidy(atlas):
    zele = G.resolve("Zele")
    before = profile(atlas, zele, dt.date(2015, 12, 31))
    inside = profile(atlas, zele, dt.date(2017, 6, 1))
    after = profile(atlas, zele, dt.date(2019, 1, 1))
    assert "subsidy/vl-regierol" not in ids(before["subsidies_received"])
    grant = next(i for i in inside["subsidies_received"] if i["id"] == "subsidy/vl-regierol")
    assert grant["why"] == "direct grant" and (grant["valid_from"], grant["valid_to"]) == ("2016", "2018")
    assert grant["cites"]["source"] == "far-2019" and grant["cites"]["locator"].startswith("line ")
    assert "Zele" in grant["cites"]["quote"]
    assert "subsidy/vl-regierol" not in ids(after["subsidies_received"])


def test_impulse_subsidy_only_in_2016(atlas):
    genk = G.resolve("Genk")
    assert "subsidy/impuls-2016" in ids(profile(atlas, genk, dt.date(2016, 5, 1))["subsidies_received"])
    assert "subsidy/impuls-2016" not in ids(profile(atlas, genk, dt.date(2017, 5, 1))["subsidies_received"])


def test_brussels_gets_both_communities_and_the_region(atlas):
    p = profile(atlas, G.resolve("Sint-Jans-Molenbeek"), dt.date(2018, 6, 1))
    why = {g["id"]: g["why"] for g in p["governments"]}
    assert why["gov/federal"] == "federal" and why["gov/brussels"] == "region:brussels"
    assert "community:flemish" in why["gov/flanders"] and why["gov/fwb"] == "community:french"
    assert "gov/wallonia" not in why
    assert {"subsidy/bru-pbp", "subsidy/vsc-radicalisation"} <= ids(p["subsidies_received"])
    assert "helpline/caprev" in ids(p["helplines"]) and "helpline/opvoedingslijn" in ids(p["helplines"])
    assert "body/fwb-protocol-network" in ids(p["bodies_taking_part"])
    assert p["livcr"]["status"] == "established"


def test_german_speaking_municipality(atlas):
    p = profile(atlas, G.resolve("Eupen"), dt.date(2018, 1, 1))
    why = {g["id"]: g["why"] for g in p["governments"]}
    assert set(why) == {"gov/federal", "gov/wallonia", "gov/ostbelgien"}
    assert "service/kaleido-parents" in ids(p["services"])
    assert p["livcr"]["area_figures"][0]["count"] == "2"


def test_flemish_municipality_livcr_unknown_with_regional_figure(atlas):
    p = profile(atlas, G.resolve("Aalst"), dt.date(2019, 3, 7))
    assert p["livcr"]["status"] == "unknown"
    figure = p["livcr"]["area_figures"][0]
    assert (figure["count"], figure["total"], figure["as_of"]) == ("254", "285", "2019-03-07")


def test_profile_command_json_and_text(atlas_db):
    result = cli("profile", "Luik", "--as-of", "2016-06-01", "--format", "json", "--db", atlas_db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["municipality"]["nis"] == "62063"
    assert {"subsidy/impuls-2016", "subsidy/vsc-radicalisation", "subsidy/wal-grandes-villes"} <= ids(data["subsidies_received"])
    text = cli("profile", "62063", "--as-of", "2016-06-01", "--db", atlas_db)
    assert text.returncode == 0 and "Impulssubsidie (2016)" in text.stdout and "direct grant" in text.stdout
    bad = cli("profile", "Luik", "--as-of", "2016-13-01", "--db", atlas_db)
    assert bad.returncode == 2 and "--as-of must be a date" in bad.stderr


def test_rules_apply_only_from_their_date(atlas):
    zele = G.resolve("Zele")
    assert "law/wet-livcr-2018" not in ids(profile(atlas, zele, dt.date(2017, 6, 1))["rules"])
    assert "law/wet-livcr-2018" in ids(profile(atlas, zele, dt.date(2019, 1, 1))["rules"])
    assert "law/omzendbrief-ftf-2015" in ids(profile(atlas, zele, dt.date(2015, 8, 21))["rules"])
    assert "law/omzendbrief-ftf-2015" not in ids(profile(atlas, zele, dt.date(2015, 8, 20))["rules"])
