"""Values in running text: dates and periods, amounts in euro, legal references, numac numbers and footnote
markers. Month names come from the CLDR data that Babel ships (nl, fr, de, en; wide and abbreviated), numbers
are parsed by `babel.numbers.parse_decimal` in the locale whose separators the number uses, and a date that
does not exist in the calendar (31/02/2019, 31 février 2019) is no date."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.dates import get_month_names
from babel.numbers import NumberFormatError, parse_decimal

LOCALES = ("nl", "fr", "de", "en")
YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
MULTIPLIERS = {"miljoen": 10**6, "million": 10**6, "millions": 10**6, "millionen": 10**6, "mio": 10**6,
               "miljard": 10**9, "milliard": 10**9, "milliards": 10**9, "milliarden": 10**9, "mrd": 10**9,
               "billion": 10**9}
SCALE = r"(miljoen|miljard|millions?|milliards?|Millionen|Milliarden|billion|Mio\.?|Mrd\.?)"
HALF = r"(een\s+half|anderhalf|un\s+demi|une?\s+demi|eine[nr]?\s+halben?|half\s+a)"
HALVES = {"anderhalf": "1.5"}
NUMBER = r"(\d{1,3}(?:[.,\s  ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
ACT = (r"(?:[Mm]inisteriële\s+)?[Oo]mzendbrief|[Ww]et|[Kk]oninklijk\s+[Bb]esluit|KB|[Bb]esluit\s+van\s+de\s+"
       r"Vlaamse\s+Regering|[Dd]ecreet|[Oo]rdonnantie|[Cc]irculaire|[Ll]oi|[Aa]rrêté\s+royal|[Dd]écret|"
       r"[Oo]rdonnance|[Gg]esetz(?:es)?|[Dd]ekret(?:s)?|[Rr]undschreiben?s?|[Kk]önigliche[nr]?\s+[Ee]rlass(?:es)?|"
       r"[Ee]rlass(?:es)?")


@dataclass(frozen=True)
class Mention:
    kind: str
    id: str | None
    surface: str
    start: int
    end: int
    value: str | None = None
    confidence: float = 1.0  # lower for a name read through a spelling error the context makes certain

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "surface": self.surface, "start": self.start, "end": self.end,
                "value": self.value, "confidence": self.confidence}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().casefold().rstrip(".")


@cache
def months() -> dict[str, int]:
    """Folded month name → number, from CLDR (Babel) in the four languages, wide and abbreviated forms."""
    out: dict[str, int] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    out.setdefault(_fold(name), number)
    return out


@cache
def _month_words() -> str:
    """A regex alternation of every month name as printed: accented or not, abbreviations with their dot."""
    forms = set()
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for name in get_month_names(width, context, locale=locale).values():
                    bare = name.rstrip(".")
                    forms |= {bare, _fold(bare)}
    return "|".join(re.escape(f) + (r"\.?" if len(f) <= 4 else "") for f in sorted(forms, key=len, reverse=True))


def month(word: str) -> int | None:
    return months().get(_fold(word))


def date(year: int | str, month_number: int | None, day: int | str) -> str | None:
    """ISO date, or None when the calendar has no such day."""
    try:
        return dt.date(int(year), int(month_number or 0), int(day)).isoformat()
    except ValueError:
        return None


def amount(number: str, scale: str | None = None, lang: str | None = None) -> str | None:
    """A printed number (56.775, 1,5, 1.5, 10 000, 2.500.000,00) times its scale word, as '1500000.00'.
    The locale is the one whose separators the number uses: with both . and , the last one is the decimal
    mark; one mark followed by exactly three digits groups thousands unless the text is English and a scale
    word follows (EUR 1.500 million is rare, 1.500 euro is not)."""
    digits = re.sub(r"[\s  ]", "", number)
    marks = re.sub(r"\d", "", digits)
    if not marks:
        locale = "en"
    elif "." in marks and "," in marks:
        locale = "en" if digits.rfind(".") > digits.rfind(",") else "nl"
    elif re.fullmatch(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*", digits) and not (scale and lang == "en"):
        locale = "nl" if marks[0] == "." else "en"
    else:
        locale = "en" if marks[0] == "." else "nl"
    try:
        value = parse_decimal(digits, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        return None
    factor = MULTIPLIERS.get(_fold(scale or ""), 1)
    return f"{(value * factor).quantize(Decimal('0.01'))}"


@cache
def patterns() -> list[tuple[str, re.Pattern]]:
    months_re = _month_words()
    day_month_year = rf"(\d{{1,2}})(?:er|\.)?\s+({months_re})\s+({YEAR})"
    return [
        ("numac", re.compile(r"\bnumac\s*:?\s*(\d{10})\b", re.I)),
        ("eli", re.compile(r"\bhttps?://www\.ejustice\.just\.fgov\.be/eli/\S+|\bELI\s*:?\s*\S+", re.I)),
        ("legal", re.compile(rf"\b(?:{ACT})\s+(?:van|du|vom|of)?\s*(?:{day_month_year}|(\d{{1,2}})/(\d{{1,2}})/({YEAR}))",
                             re.I)),
        ("legal", re.compile(rf"\(({YEAR}),\s*({months_re})\s+(\d{{1,2}})\)\.\s+(?:{ACT})", re.I)),
        ("legal", re.compile(rf"\b{day_month_year}\.?\s*[-–—]\s*(?:{ACT})\b", re.I)),  # the Official Journal's titles
        ("days", re.compile(rf"\b(\d{{1,2}})\.?\s*(?:bis|tot|au|à|to|-|–)\s*(\d{{1,2}})(?:er|\.)?\s+({months_re})\s+"
                            rf"({YEAR})\b", re.I)),
        ("period", re.compile(rf"\b(?:van|vanaf|from|de|du|von)\s+({YEAR})\s+(?:tot|tot en met|to|until|à|au|"
                              rf"jusqu'en|bis)\s+({YEAR})\b", re.I)),
        ("period", re.compile(rf"\b({YEAR})\s*[-–/]\s*({YEAR})\b")),
        ("date", re.compile(rf"\b(\d{{1,2}})[/.-](\d{{1,2}})[/.-]({YEAR})\b")),
        ("date", re.compile(rf"\b{day_month_year}\b", re.I)),
        ("month", re.compile(rf"\b({months_re})\s+({YEAR})\b", re.I)),
        ("year", re.compile(rf"(?<![\d/.,])\b({YEAR})\b(?![\d/]|,\d)")),
        ("amount", re.compile(rf"\b{HALF}[-\s]+{SCALE}\s+(?:d['’]\s*)?(?:€|(?:euros?|EUR)\b)", re.I)),
        ("amount", re.compile(rf"(?:€|EUR|euro)\s*{NUMBER}\s*{SCALE}?", re.I)),
        ("amount", re.compile(rf"\b{NUMBER}\s*{SCALE}?\s*(?:d['’]\s*|an\s+)?(?:€|(?:euros?|EUR)\b)", re.I)),
        ("footnote", re.compile(r"(?<=[a-zà-ÿ\)\]’'\".,;:])(\d{1,3})(?=\s|$)")),
    ]


def values(text: str, lang: str | None = None) -> list[Mention]:
    """Dates, periods, amounts, legal references, numac numbers and footnote markers, longest first. An
    impossible date takes its place (its year is not read as a year) but gives no mention."""
    taken = bytearray(len(text) + 1)
    out: list[Mention] = []
    for kind, pattern in patterns():
        for m in pattern.finditer(text):
            if taken.find(1, m.start(), m.end()) != -1:
                continue
            value = _value(kind, m, lang)
            if value is None and kind not in ("date", "legal", "days"):
                continue
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            if value is not None:
                kind_out = {"month": "date", "days": "period"}.get(kind, kind)
                out.append(Mention(kind_out, None, m.group(), m.start(), m.end(), value))
    return sorted(out, key=lambda x: x.start)


def _value(kind: str, m: re.Match, lang: str | None) -> str | None:
    g = m.groups()
    if kind == "period":
        return f"{g[0]}/{g[1]}" if g[0] < g[1] else None
    if kind == "days":  # 18 to 20 May 2025: a period of days
        first, last = date(g[3], month(g[2]), g[0]), date(g[3], month(g[2]), g[1])
        return f"{first}/{last}" if first and last and first < last else None
    if kind == "date":
        return date(g[2], int(g[1]) if g[1].isdigit() else month(g[1]), g[0])
    if kind == "month":
        number = month(g[0])
        return f"{g[1]}-{number:02d}" if number else None
    if kind == "year":
        return g[0]
    if kind == "amount" and not g[0][:1].isdigit():
        return amount(HALVES.get(_fold(g[0]), "0.5"), g[1], "en")
    if kind == "amount":
        return amount(g[0], g[1], lang)
    if kind == "footnote":
        return g[0] if 0 < int(g[0]) <= 999 else None
    if kind == "numac":
        return m.group(1)
    if kind == "eli":
        return m.group().rstrip(".,;)")
    return legal_value(m.group())


def legal_value(text: str) -> str | None:
    """The act and its date: "Koninklijk besluit 2013-09-04"; None when that date does not exist."""
    act = re.search(ACT, text)
    months_re = _month_words()
    apa = re.search(rf"\(({YEAR}),\s*({months_re})\s+(\d{{1,2}})\)", text, re.I)
    numeric = re.search(rf"(\d{{1,2}})/(\d{{1,2}})/({YEAR})", text)
    named = re.search(rf"(\d{{1,2}})(?:er|\.)?\s+({months_re})\s+({YEAR})", text, re.I)
    if apa:
        when = date(apa.group(1), month(apa.group(2)), apa.group(3))
    elif numeric:
        when = date(numeric.group(3), int(numeric.group(2)), numeric.group(1))
    elif named:
        when = date(named.group(3), month(named.group(2)), named.group(1))
    else:
        return re.sub(r"\s+", " ", text)
    name = re.sub(r"\s+", " ", act.group()) if act else "act"
    return f"{name} {when}" if when else None
