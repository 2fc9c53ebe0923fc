"""New facts, not only known ones: legal acts, dated figures, events, a municipality's LIVC-R, and new subsidies
whose facts are spread over a paragraph or a list under a heading — each held / conflict / new."""
import pytest

from policy_atlas.ingest import Ingester


@pytest.fixture(scope="module")
def ingester(atlas):
    return Ingester(atlas)


def facts(ingester, text):
    return ingester.read("doc.txt", text.encode())["proposals"]


def find(props, **want):
    return [p for p in props if all(p.get(k) == v for k, v in want.items())]


def test_a_known_act_is_held_and_a_new_act_is_new_with_kind_and_numac(ingester):
    props = facts(ingester, "Gelet op de wet van 30 juli 2018 tot oprichting van de LIVC-R. "
                            "Gelet op het Koninklijk besluit van 10 juni 1994 (numac 1994000123) betreffende de contracten.")
    held = find(props, kind="legal_act", property="signed", value="2018-07-30")
    assert held and held[0]["subject"] == "law/wet-livcr-2018" and held[0]["status"] == "held"
    new = find(props, kind="legal_act", property="signed", value="1994-06-10")[0]
    assert new["status"] == "new" and new["subject"].startswith("new:LegalAct/")
    same = {(p["property"], p["value"]) for p in props if p["subject"] == new["subject"]}
    assert {("kind", "royal_decree"), ("numac", "1994000123")} <= same


def test_a_dated_count_of_livcr_cells(ingester):
    props = facts(ingester, "Op 26/08/2019 beschikken 388 Belgische gemeenten over een LIVC-R.")
    count = find(props, kind="figure", property="count", value=388)[0]
    same = {(p["property"], p["value"]) for p in props if p["subject"] == count["subject"]}
    assert ("as_of", "2019-08-26") in same and ("subject", "body/livcr") in same
    assert count["quote"].startswith("Op 26/08/2019")


def test_events_with_dates(ingester):
    props = facts(ingester, "Le 29 septembre 2021, le Gouvernement a adopté un avant-projet de décret.")
    event = find(props, kind="event", property="date", value="2021-09-29")
    assert event and event[0]["status"] == "new" and event[0]["subject_type"] == "Event"
    # the FWB's first reading of 29 September 2022 is in the atlas since the regions update: held
    props = facts(ingester, "Le 29 septembre 2022, le Gouvernement a adopté un avant-projet de décret.")
    event = find(props, kind="event", property="date", value="2022-09-29")
    assert event and event[0]["status"] == "held" and event[0]["subject"] == "event/2022-09-29-fwb-avant-projet-csilr"
    assert not find(facts(ingester, "Question écrite du 21/10/2022 de Madame X."), kind="event")


def test_a_municipality_with_an_livcr(ingester):
    props = facts(ingester, "In de gemeente Bonheiden is sinds 2018 een LIVC-R actief.")
    fact = find(props, kind="livcr", subject="mun/12005")[0]
    assert (fact["property"], fact["value"], fact["valid_from"]) == ("livcr_status", "established", "2018")


def test_a_new_subsidy_across_the_sentences_of_a_paragraph(ingester):
    text = ("De Vlaamse Regering kent een projectsubsidie toe aan de steden. Het gaat om een half miljoen euro "
            "voor de periode 2021-2024. Ook Mechelen en Vilvoorde ontvangen middelen.")
    props = find(facts(ingester, text), kind="subsidy")
    subject = {p["subject"] for p in props}
    assert len(subject) == 1 and subject.pop().startswith("new:Subsidy/")
    got = {(p["property"], p["value"]) for p in props}
    assert {("amount", "500000.00"), ("funder", "gov/flanders"), ("recipient", "mun/12025"),
            ("recipient", "mun/23088")} <= got
    amount = find(props, property="amount")[0]
    assert (amount["valid_from"], amount["valid_to"]) == ("2021", "2024") and amount["status"] == "new"


def test_a_list_under_a_heading_is_one_subsidy(ingester):
    text = "Projectoproep preventie van radicalisering\n\n- Gent: 56.775 euro\n\n- Aalst: 40.000 euro"
    props = find(facts(ingester, text), kind="subsidy")
    assert len({p["subject"] for p in props}) == 1
    assert {p["value"] for p in props if p["property"] == "amount"} == {"56775.00", "40000.00"}


def test_a_known_subsidy_is_not_proposed_again_as_new(ingester):
    props = facts(ingester, "Via het Project Tegengeluiden (2018) kreeg Gent 56.775 euro.")
    assert not find(props, kind="subsidy")
    assert find(props, subject="subsidy/vl-tegengeluiden", property="amount", value="56775.00")


def test_new_helplines_trainings_and_tools_with_provider_audience_and_phone(ingester):
    props = facts(ingester, "Het Agentschap Binnenlands Bestuur opent de hulplijn “Radicalisering Info” voor ouders "
                            "en leerkrachten op 0800 123 45.")
    got = {(p["subject_type"], p["property"], p["value"]) for p in find(props, kind="offer")}
    assert got == {("Helpline", "name", "Radicalisering Info"), ("Helpline", "provider", "agency/abb"),
                   ("Helpline", "audience", "ouders"), ("Helpline", "phone", "0800 123 45")}
    german = facts(ingester, "Kaleido Ostbelgien bietet die Fortbildung „Konflikte im Unterricht“ für Lehrkräfte an.")
    assert ("Training", "name", "Konflikte im Unterricht") in {
        (p["subject_type"], p["property"], p["value"]) for p in find(german, kind="offer")}


def test_a_known_entity_or_a_place_after_a_kind_word_is_no_new_offer(ingester):
    for text in ("De Wegweiser-Anlaufstelle Ostbelgien organiseert een workshop.",
                 "La Fédération Wallonie-Bruxelles soutient le Réseau de prise en charge des extrémismes et des "
                 "radicalismes violents."):
        assert not find(facts(ingester, text), kind="offer")
