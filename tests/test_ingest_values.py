"""Dates and amounts read with Babel's locale data: property tests over dates and numbers printed the way each
locale prints them, impossible dates rejected, scale words in three languages."""
import calendar
import datetime as dt
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_atlas.ingest.values import amount, values

LOCALES = ["nl", "fr", "de", "en"]


def found(text, kind):
    return [m.value for m in values(text) if m.kind == kind]


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1950, 1, 1), dt.date(2049, 12, 31)), st.sampled_from(LOCALES))
def test_a_date_printed_in_any_locale_reads_back(day, locale):
    pattern = {"de": "d. MMMM y", "en": "d MMMM y"}.get(locale, "d MMMM y")
    text = f"op {format_date(day, pattern, locale=locale)} werd"
    assert found(text, "date") == [day.isoformat()], text


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1950, 1, 1), dt.date(2049, 12, 31)))
def test_numeric_dates_read_back(day):
    assert found(f"le {day.day}/{day.month:02d}/{day.year}.", "date") == [day.isoformat()]
    assert found(f"am {day.day:02d}.{day.month:02d}.{day.year}", "date") == [day.isoformat()]


@settings(max_examples=200, deadline=None)
@given(st.integers(1950, 2049), st.integers(1, 12), st.integers(29, 31), st.sampled_from(LOCALES))
def test_impossible_dates_are_no_dates(year, month, day, locale):
    if day <= calendar.monthrange(year, month)[1]:
        return
    name = format_date(dt.date(year, month, 1), "MMMM", locale=locale)
    for text in (f"{day}/{month:02d}/{year}", f"{day} {name} {year}", f"Wet van {day} {name} {year}"):
        got = [m for m in values(text) if m.kind in ("date", "legal")]
        assert got == [], (text, got)
        assert found(text, "year") == []  # the year of an impossible date is not read on its own either


@pytest.mark.parametrize("text, value", [
    ("31/02/2019", None), ("31 février 2019", None), ("29 februari 2020", "2020-02-29"),
    ("29 februari 2019", None), ("am 3. März 2020", "2020-03-03"), ("le 1er juillet 2019", "2019-07-01"),
    ("op 4 sept. 2015", "2015-09-04"),
])
def test_dates(text, value):
    assert found(text, "date") == ([value] if value else [])


@pytest.mark.parametrize("text, value", [
    ("EUR 1.5 million", "1500000.00"), ("1,5 miljoen euro", "1500000.00"), ("1,5 million d'euros", "1500000.00"),
    ("56.775 euro", "56775.00"), ("€ 1,2 miljoen", "1200000.00"), ("EUR 10 000", "10000.00"),
    ("1.500.000,00 euro", "1500000.00"), ("1 500 000 €", "1500000.00"), ("2,5 Mio. Euro", "2500000.00"),
    ("EUR 2,000,000.50", "2000000.50"), ("een half miljoen euro", "500000.00"),
    ("anderhalf miljoen euro", "1500000.00"), ("un demi-million d'euros", "500000.00"), ("3 milliards d'euros", "3000000000.00"), ("120 Euro", "120.00"),
])
def test_amounts(text, value):
    assert found(text, "amount") == [value]


@settings(max_examples=300, deadline=None)
@given(st.decimals(Decimal("0.01"), Decimal("99999999.99"), places=2), st.sampled_from(["nl", "de", "fr", "en"]))
def test_amounts_printed_by_babel_read_back(number, locale):
    printed = format_decimal(number, format="#,##0.00", locale=locale)
    lang = "en" if locale == "en" else None
    assert amount(printed, None, lang) == f"{number:.2f}", printed
    assert found(f"een bedrag van {printed} euro", "amount") == [f"{number:.2f}"], printed


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 999), st.integers(0, 9), st.sampled_from([("miljoen euro", "nl"), ("millions d'euros", "fr"),
                                                             ("Millionen Euro", "de")]))
def test_scaled_amounts(whole, tenth, words):
    text = f"{whole},{tenth} {words[0]}"
    assert found(text, "amount") == [f"{(Decimal(whole) + Decimal(tenth) / 10) * 10**6:.2f}"]


@pytest.mark.parametrize("text, value", [
    ("30 JULI 2018. - Wet tot oprichting van", "Wet 2018-07-30"),
    ("30 JUILLET 2018. - Loi portant création", "Loi 2018-07-30"),
    ("aufgrund des Gesetzes vom 10. Juli 2006 über", "Gesetzes 2006-07-10"),
    ("im Königlichen Erlass vom 28. November 2006", "Königlichen Erlass 2006-11-28"),
])
def test_legal_references_as_the_official_journal_and_german_texts_print_them(text, value):
    assert found(text, "legal") == [value]


def test_a_range_of_days_is_a_period():
    assert found("Vom 18. bis 20. Mai 2025 besuchte", "period") == ["2025-05-18/2025-05-20"]
    assert found("du 30 au 31 février 2025", "period") == []
