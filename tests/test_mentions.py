"""Mentions in running text: names through the gazetteer and the atlas, context rules, values."""
import pytest

from policy_atlas.ingest.mentions import Recognizer, mask_urls, tokenize, values


@pytest.fixture(scope="module")
def rec(atlas):
    return Recognizer.build(atlas)


def ids(rec, text):
    return [(m.kind, m.id) for m in rec.find(text)]


@pytest.mark.parametrize("text, nis", [
    ("De stad Luik kreeg middelen.", "62063"), ("La ville de Liège reçoit un subside.", "62063"),
    ("Die Stadt Lüttich erhält Mittel.", "62063"), ("In Bergen en Charleroi", "53053"),
    ("à Mons et à Charleroi", "53053"), ("de gemeente Sint-Jans-Molenbeek", "21012"),
    ("la commune de Molenbeek-Saint-Jean", "21012"), ("Die Gemeinde Sankt Vith", "63067"),
    ("met name Aalst, Meche-\nlen en Gent", "12025"), ("in Ottignies-Louvain-la-Neuve", "25121"),
])
def test_municipalities_in_every_language_and_form(rec, text, nis):
    assert ("municipality", f"mun/{nis}") in ids(rec, text)


def test_brussels_city_or_region_from_context(rec):
    assert ids(rec, "In Brussel hebben alle gemeenten een LIVC-R.")[0] == ("region", "region/brussels")
    assert ("municipality", "mun/21004") in ids(rec, "De Stad Brussel kreeg middelen.")
    assert ("municipality", "mun/21004") in ids(rec, "Antwerpen, Brussel en Gent kregen middelen.")
    assert ("municipality", "mun/21004") in ids(rec, "la Ville de Bruxelles")
    assert ids(rec, "Bruxelles et la Wallonie")[0] == ("region", "region/brussels")


def test_anonymised_letters_are_not_municipalities(rec):
    found = ids(rec, "Een ambtenaar van gemeente C. en de Waalse gemeente J. vertelden ons dat gemeente A. niets doet.")
    assert not [f for f in found if f[0] == "municipality"]


def test_common_words_are_not_places(rec):
    assert not ids(rec, "Het luik radicalisering staat los van de boom. Mol en Geel zijn kleuren, zegt de vorst.")
    assert not [f for f in ids(rec, "Boom is een woord.") if f[0] == "municipality"]
    assert ("municipality", "mun/11005") in ids(rec, "Ook de gemeente Boom diende een project in.")
    assert ("municipality", "mun/21007") in ids(rec, "Evere, Vorst en Elsene")


@pytest.mark.parametrize("text, eid", [
    ("het OCAD", "agency/ocad"), ("l'OCAM", "agency/ocad"), ("de FOD Binnenlandse Zaken", "agency/ibz"),
    ("le SPF Intérieur", "agency/ibz"), ("IBZ", "agency/ibz"), ("de VVSG", "org/vvsg"), ("le CAPREV", "agency/caprev"),
    ("de LIVC-R", "body/livcr"), ("une CSIL", "body/livcr"), ("de LI-\nVC-R", "body/livcr"),
    ("de Lokale Task Force", "body/ltf"), ("Het Waalse Gewest", "gov/wallonia"),
    ("Fédération Wallonie-Bruxelles", "gov/fwb"), ("het Plan R", "plan/plan-r"),
])
def test_entities_through_labels_and_aliases(rec, text, eid):
    assert ("entity", eid) in ids(rec, text)


def test_acronyms_must_be_written_as_acronyms(rec):
    assert ("entity", "agency/ocad") not in ids(rec, "ocad")


def test_urls_are_not_read(rec):
    text = "zie https://nieuws.vtm.be/geen-radicalisering-Zele-wel-56775-euro voor meer"
    assert mask_urls(text).startswith("zie ") and len(mask_urls(text)) == len(text)
    assert not rec.find(mask_urls(text))


def test_tokens_keep_offsets_across_line_breaks():
    text = "Meche-\nlen en Sint-\nJans"
    tokens = tokenize(text)
    assert [t.key for t in tokens] == ["mechelen", "en", "sint", "jans"]
    assert text[tokens[0].start:tokens[0].end] == "Meche-\nlen"


