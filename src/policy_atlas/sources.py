"""Source records: the kinds of source, the fields each kind needs, and their validation.

A source is declared in `sources.yaml` or under `sources:` in any dataset file (see docs/dataset.md).
A source may say `corpus: NNN.xx`: its path, URL, title, publisher, language and dates then come from
the shared corpus index, and its quotes are checked word for word against the held text.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .model import FuzzyDate, ModelError

# kind -> fields that must have a value; "publisher|author" means one of them.
KINDS: dict[str, tuple[str, ...]] = {
    "report": ("title", "language"),
    "legal": ("title", "publisher", "language", "published", "numac|eli"),
    "parliamentary": ("title", "publisher", "language", "url", "retrieved", "document|question"),
    "webpage": ("title", "publisher", "language", "url", "retrieved"),
    "press": ("title", "publisher", "language", "url", "retrieved", "published"),
    "annual-report": ("title", "publisher", "language", "published"),
    "dataset": ("title", "publisher|author"),
    "editorial": ("title",),
}
# kinds whose statements, without a held text, need a locator and quote at most one sentence
QUOTE_LIMITED = {"legal", "parliamentary", "webpage", "press", "annual-report", "report"}
FIELDS = {"id", "kind", "title", "publisher", "publisher_kind", "author", "url", "published", "retrieved",
          "language", "path", "corpus", "numac", "eli", "document", "question", "note", "license", "path_data",
          "footnotes", "locators", "excerpt", "topics"}
CORPUS_KIND = {"parliament": "parliamentary", "legal": "legal"}  # publisher_kind -> kind; the rest are web pages
CORPUS_RE = re.compile(r"^\d{3}\.(nl|fr|de)$")
NUMAC_RE = re.compile(r"^\d{10}$")
MAX_QUOTE = 300
_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[\"'«„“(]?[A-ZÀ-Ý]")


@cache
def corpus_index(shared: Path) -> dict[str, dict]:
    """The shared corpus index by id (`001.nl`), or empty when the corpus is not there."""
    path = shared / "corpus" / "index.json"
    if not path.is_file():
        return {}
    return {Path(d["file"]).name.removesuffix(".txt"): d for d in json.loads(path.read_text("utf-8"))}


def from_corpus(rec: dict, shared: Path) -> tuple[dict, list[str]]:
    """Fill a record's missing fields from the corpus index entry it names."""
    cid = str(rec["corpus"])
    if not CORPUS_RE.match(cid):
        return rec, [f"corpus must look like NNN.xx (e.g. 014.fr), not {cid!r}"]
    entry = corpus_index(shared).get(cid)
    if entry is None:
        return rec, [f"corpus text {cid} is not in {shared / 'corpus' / 'index.json'}"]
    filled = {"kind": CORPUS_KIND.get(entry["publisher_kind"], "webpage"), "path": f"corpus/{entry['file']}",
              "url": entry["url"], "title": entry["title"], "publisher": entry["publisher"],
              "publisher_kind": entry["publisher_kind"], "language": entry["language"],
              "published": entry["date"], "retrieved": entry["retrieved"], "excerpt": entry["excerpt"]}
    return {**filled, **rec}, []


def is_url(text: Any) -> bool:
    if not isinstance(text, str) or re.search(r"\s", text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "")


def check(rec: dict, languages: list[str], today: dt.date | None = None) -> tuple[dict, list[str]]:
    """Validate one source record; return it with dates written as text, and the problems found."""
    problems: list[str] = []
    out = dict(rec)
    kind = rec.get("kind")
    if kind not in KINDS:
        return out, [f"kind must be one of {', '.join(KINDS)}, not {kind!r}"]
    for key in sorted(set(rec) - FIELDS):
        hint = " (use `published:`)" if key in ("year", "date") else ""
        problems.append(f"unknown source field {key!r}{hint}")
    for need in KINDS[kind]:
        if not any(rec.get(k) not in (None, "") for k in need.split("|")):
            problems.append(f"a {kind} source needs {' or '.join(f'`{k}:`' for k in need.split('|'))}")
    for key in ("url", "eli"):
        if rec.get(key) is not None and not is_url(rec[key]):
            problems.append(f"{key} is not a well-formed http(s) URL: {rec[key]!r}")
    if rec.get("eli") and "/eli/" not in str(rec["eli"]):
        problems.append(f"eli must be a European Legislation Identifier URL (…/eli/…), not {rec['eli']!r}")
    if rec.get("numac") is not None:
        out["numac"] = str(rec["numac"])
        if not NUMAC_RE.match(out["numac"]):
            problems.append(f"numac has 10 digits, not {rec['numac']!r}")
    if rec.get("language") is not None and rec["language"] not in languages:
        problems.append(f"unknown language {rec['language']!r} (known: {', '.join(languages)})")
    dates = {}
    for key in ("published", "retrieved"):
        if rec.get(key) is None:
            continue
        try:
            dates[key] = FuzzyDate.parse(rec[key])
            out[key] = str(dates[key])
        except ModelError as exc:
            problems.append(f"{key}: {exc}")
    today = today or dt.date.today()
    if "published" in dates and "retrieved" in dates and dates["published"].first_day() > dates["retrieved"].last_day():
        problems.append(f"published {dates['published']} is after retrieved {dates['retrieved']}")
    for key, date in dates.items():
        if date.first_day() > today:
            problems.append(f"{key} {date} is in the future")
    return out, problems


def quote_problem(quote: str) -> str | None:
    """A quote from a source whose text the atlas does not hold: at most one sentence, at most 300 characters."""
    if len(quote) > MAX_QUOTE:
        return f"a quote from a source without a held text is at most {MAX_QUOTE} characters (this has {len(quote)})"
    if _SENTENCE_BREAK.search(quote.rstrip()):
        return "a quote from a source without a held text is at most one sentence"
    return None
