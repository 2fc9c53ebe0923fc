import datetime as dt
import json

from policy_atlas import gazetteer as gaz
from policy_atlas.queries import PROFILE_LISTS, profile
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


def test_all_periods_by_default_each_item_with_its_dates_and_status(atlas):
    p = profile(atlas, G.resolve("Zele"), None, today=dt.date(2026, 11, 1))
    assert p["as_of"] is None
    grant = next(i for i in p["subsidies_received"] if i["id"] == "subsidy/vl-regierol")
    assert (grant["start"], grant["end"], grant["status"], grant["unknown_after"]) == ("2016", "2018", "ended", None)
    rule = next(i for i in p["rules"] if i["id"] == "law/wet-livcr-2018")  # listed although after the grant ended
    assert rule["status"] in ("current", "open")


def test_undated_annex_recipient_does_not_make_a_subsidy_exist_before_its_start(atlas):
    liege = G.resolve("Luik")
    undated = [s for s in atlas.values("subsidy/vsc-radicalisation", "recipient")
             if s.value == "mun/62063" and s.valid_from is None and s.valid_to is None]
    assert undated, "the Annex III statement without dates is what this test is about"
    assert "subsidy/vsc-radicalisation" not in ids(profile(atlas, liege, dt.date(2010, 6, 1))["subsidies_received"])
    assert "subsidy/vsc-radicalisation" in ids(profile(atlas, liege, dt.date(2014, 6, 1))["subsidies_received"])
    every = profile(atlas, liege, None)
    grant = next(i for i in every["subsidies_received"] if i["id"] == "subsidy/vsc-radicalisation")
    assert grant["start"] == "2013"


def test_unknown_end_is_unknown_after_the_last_source_year(atlas, client):
    p = profile(atlas, G.resolve("Luik"), None)
    layer = next(i for i in p["subsidies_received"] if i["id"] == "subsidy/annex3-federal-layer3")
    assert (layer["end"], layer["status"], layer["unknown_after"]) == (None, "open", 2019)  # only the 2019 report
    strand = next(i for i in p["subsidies_received"] if i["id"] == "subsidy/vsc-radicalisation")
    assert strand["status"] == "open" and strand["unknown_after"] > 2019  # later sources speak of it
    assert strand["unknown_after"] == max(atlas.source_year(s.source) or 0
                                          for s in atlas.by_subject["subsidy/vsc-radicalisation"])
    latest = p["shown_currency"]["latest_year"]
    assert latest == max(i["last_source_year"] or 0 for k in PROFILE_LISTS for i in p[k])
    assert latest >= strand["unknown_after"]
    english = client.get("/en/municipality/62063").text
    assert "unknown after 2019" in english and f"Data current to {latest}" in english
    assert "onbekend na 2019" in client.get("/nl/municipality/62063").text


def test_compare_two_dates_side_by_side(client):
    html = client.get("/en/municipality/42028", params={"as_of": "2015-12-31", "compare": "2017-06-01"}).text
    assert "Side by side" in html
    row = html[html.index('href="/en/entity/subsidy/vl-regierol"', html.index("Side by side")):]
    row = row[:row.index("</tr>")]
    assert row.count("<td>—</td>") == 1 and row.count("applies") == 1
    data = client.get("/api/municipality/42028", params={"as_of": "2015-12-31", "compare": "2017-06-01"}).json()
    rows = {r["id"]: r for l in data["compare"]["lists"] for r in l["rows"]}
    assert (rows["subsidy/vl-regierol"]["first"], rows["subsidy/vl-regierol"]["second"]) == (False, True)
    assert client.get("/api/municipality/42028", params={"compare": "2017-06-01"}).status_code == 422


def _tiny_atlas():
    from policy_atlas.model import Statement
    from policy_atlas.queries import Atlas

    st = lambda s, p, v, t="entity", **kw: Statement(s, p, v, t, source="test", locator="l", **kw)  # noqa: E731
    statements = [st("gov/flanders", "competent_as", "region-flanders", "enum"),
                  st("subsidy/x", "government", "gov/flanders"), st("subsidy/x", "start", "2016", "date"),
                  st("subsidy/x", "end", "2018", "date"), st("subsidy/x", "recipient", "mun/73040")]
    atlas = Atlas({"gov/flanders": "Government", "subsidy/x": "Subsidy", "mun/73040": "Municipality",
                   "mun/71072": "Municipality"}, statements, {"test": {"title": "t", "published": "2019"}}, {})
    atlas._index()
    return atlas


def test_a_merged_municipality_includes_what_its_predecessors_received_saying_so():
    atlas = _tiny_atlas()
    hasselt = G.get("71072")
    after = profile(atlas, hasselt, None)
    grant = next(i for i in after["subsidies_received"] if i["id"] == "subsidy/x")
    assert grant["via"] == {"nis": "73040", "label": "Kortessem", "until": "2024-12-31"}
    assert (grant["start"], grant["end"]) == ("2016", "2018")  # the undated recipient takes the subsidy's period
    assert [p["nis"] for p in after["history"]["predecessors"]] == ["71022", "73040"]
    assert "subsidy/x" in ids(profile(atlas, hasselt, dt.date(2017, 1, 1))["subsidies_received"])
    assert "subsidy/x" not in ids(profile(atlas, hasselt, dt.date(2025, 6, 1))["subsidies_received"])
    kortessem = profile(atlas, G.get("73040"), None)
    assert kortessem["history"]["successor"] == {"nis": "71072", "label": "Hasselt"}
    assert kortessem["history"]["merger_date"] == "2025-01-01"
    assert "subsidy/x" not in ids(profile(atlas, G.get("71022"), None)["subsidies_received"])


def test_profile_command_all_periods_and_a_merged_municipality(atlas_db):
    text = cli("profile", "Luik", "--db", atlas_db)
    assert text.returncode == 0 and "all periods" in text.stdout and "unknown after 2019" in text.stdout
    merged = cli("profile", "Kortessem", "--db", atlas_db)
    assert merged.returncode == 0 and "Merged into Hasselt (71072) on 2025-01-01" in merged.stdout
