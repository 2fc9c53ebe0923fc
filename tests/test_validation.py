"""One test per kind of bad input; each checks that the message names the file, the line and the fault."""

import pytest

from policy_atlas import dataset
from tests.conftest import cli, make_dataset

GOOD = """
source: far-2019
entities:
  - id: gov/federal
    type: Government
    labels: {nl: Federale overheid}
  - id: subsidy/impuls
    type: Subsidy
    labels: {nl: Impulssubsidie}
    statements:
      - {p: funder, v: gov/federal, q: "Het eerste belangrijk subsidiekanaal is de federale Impulssubsidie"}
      - {p: recipient, v: [mun/21001, mun/11002], from: 2016, to: 2016, fn: 67, q: "de volgende gemeenten: Anderlecht, Antwerpen"}
"""


def problems(tmp_path, text):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": text}))
    return [str(p) for p in ds.problems]


def test_good_dataset_has_no_problems(tmp_path):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": GOOD}))
    assert ds.ok, ds.problems
    grants = [s for s in ds.statements if s.prop == "recipient"]
    assert [g.value for g in grants] == ["mun/21001", "mun/11002"]
    assert grants[0].locator.startswith("fn 67; line ")


def test_broken_yaml_names_file_and_line(tmp_path):
    msgs = problems(tmp_path, GOOD + "  - id: [unclosed\n")
    assert len(msgs) == 1 and "kind/file.yaml:14" in msgs[0] and "broken YAML" in msgs[0]


@pytest.mark.parametrize("old, new, line, message", [
    pytest.param("type: Government", "type: Goverment", 4, "unknown entity type 'Goverment'", id="unknown_type"),
    pytest.param("p: funder", "p: funded_by", 11, "no property 'funded_by'", id="unknown_property"),
    pytest.param("mun/11002", "mun/11099", 12, "unknown municipality 'mun/11099'", id="unknown_municipality_suggests"),
    pytest.param("v: gov/federal", "v: mun/21001", None, "mun/21001 is a Municipality, expected Government or Agency or Organisation", id="reference_of_wrong_type"),
    pytest.param("from: 2016, to: 2016", "from: 2016-14, to: 2016", 12, "impossible date '2016-14'", id="bad_date"),
    pytest.param("from: 2016, to: 2016", "from: 2018, to: 2016", None, "valid_from 2018 is after valid_to 2016", id="valid_from_after_valid_to"),
    pytest.param("p: funder, v: gov/federal,", "p: funder, v: gov/federal, src: rumour,", None, "unknown source 'rumour'", id="unknown_source"),
    pytest.param("de federale Impulssubsidie", "de federale impulssubsidie", 11, "quote not found word for word", id="quote_must_stand_word_for_word"),
    pytest.param(', q: "Het eerste belangrijk subsidiekanaal is de federale Impulssubsidie"', "", None, "needs a verbatim quote", id="statement_from_held_text_needs_a_quote"),
    pytest.param("fn: 67", "fn: 999", None, "footnote 999 does not exist", id="footnote_must_exist"),
    pytest.param("id: subsidy/impuls", "id: gov/federal", None, "already declared", id="duplicate_id"),
    pytest.param("p: funder, v: gov/federal,", "p: kind, v: yearly,", None, "takes one of structural, project, envelope, one_off", id="bad_enum_value"),
    pytest.param("labels: {nl: Impulssubsidie}", "labels: {nl: Impuls, 2016}", None, "unquoted comma", id="unquoted_comma_in_label_is_explained"),
])
def test_bad_input_is_named_with_file_and_line(tmp_path, old, new, line, message):
    msgs = problems(tmp_path, GOOD.replace(old, new))
    assert any((line is None or f"file.yaml:{line}" in m) and message in m for m in msgs), msgs


def test_hostile_label_is_kept_as_plain_text(tmp_path):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": GOOD.replace(
        "labels: {nl: Federale overheid}", "labels: {nl: \"<script>alert(1)</script>\"}")}))
    assert ds.ok and ds.entities["gov/federal"].labels["nl"] == "<script>alert(1)</script>"


def test_validate_command_exit_codes(tmp_path):
    good = make_dataset(tmp_path / "good", {"kind/file.yaml": GOOD})
    bad = make_dataset(tmp_path / "bad", {"kind/file.yaml": GOOD.replace("fn: 67", "fn: 999")})
    assert cli("validate", "--dataset", str(good)).returncode == 0
    result = cli("validate", "--dataset", str(bad))
    assert result.returncode == 1 and "file.yaml:12" in result.stderr and "footnote 999" in result.stderr


def test_bundled_dataset_is_valid_and_large(bundled):
    curated = [s for s in bundled.statements if s.origin != "gazetteer"]
    entities = [e for e in bundled.entities.values() if e.origin != "gazetteer"]
    assert len(entities) >= 190 and len(curated) >= 1400
    assert all(s.source for s in bundled.statements)
    assert all(s.quote for s in curated if s.source == "far-2019")
