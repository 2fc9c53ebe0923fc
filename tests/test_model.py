import datetime as dt

import pytest
from hypothesis import given, strategies as st

from policy_atlas.model import FuzzyDate, ModelError, Statement, coerce_value, load_schema


def test_fuzzy_date_precision_and_bounds():
    year, month, day = FuzzyDate.parse("2016"), FuzzyDate.parse("2018-03"), FuzzyDate.parse("2015-08-21")
    assert (year.precision, month.precision, day.precision) == ("year", "month", "day")
    assert year.first_day() == dt.date(2016, 1, 1) and year.last_day() == dt.date(2016, 12, 31)
    assert month.last_day() == dt.date(2018, 3, 31)
    assert str(day) == "2015-08-21"


@pytest.mark.parametrize("bad", ["2016-13", "2018-02-30", "21/08/2015", "", "20166"])
def test_bad_dates_are_refused(bad):
    with pytest.raises(ModelError):
        FuzzyDate.parse(bad)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_date_round_trip(day):
    parsed = FuzzyDate.parse(day.isoformat())
    assert parsed.first_day() == parsed.last_day() == day
    assert FuzzyDate.parse(str(parsed)) == parsed


def test_schema_inheritance_and_required_types():
    schema = load_schema()
    for name in ["Government", "Agency", "Organisation", "Body", "Plan", "LegalAct", "Subsidy", "Programme",
                 "Training", "Tool", "Helpline", "Municipality", "Province", "Arrondissement", "Event", "Document",
                 "Critique", "Recommendation", "Respondent", "Measure"]:
        spec = schema.get_type(name)
        assert set(spec.labels) == {"nl", "fr", "de", "en"}, name
        assert "name" in spec.properties  # inherited from Thing
    assert schema.get_property("Subsidy", "recipient").range == ("Municipality", "Organisation")
    assert schema.types["Training"].is_a("Programme")
    with pytest.raises(ModelError, match="unknown entity type"):
        schema.get_type("Thing")  # abstract


def test_coerce_values():
    schema = load_schema()
    assert coerce_value(schema.get_property("Subsidy", "amount"), 56775) == "56775.00"
    assert coerce_value(schema.get_property("Subsidy", "kind"), "one_off") == "one_off"
    with pytest.raises(ModelError, match="one of"):
        coerce_value(schema.get_property("Subsidy", "kind"), "yearly")
    with pytest.raises(ModelError, match="whole number"):
        coerce_value(schema.get_property("Subsidy", "recipient_count"), 2.5)
    with pytest.raises(ModelError, match="URL"):
        coerce_value(schema.get_property("Thing".replace("Thing", "Document"), "url"), "ftp://x")


def test_statement_identity_and_validity():
    a = Statement("subsidy/x", "recipient", "mun/21001", "entity", valid_from=FuzzyDate.parse("2016"),
                  valid_to=FuzzyDate.parse("2018"), source="far-2019", locator="fn 1")
    b = Statement("subsidy/x", "recipient", "mun/21001", "entity", valid_from=FuzzyDate.parse("2016"),
                  valid_to=FuzzyDate.parse("2018"), source="far-2019", locator="fn 1", origin="elsewhere")
    assert a.id == b.id  # the origin is not part of a statement's identity
    assert not a.holds_on(dt.date(2015, 12, 31))
    assert a.holds_on(dt.date(2016, 1, 1)) and a.holds_on(dt.date(2018, 12, 31))
    assert not a.holds_on(dt.date(2019, 1, 1))


def test_report_footnotes_are_found_in_order():
    from policy_atlas.sourcetext import open_source, shared_dir

    report = open_source(str(shared_dir() / "sources/belgian-approach-to-radicalisation-2019.nl.txt"))
    notes = report.footnotes
    assert list(notes) == list(range(1, 167))
    assert notes[71].text == "FOD Binnenlandse Zaken, 2013"
    assert notes[137].text == "Minister van Veiligheid en Binnenlandse Zaken, & Minister van Justitie,2018, , pp. 3-4."
    assert "veiligheids- en samenlevingscontract" in notes[69].text  # a real hyphen survives, line breaks do not
