"""One test per kind of bad input; each checks that the message names the file, the line and the fault."""

from policy_atlas import dataset
from tests.conftest import cli, make_dataset

GOOD = """
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
    assert len(msgs) == 1 and "kind/file.yaml:13" in msgs[0] and "broken YAML" in msgs[0]


def test_unknown_type(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("type: Government", "type: Goverment"))
    assert any("file.yaml:3" in m and "unknown entity type 'Goverment'" in m for m in msgs)


def test_unknown_property(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("p: funder", "p: funded_by"))
    assert any("file.yaml:10" in m and "no property 'funded_by'" in m for m in msgs)


def test_unknown_municipality_suggests(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("mun/11002", "mun/11099"))
    assert any("file.yaml:11" in m and "unknown municipality 'mun/11099'" in m for m in msgs)


def test_reference_of_wrong_type(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("v: gov/federal", "v: mun/21001"))
    assert any("mun/21001 is a Municipality, expected Government or Agency or Organisation" in m for m in msgs)


def test_bad_date(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("from: 2016, to: 2016", "from: 2016-14, to: 2016"))
    assert any("file.yaml:11" in m and "impossible date '2016-14'" in m for m in msgs)


def test_valid_from_after_valid_to(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("from: 2016, to: 2016", "from: 2018, to: 2016"))
    assert any("valid_from 2018 is after valid_to 2016" in m for m in msgs)


def test_unknown_source(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("p: funder, v: gov/federal,", "p: funder, v: gov/federal, src: rumour,"))
    assert any("unknown source 'rumour'" in m for m in msgs)


def test_quote_must_stand_word_for_word(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("de federale Impulssubsidie", "de federale impulssubsidie"))
    assert any("file.yaml:10" in m and "quote not found word for word" in m for m in msgs)


def test_statement_from_held_text_needs_a_quote(tmp_path):
    msgs = problems(tmp_path, GOOD.replace(', q: "Het eerste belangrijk subsidiekanaal is de federale Impulssubsidie"', ""))
    assert any("needs a verbatim quote" in m for m in msgs)


def test_footnote_must_exist(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("fn: 67", "fn: 999"))
    assert any("footnote 999 does not exist" in m for m in msgs)


def test_duplicate_id(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("id: subsidy/impuls", "id: gov/federal"))
    assert any("already declared" in m for m in msgs)


def test_bad_enum_value(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("p: funder, v: gov/federal,", "p: kind, v: yearly,"))
    assert any("takes one of structural, project, envelope, one_off" in m for m in msgs)


def test_unquoted_comma_in_label_is_explained(tmp_path):
    msgs = problems(tmp_path, GOOD.replace("labels: {nl: Impulssubsidie}", "labels: {nl: Impuls, 2016}"))
    assert any("unquoted comma" in m for m in msgs)


def test_hostile_label_is_kept_as_plain_text(tmp_path):
    ds = dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": GOOD.replace(
        "labels: {nl: Federale overheid}", "labels: {nl: \"<script>alert(1)</script>\"}")}))
    assert ds.ok and ds.entities["gov/federal"].labels["nl"] == "<script>alert(1)</script>"


def test_validate_command_exit_codes(tmp_path):
    good = make_dataset(tmp_path / "good", {"kind/file.yaml": GOOD})
    bad = make_dataset(tmp_path / "bad", {"kind/file.yaml": GOOD.replace("fn: 67", "fn: 999")})
    assert cli("validate", "--dataset", str(good)).returncode == 0
    result = cli("validate", "--dataset", str(bad))
    assert result.returncode == 1 and "file.yaml:11" in result.stderr and "footnote 999" in result.stderr


def test_bundled_dataset_is_valid_and_large(bundled):
    curated = [s for s in bundled.statements if s.origin != "gazetteer"]
    entities = [e for e in bundled.entities.values() if e.origin != "gazetteer"]
    assert len(entities) >= 190 and len(curated) >= 1400
    assert all(s.source for s in bundled.statements)
    assert all(s.quote for s in curated if s.source == "far-2019")
