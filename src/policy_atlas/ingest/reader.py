"""Read a policy document and propose the facts it holds. Nothing is written to the atlas: the result is
a report of mentions (each with file, page, line, offsets, language and the sentence quoted) and of
proposed statements, each marked as already held by the atlas, conflicting with it, or new."""
from __future__ import annotations

import bisect
import datetime as dt
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterable

from . import extract
from .facts import FactFinder, PageView
from .mentions import Recognizer, fold, mask_urls
from .values import Mention, values
from ..model import FuzzyDate
from ..queries import Atlas
from ..sourcetext import unwrap

LANGUAGES = ["nl", "fr", "de", "en"]
SENTENCE_END = re.compile(r"[.!?](?:\d{1,3})?[\"”’)]?\s+(?=[A-ZÀ-Ý«\"“‘(\[])|\n[ \t]*\n")
PARAGRAPH = re.compile(r"\n[ \t]*\n")
SINCE = {"sinds", "vanaf", "depuis", "since", "seit"}
LOOKBACK_SENTENCES = 2


def _model_cache() -> Path:
    from importlib.metadata import version

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policy-atlas"
    return root / f"langid-{version('py3langid')}-{'-'.join(sorted(LANGUAGES))}.npz"


def _load_identifier():
    """py3langid's model restricted to our four languages. Its shipped file is LZMA-compressed and takes ~0.7 s
    to open; the restricted tables are kept uncompressed in the user's cache, which opens in a tenth of that."""
    import array

    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    cache = _model_cache()
    if cache.exists():
        try:
            with np.load(cache) as d:
                return LanguageIdentifier(
                    d["ptc"], d["pc"], d["classes"].tolist(), array.array("I", d["nextmove"].tobytes()),
                    d["output"].tolist(), norm_probs=True, tk_row=array.array("H", d["row"].tobytes()))
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    threading.Thread(target=_write_model_cache, args=(identifier, cache)).start()  # exit waits for it
    return identifier


def _write_model_cache(identifier, cache: Path) -> None:
    import numpy as np

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(partial, ptc=identifier.nb_ptc, pc=identifier.nb_pc, classes=np.array(identifier.nb_classes),
                 nextmove=np.frombuffer(identifier.tk_nextmove, dtype=np.uint32),
                 row=np.frombuffer(identifier.tk_row, dtype=np.uint16),
                 output=np.array(identifier.tk_output, dtype=np.int64))
        partial.replace(cache)
    except OSError:
        pass  # no writable cache: the next run loads the compressed model again


