"""Dataset files that crash or silently lose data elsewhere: each is a clear error (or warning) with file and line."""
import yaml

from policy_atlas import dataset
from tests.conftest import cli, make_dataset
from tests.test_validation import GOOD

RECIPIENTS = "- {p: recipient, v: [mun/21001, mun/11002], from: 2016, to: 2016, fn: 67,"


def load(tmp_path, text):
    return dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": text}))


def test_unquoted_impossible_date_is_an_error_with_line_not_a_traceback(tmp_path):
    text = GOOD.replace("from: 2016, to: 2016", "from: 2016-02-31, to: 2016")
    msgs = [str(p) for p in load(tmp_path, text).problems]
    assert len(msgs) == 1 and "kind/file.yaml:12" in msgs[0], msgs
    assert "impossible date '2016-02-31': day is out of range for month" in msgs[0]
    result = cli("validate", "--dataset", str(make_dataset(tmp_path / "cli", {"kind/file.yaml": text})))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "file.yaml:12" in result.stderr


def test_misspelt_top_level_key_is_named(tmp_path):
    ds = load(tmp_path, GOOD.replace("entities:", "entites:"))
    msgs = [str(p) for p in ds.problems]
    assert any("kind/file.yaml:3" in m and "unknown top-level key 'entites' (did you mean `entities:`?)" in m
               for m in msgs), msgs
    assert "subsidy/impuls" not in ds.entities


def test_loader_uses_libyaml_and_keeps_lines(tmp_path):
    assert yaml.__with_libyaml__ and issubclass(dataset._LineLoader, yaml.CSafeLoader)
    ds = load(tmp_path, GOOD)
    (funder,) = [s for s in ds.statements if s.prop == "funder"]
    assert funder.origin.endswith("kind/file.yaml:11")


def test_undated_statement_beside_dated_ones_is_warned(tmp_path):
    extra = "      - {p: recipient, v: mun/21004, loc: Annex III, q: \"Het eerste belangrijk subsidiekanaal\"}\n"
    ds = load(tmp_path, GOOD + extra)
    assert ds.ok, ds.problems
    assert len(ds.warnings) == 1 and "kind/file.yaml:13: subsidy/impuls.recipient = 'mun/21004' has no dates" in ds.warnings[0]
    assert "beside 2 dated statement(s) of the same property (2016..2016)" in ds.warnings[0]
    explained = load(tmp_path / "n", GOOD + extra.replace("}", ", note: the annex gives no date}"))
    assert explained.ok and explained.warnings == []
    result = cli("validate", "--dataset", str(make_dataset(tmp_path / "cli", {"kind/file.yaml": GOOD + extra})))
    assert result.returncode == 0 and "has no dates" in result.stderr


def test_bundled_dataset_has_no_unexplained_undated_statements(bundled):
    assert [w for w in bundled.warnings if "has no dates" in w] == []
