"""Source kinds: each kind's required fields, URL, dates, language, numac; corpus sources; quotes from web sources."""
import json

import pytest

from policy_atlas import dataset
from policy_atlas.sourcetext import shared_dir
from tests.conftest import make_dataset

WEB = """
sources:
  - id: web-page
    kind: webpage
    title: "Een pagina"
    publisher: "FOD Binnenlandse Zaken"
    url: https://www.example.be/nl/pagina
    published: 2021-03-05
    retrieved: 2026-11-29
    language: nl
  - id: staatsblad
    kind: legal
    title: "Wet van 30 juli 2018"
    publisher: "Belgisch Staatsblad"
    published: 2018-09-14
    numac: "2018031809"
    language: nl
  - id: kamervraag
    kind: parliamentary
    title: "Schriftelijke vraag"
    publisher: "Kamer van volksvertegenwoordigers"
    url: https://www.dekamer.be/vraag
    retrieved: 2026-11-29
    question: "55-1081"
    language: nl
entities:
  - id: org/partner
    type: Organisation
    labels: {nl: Partner}
    statements:
      - {p: description, v: "Een partner.", src: web-page, loc: "§ Opdracht", q: "De cel komt samen."}
"""


def problems(tmp_path, text):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"update/file.yaml": text}))
    return [str(p) for p in ds.problems]


def test_web_sources_of_every_kind_are_valid(tmp_path):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"update/file.yaml": WEB}))
    assert ds.ok, ds.problems
    assert ds.sources["staatsblad"]["published"] == "2018-09-14" and ds.sources["staatsblad"]["numac"] == "2018031809"
    (st,) = [s for s in ds.statements if s.prop == "description"]
    assert (st.source, st.locator, st.quote) == ("web-page", "§ Opdracht", "De cel komt samen.")


@pytest.mark.parametrize("old, new, line, message", [
    pytest.param("kind: webpage", "kind: blog", 3, "kind must be one of report, legal", id="unknown_kind"),
    pytest.param("url: https://www.example.be/nl/pagina", "url: www.example.be/nl pagina", 3,
                 "url is not a well-formed http(s) URL", id="malformed_url"),
    pytest.param("url: https://www.example.be/nl/pagina", "url: https://localhost", 3,
                 "not a well-formed", id="url_without_domain"),
    pytest.param("published: 2021-03-05", "published: 2027-03-05", 3, "published 2027-03-05 is after retrieved 2026-11-29",
                 id="published_after_retrieved"),
    pytest.param("retrieved: 2026-11-29\n    language: nl\n  - id: staatsblad", "retrieved: 2099-01-01\n    language: nl\n  - id: staatsblad", 3,
                 "retrieved 2099-01-01 is in the future", id="retrieved_in_future"),
    pytest.param("published: 2021-03-05", "published: '2021-02-30'", 3, "impossible date '2021-02-30'", id="impossible_date"),
    pytest.param("language: nl\n  - id: staatsblad", "language: xx\n  - id: staatsblad", 3, "unknown language 'xx'",
                 id="unknown_language"),
    pytest.param("    publisher: \"FOD Binnenlandse Zaken\"\n", "", 3, "a webpage source needs `publisher:`", id="missing_publisher"),
    pytest.param("    retrieved: 2026-11-29\n    language: nl\n  - id: staatsblad", "    language: nl\n  - id: staatsblad", 3,
                 "a webpage source needs `retrieved:`", id="web_page_needs_retrieval_date"),
    pytest.param('numac: "2018031809"', 'numac: "201803180"', 11, "numac has 10 digits", id="numac_of_nine_digits"),
    pytest.param('numac: "2018031809"', "note: x", 11, "a legal source needs `numac:` or `eli:`", id="legal_needs_numac_or_eli"),
    pytest.param('numac: "2018031809"', "eli: https://www.ejustice.just.fgov.be/wet/2018", 11, "European Legislation Identifier",
                 id="eli_must_be_an_eli"),
    pytest.param('question: "55-1081"', "note: x", 18, "needs `document:` or `question:`", id="parliamentary_needs_document_or_question"),
    pytest.param("published: 2018-09-14", "year: 2018", 11, "unknown source field 'year' (use `published:`)", id="unknown_field"),
    pytest.param('q: "De cel komt samen."', 'q: "De cel komt samen. Ze bespreekt dossiers."', 31,
                 "at most one sentence", id="quote_of_two_sentences"),
    pytest.param('q: "De cel komt samen."', f'q: "{"lang " * 80}"', 31, "at most 300 characters", id="quote_too_long"),
    pytest.param('loc: "§ Opdracht", ', "", 31, "needs a locator", id="web_statement_needs_locator"),
])
def test_bad_source_is_named_with_file_and_line(tmp_path, old, new, line, message):
    assert old in WEB
    msgs = problems(tmp_path, WEB.replace(old, new))
    assert any(f"file.yaml:{line}:" in m and message in m for m in msgs), msgs


def _corpus_entry(cid):
    return {e["file"]: e for e in json.loads((shared_dir() / "corpus" / "index.json").read_text())}[f"texts/{cid}.txt"]


def test_corpus_source_takes_its_fields_from_the_index_and_checks_quotes(tmp_path):
    text = (shared_dir() / "corpus" / "texts" / "008.nl.txt").read_text()
    fragment = " ".join(text.split("\n")[10].split()[:8])  # a line of the held text, read at run time
    doc = f"""
sources:
  - {{id: wet-2018, corpus: "008.nl", eli: "http://www.ejustice.just.fgov.be/eli/wet/2018/07/30/2018031809/justel"}}
entities:
  - id: org/partner
    type: Organisation
    labels: {{nl: Partner}}
    statements:
      - {{p: description, src: wet-2018, q: "{fragment}"}}
"""
    ds = dataset.load(make_dataset(tmp_path / "ds", {"update/file.yaml": doc}))
    assert ds.ok, ds.problems
    entry = _corpus_entry("008.nl")
    src = ds.sources["wet-2018"]
    assert (src["kind"], src["url"], src["publisher"], src["language"], src["published"], src["path"]) == (
        "legal", entry["url"], entry["publisher"], "nl", entry["date"], "corpus/texts/008.nl.txt")
    (st,) = [s for s in ds.statements if s.prop == "description"]
    assert st.locator == "line 11"
    bad = problems(tmp_path / "bad", doc.replace(fragment, fragment.upper()))
    assert any("file.yaml:9:" in m and "quote not found word for word in corpus/texts/008.nl.txt" in m for m in bad), bad


def test_corpus_id_must_exist(tmp_path):
    msgs = problems(tmp_path, "sources:\n  - {id: x, corpus: '999.nl'}\n")
    assert any("file.yaml:2:" in m and "corpus text 999.nl is not in" in m for m in msgs), msgs


def test_missing_source_is_an_error_not_a_default(tmp_path):
    doc = "entities:\n  - id: org/x\n    type: Organisation\n    labels: {nl: X}\n    statements:\n      - {p: kind, v: nonprofit}\n"
    msgs = problems(tmp_path, doc)
    assert any("file.yaml:6:" in m and "no source" in m for m in msgs), msgs
    assert problems(tmp_path / "ok", "source: editorial\n" + doc) == []


def test_bundled_sources_have_kinds(bundled):
    assert {s["kind"] for s in bundled.sources.values()} >= {"report", "dataset", "editorial"}
