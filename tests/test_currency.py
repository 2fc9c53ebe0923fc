"""How current the atlas says it is (issue 9 §4): newest source and fact, and where a trail ends."""
import datetime as dt

from policy_atlas import currency


def test_an_item_known_only_from_the_2019_report_says_no_source_after_2019(atlas, client):
    cur = currency.of_entity(atlas, "subsidy/impuls-2016")
    assert cur["latest_source"] == "2019"
    assert cur["stale_since"] == 2019
    assert cur["latest_fact"] >= "2014"
    html = client.get("/en/entity/subsidy/impuls-2016").text
    assert "No source after 2019 found for this item" in html
    assert "Keine Quelle nach 2019" in client.get("/de/entity/subsidy/impuls-2016").text


def test_the_same_item_read_in_2020_is_not_stale_yet(atlas):
    cur = currency.summary(atlas, list(atlas.by_subject["subsidy/impuls-2016"]), today=dt.date(2020, 6, 1))
    assert cur["stale_since"] is None


def test_editorial_and_code_lists_do_not_date_the_atlas(atlas):
    cur = currency.of_atlas(atlas)
    dates = [currency.source_date(s) for s in atlas.sources.values() if s.get("kind") not in currency.UNDATED_KINDS]
    newest = max((d for d in dates if d), key=lambda d: d.last_day())
    assert cur["latest_source"] == str(newest)
    assert cur["latest_fact"] <= dt.date.today().isoformat()


def test_status_today_splits_instruments_into_ended_running_unknown(atlas, client):
    status = currency.status_today(atlas)
    everything = set(atlas.entities_of(*currency.INSTRUMENTS))
    split = status["running"] + status["ended"] + status["unknown"]
    assert len(split) == len(set(split)) and set(split) <= everything
    assert "subsidy/impuls-2016" in status["ended"]
    figures = client.get("/api/home").json()["figures"]["today"]
    assert figures == {k: len(v) for k, v in status.items()}


def test_overview_offers_the_report_date_and_today(client):
    html = client.get("/fr/overview").text
    assert "as_of=2019-06-30" in html and f"as_of={dt.date.today().isoformat()}" in html


def test_a_status_statement_decides_over_an_old_end_date(atlas):
    status = currency.status_today(atlas)
    ended = [e for e in atlas.entities_of(*currency.INSTRUMENTS)
             if any(s.value in ("ended", "replaced") for s in atlas.values(e, "status", dt.date.today()))]
    assert ended and set(ended) <= set(status["ended"])


def test_a_retrieval_date_does_not_date_a_source():
    assert currency.source_date({"retrieved": "2026-11-29"}) is None
    assert str(currency.source_date({"published": "2021-09-08", "retrieved": "2026-11-29"})) == "2021-09-08"