@pytest.mark.parametrize("text, kind, value", [
    ("van 2016 tot 2018", "period", "2016/2018"), ("(2016-2018)", "period", "2016/2018"),
    ("op 21/08/2015", "date", "2015-08-21"), ("op 22 mei 2018", "date", "2018-05-22"),
    ("le 1er juillet 2019", "date", "2019-07-01"), ("am 3. März 2020", "date", "2020-03-03"),
    ("in maart 2018", "date", "2018-03"), ("sinds 2013", "year", "2013"),
    ("56.775 euro", "amount", "56775.00"), ("€ 1,2 miljoen", "amount", "1200000.00"),
    ("EUR 10 000", "amount", "10000.00"), ("2,5 millions d'euros", "amount", "2500000.00"),
    ("(numac: 2015000693)", "numac", "2015000693"),
    ("Wet van 30 juli 2018", "legal", "Wet 2018-07-30"), ("Omzendbrief 21/08/2015", "legal", "Omzendbrief 2015-08-21"),
    ("loi du 30 juillet 2018", "legal", "loi 2018-07-30"),
    ("(2013, september 4). Koninklijk besluit betreffende", "legal", "Koninklijk besluit 2013-09-04"),
    ("Vilvoorde.67 Dit was", "footnote", "67"),
])
def test_values(text, kind, value):
    found = [(m.kind, m.value) for m in values(text)]
    assert (kind, value) in found, found


def test_provinces_and_arrondissements_are_not_their_capitals(rec):
    found = ids(rec, "in het arrondissement Halle-Vilvoorde (Dilbeek, Halle en Vilvoorde) en de Provincie Antwerpen")
    assert found[0] == ("arrondissement", "arr/23000")
    assert ("province", "prov/10000") in found and ("municipality", "mun/11002") not in found
    assert [f for f in found if f[0] == "municipality"] == [("municipality", "mun/23016"), ("municipality", "mun/23027"),
                                                           ("municipality", "mun/23088")]


@pytest.mark.parametrize("text, expected", [
    ("Die Stadt Löwen und die Gemeinde Arel", [("municipality", "mun/24062"), ("municipality", "mun/81001")]),
    ("in Bastnach, Mecheln und Ypern", [("municipality", "mun/82003"), ("municipality", "mun/12025"),
                                       ("municipality", "mun/33011")]),
    ("à Louvain-la-Neuve et à Louvain", [("municipality", "mun/25121"), ("municipality", "mun/24062")]),
    ("Gemeenteplein 1, 1730Asse", [("municipality", "mun/23002")]),
    ("Die Löwen im Zoo", []),
])
def test_names_as_real_texts_write_them(rec, text, expected):
    assert ids(rec, text) == expected


@pytest.mark.parametrize("text, eid, surface", [
    ("De lokale integrale veiligheidscellen inzake radicalisme, extremisme en terrorisme", "body/livcr",
     "lokale integrale veiligheidscellen inzake radicalisme, extremisme en terrorisme"),
    ("mit der Deutschsprachigen Gemeinschaft Belgiens", "gov/ostbelgien", "Deutschsprachigen Gemeinschaft Belgiens"),
    ("die Föderalen Polizei", "agency/federal-police", "Föderalen Polizei"),
    ("de Lokal Task Force", "body/ltf", "Lokal Task Force"),
    ("les Cellules de sécurité intégrale locales", "body/livcr", "Cellules de sécurité intégrale locales"),
    ("la Wegweiser-Anlaufstelle", "agency/kaleido", "Wegweiser-Anlaufstelle"),
    ("OCAM (Organe de coordination pour l'analyse de la menace) et", "agency/ocad",
     "OCAM (Organe de coordination pour l'analyse de la menace)"),
])
def test_entities_inflected_misspelt_and_by_descriptive_names(rec, text, eid, surface):
    found = [(m.id, m.surface) for m in rec.find(mask_urls(text))]
    assert found == [(eid, surface)]


def test_email_addresses_are_not_read(rec):
    assert not rec.find(mask_urls("schrijf naar info@vlaanderen.be of gent@stad.gent"))


@pytest.mark.parametrize("text, expected", [
    ("in de stad Mechleen", [("mun/12025", 0.6)]),
    ("la ville de Charlerloi", [("mun/52011", 0.6)]),
    ("die Gemeinde Kelmiss", [("mun/63040", 0.6)]),
    ("Mechleen zonder plaatswoord", []),
    ("de stad Brugge", [("mun/31005", 1.0)]),
])
def test_typos_only_where_a_place_cue_makes_them_certain(rec, text, expected):
    assert [(m.id, m.confidence) for m in rec.find(text) if m.kind == "municipality"] == expected