@cache
def _identifier_future() -> Future:
    """The language model takes ~0.7 s to decompress; it loads in a thread while the recognizer is built."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="langid").submit(_load_identifier)


def _language_identifier():
    return _identifier_future().result()


LETTERS = re.compile(r"[^\W\d_]")
SAMPLE = 1000  # characters: a paragraph's language is clear long before its end


def language(text: str) -> str | None:
    """nl / fr / de / en for a paragraph, or None when it is too short to tell."""
    sample = text[:SAMPLE]
    if len(LETTERS.findall(sample)) < 25:
        return None
    return _language_identifier().classify(sample)[0]


@dataclass
class Span:
    start: int
    end: int


def _spans(text: str, pattern: re.Pattern) -> list[Span]:
    out, start = [], 0
    for m in pattern.finditer(text):
        out.append(Span(start, m.start() + (1 if m.group()[:1] in ".!?" else 0)))
        start = m.end()
    out.append(Span(start, len(text)))
    return [s for s in out if text[s.start:s.end].strip()]


class Ingester:
    """One recognizer and one atlas snapshot, many documents."""

    def __init__(self, atlas: Atlas, recognizer: Recognizer | None = None):
        _identifier_future()
        self.atlas = atlas
        self.recognizer = recognizer or Recognizer.build(atlas)
        self.facts = FactFinder(self)
        self.acts: dict[str, list[str]] = {}
        for act in atlas.chunked(atlas.entities_of("LegalAct")):
            for st in atlas.values(act, "signed"):
                self.acts.setdefault(str(st.value), []).append(act)
            for st in atlas.values(act, "numac"):
                self.acts.setdefault(f"numac:{st.value}", []).append(act)

    def loaded(self) -> Ingester:
        """This ingester once its language model has loaded (it loads in a thread): a reader process limits its
        memory only after that, so numpy's start-up never runs under the limit."""
        _language_identifier()
        return self

    def link(self, m: Mention) -> Mention:
        """A legal reference or numac number of an act the atlas holds becomes a mention of that act."""
        key = f"numac:{m.value}" if m.kind == "numac" else (m.value or "").rsplit(" ", 1)[-1]
        acts = self.acts.get(key, []) if m.kind in ("legal", "numac") else []
        if len(acts) != 1:
            return m
        return Mention("entity" if m.kind == "legal" else "numac", acts[0], m.surface, m.start, m.end, m.value)

    def read(self, name: str, data: bytes, on_page: Callable[[int, int], None] | None = None,
             limits: extract.Limits = extract.DEFAULT_LIMITS) -> dict:
        try:
            doc = extract.extract(name, data, limits)
        except extract.ExtractError as exc:
            return {"file": name, "error": str(exc)}
        pages, mentions, proposals, langs = [], [], [], {}
        for page in doc.pages:
            found, props, page_langs = self.read_page(name, page)
            mentions += found
            proposals += props
            for lang, n in page_langs.items():
                langs[lang] = langs.get(lang, 0) + n
            pages.append({"page": page.number, "column": page.column, "characters": len(page.text),
                          "ocr": page.ocr is not None, "warnings": page.warnings})
            if on_page:
                on_page(page.number, doc.pages[-1].number)
        return {"file": name, "format": doc.format, "pages": doc.pages[-1].number, "page_parts": pages, "languages": langs,
                "mentions": mentions, "proposals": _merge(proposals)}

    def mentions(self, text: str) -> list[Mention]:
        """Names first; then values (dates, amounts, legal references) outside the names, linked to acts."""
        scan = mask_urls(text)
        names = self.recognizer.find(scan)
        covered = bytearray(len(text) + 1)
        for m in names:
            covered[m.start:m.end] = b"\x01" * (m.end - m.start)
        return sorted(names + [self.link(v) for v in values(scan) if covered.find(1, v.start, v.end) == -1],
                      key=lambda m: m.start)

    def read_page(self, name: str, page: extract.Page) -> tuple[list[dict], list[dict], dict[str, int]]:
        text = page.text
        sentences = _spans(text, SENTENCE_END)
        found = self.mentions(text)
        paragraphs = _spans(text, PARAGRAPH)
        para_lang = [(p, language(text[p.start:p.end])) for p in paragraphs]  # the model is loaded by now
        langs: dict[str, int] = {}
        for _, lang in para_lang:
            if lang:
                langs[lang] = langs.get(lang, 0) + 1
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        para_starts = [p.start for p, _ in para_lang]
        out, by_sentence = [], [[] for _ in sentences]
        s_index = 0
        for m in found:
            while s_index + 1 < len(sentences) and sentences[s_index].end <= m.start:
                s_index += 1
            sentence = sentences[s_index]
            by_sentence[s_index].append(m)
            at = bisect.bisect_right(para_starts, m.start) - 1
            lang = para_lang[at][1] if at >= 0 and m.start < para_lang[at][0].end else None
            out.append({**m.as_dict(), "file": name, "page": page.number, "column": page.column,
                        "line": _line(line_starts, m.start), "language": lang,
                        "ocr_confidence": _confidence(page.ocr, m.start, m.end),
                        "sentence": unwrap(text[sentence.start:sentence.end])})
        proposals = self._propose(name, page, text, sentences, by_sentence, line_starts)
        first = paragraphs[0] if paragraphs else Span(0, 0)
        view = PageView(name, page.number, page.column, text, sentences, by_sentence, paragraphs,
                        lambda offset: _line(line_starts, offset),
                        heading=text[first.start:first.end] if first.end - first.start < 200 else "")
        return out, proposals + self.facts.find(view), langs

    def _propose(self, name, page, text, sentences, by_sentence, line_starts) -> list[dict]:
        out = []
        last_subsidy, last_index = None, -LOOKBACK_SENTENCES - 1
        for index, (span, ms) in enumerate(zip(sentences, by_sentence)):
            subsidies = [m for m in ms if m.kind == "entity" and self.atlas.types.get(m.id) == "Subsidy"]
            if subsidies:
                last_subsidy, last_index = subsidies[-1], index
            elif (last_subsidy is None or index - last_index > LOOKBACK_SENTENCES
                  or not _same_paragraph(text, sentences, last_index, index)):
                continue
            subsidy = last_subsidy
            valid_from, valid_to = _period(text, ms)
            where = {"file": name, "page": page.number, "column": page.column, "line": _line(line_starts, span.start),
                     "kind": "statement", "subject_type": "Subsidy", "confidence": 0.8,
                     "quote": unwrap(text[span.start:span.end])}
            for m in ms:
                if m.kind == "municipality":
                    out.append(self._fact(subsidy.id, "recipient", m.id, valid_from, valid_to, where,
                                          [subsidy.surface, m.surface]))
                elif m.kind == "amount":
                    out.append(self._fact(subsidy.id, "amount", m.value, valid_from, valid_to, where,
                                          [subsidy.surface, m.surface]))
        return out

    def _fact(self, subject, prop, value, valid_from, valid_to, where, evidence) -> dict:
        status, held = self.compare(subject, prop, value, valid_from, valid_to)
        return {"subject": subject, "subject_label": self.atlas.label(subject), "property": prop, "value": value,
                "value_label": self.atlas.label(value) if prop == "recipient" else value,
                "valid_from": valid_from, "valid_to": valid_to, "status": status, "atlas": held,
                "evidence": evidence, **where}

    def compare(self, subject, prop, value, valid_from, valid_to) -> tuple[str, list[dict]]:
        """held: the atlas has this value (with overlapping dates); conflict: same value with dates that
        cannot overlap, or another amount; new: nothing of the kind."""
        existing = self.atlas.values(subject, prop)
        same = [s for s in existing if s.value == value]
        held = [{"id": s.id, "value": s.value, "valid_from": str(s.valid_from or "") or None,
                 "valid_to": str(s.valid_to or "") or None, "locator": s.locator} for s in (same or existing)]
        if same:
            if any(_overlaps(s.valid_from, s.valid_to, valid_from, valid_to) for s in same):
                return "held", held
            return "conflict", held
        if prop == "amount" and existing:
            return "conflict", held
        return "new", []


