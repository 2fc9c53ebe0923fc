"""The load looks up a property's spec and parses a written date once per distinct value: the answers (and the
problems reported) are those of a look-up per statement."""
from policy_atlas import dataset
from tests.conftest import make_dataset
from tests.test_validation import GOOD


def _load(tmp_path, text):
    return dataset.load(make_dataset(tmp_path / "ds", {"kind/file.yaml": text}))


def test_a_date_written_as_a_float_stays_refused_beside_the_same_year_as_an_integer(tmp_path):
    twice = GOOD + '      - {p: recipient, v: mun/21004, from: 2016.0, fn: 67, q: "de volgende gemeenten"}\n'
    problems = [str(p) for p in _load(tmp_path, twice).problems]
    assert len(problems) == 1 and "file.yaml:13" in problems[0] and "not a date" in problems[0] and "2016.0" in problems[0]


def test_a_list_as_date_is_named(tmp_path):
    problems = [str(p) for p in _load(tmp_path, GOOD.replace("from: 2016, to: 2016", "from: [2016], to: 2016")).problems]
    assert len(problems) == 1 and "file.yaml:12" in problems[0] and "not a date" in problems[0]


def test_an_unknown_property_is_reported_each_time(tmp_path):
    text = GOOD + ('      - {p: funded_by, v: gov/federal, fn: 67, q: "de volgende gemeenten"}\n'
                   '      - {p: funded_by, v: gov/federal, fn: 67, q: "de volgende gemeenten"}\n')
    problems = [str(p) for p in _load(tmp_path, text).problems]
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["13", "14"]
    assert all("no property 'funded_by'" in p for p in problems)


def test_the_values_of_one_record_share_its_dates_source_locator_and_quote(tmp_path):
    ds = _load(tmp_path, GOOD)
    assert ds.ok, ds.problems
    grants = [st for st in ds.statements if st.prop == "recipient"]
    assert len(grants) == 2 and grants[0].value != grants[1].value
    shared = lambda st: (str(st.valid_from), str(st.valid_to), st.source, st.locator, st.quote, st.origin)
    assert shared(grants[0]) == shared(grants[1])
    assert grants[0].locator.startswith("fn 67; line ") and str(grants[0].valid_from) == "2016"
    assert len({st.id for st in grants}) == 2


def test_numbers_dates_and_booleans_read_again_are_equal_and_of_their_type():
    """The event reader makes each (tag, text) of a number, date, boolean or null once: read again, or beside a
    float of the same value or a quoted copy, each keeps the type the loader gives it; a bad date is refused each
    time."""
    import datetime as dt

    import pytest
    import yaml

    text = ("a: [1, 1.0, '1', true, 'true', null, ~, 2016-02-03, '2016-02-03', 2016-02-03 10:00:00, 0x10, .inf]\n"
            "b: {n: 1, f: 1.0, d: 2016-02-03}\n")
    expected = {"a": [1, 1.0, "1", True, "true", None, None, dt.date(2016, 2, 3), "2016-02-03",
                      dt.datetime(2016, 2, 3, 10, 0), 16, float("inf")], "b": {"n": 1, "f": 1.0, "d": dt.date(2016, 2, 3)}}
    strip = lambda x: ({k: strip(v) for k, v in x.items() if k != dataset.LINE_KEY} if isinstance(x, dict)
                       else [strip(v) for v in x] if isinstance(x, list) else x)
    for _ in range(2):
        got = strip(dataset.load_yaml(text))
        assert got == expected == strip(yaml.load(text, Loader=dataset._LineLoader))
        assert [type(v) for v in got["a"]] == [type(v) for v in expected["a"]]
        assert [type(v) for v in got["b"].values()] == [int, float, dt.date]
    for _ in range(2):
        with pytest.raises(yaml.MarkedYAMLError, match="impossible date"):
            dataset.load_yaml("a: 2019-02-31\n")