def _confidence(words: list[tuple[int, int, float]] | None, start: int, end: int) -> float | None:
    """The lowest OCR confidence (0–100) of the words a mention covers; None for a text layer."""
    if words is None:
        return None
    covered = [c for s, e, c in words if s < end and e > start]
    return round(min(covered), 1) if covered else None


def _same_paragraph(text: str, sentences: list[Span], a: int, b: int) -> bool:
    between = text[sentences[a].start:sentences[b].start]
    return not PARAGRAPH.search(between)


def _line(line_starts: list[int], offset: int) -> int:
    return bisect.bisect_right(line_starts, offset)


def _period(text: str, ms: list[Mention]) -> tuple[str | None, str | None]:
    for m in ms:
        if m.kind == "period":
            start, end = m.value.split("/")
            return start, end
    years = [m for m in ms if m.kind == "year"]
    if len(years) == 1:
        before = fold(text[max(0, years[0].start - 12):years[0].start]).split()
        if before and before[-1] in SINCE:
            return years[0].value, None
        return years[0].value, years[0].value
    return None, None


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    def first(v, default):
        return FuzzyDate.parse(str(v)).first_day() if v else default

    def last(v, default):
        return FuzzyDate.parse(str(v)).last_day() if v else default

    lo, hi = dt.date.min, dt.date.max
    return first(a_from, lo) <= last(b_to, hi) and first(b_from, lo) <= last(a_to, hi)


def _merge(proposals: list[dict]) -> list[dict]:
    """One proposal per fact and period; repeated evidence is kept as extra places."""
    merged: dict[tuple, dict] = {}
    for p in proposals:
        key = (p["subject"], p["property"], p["value"], p["valid_from"], p["valid_to"])
        if key in merged:
            merged[key].setdefault("also_at", []).append({k: p[k] for k in ("file", "page", "line")})
        else:
            merged[key] = p
    return list(merged.values())


def summary(results: Iterable[dict]) -> dict:
    results = list(results)
    ok = [r for r in results if "error" not in r]
    kinds: dict[str, int] = {}
    for r in ok:
        for m in r["mentions"]:
            kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
    status: dict[str, int] = {}
    for r in ok:
        for p in r["proposals"]:
            status[p["status"]] = status.get(p["status"], 0) + 1
    return {"files": len(results), "failed": len(results) - len(ok), "mentions": kinds, "proposals": status}
