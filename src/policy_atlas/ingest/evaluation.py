"""Scoring the ingester against hand-annotated passages of the report: precision, recall and F1 per kind of
mention and for proposed facts, for the ingester and for a plain exact-match baseline."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .extract import Page
from .reader import Ingester
from .mentions import Recognizer
from ..queries import Atlas
from ..sourcetext import shared_dir

REPORT = "sources/belgian-approach-to-radicalisation-2019.nl.txt"
KINDS = ("municipality", "entity")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3)}


def load_annotations(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text("utf-8"))["passages"]


def passage_text(passage: dict) -> str:
    lines = (shared_dir() / REPORT).read_text("utf-8").split("\n")
    first, last = passage["lines"]
    return "\n".join(lines[first - 1:last])


def _surface_pattern(surface: str) -> re.Pattern:
    """The surface as printed: any white space, and a line-break hyphen between any two letters."""
    parts = []
    for ch in surface:
        parts.append(r"\s+" if ch.isspace() else re.escape(ch) + r"(?:-[ \t]*\n[ \t]*)?")
    return re.compile("".join(parts))


def gold_spans(passage: dict, text: str) -> list[tuple[str, str, int, int]]:
    """(kind, id, start, end) for each annotated mention, found in order in the passage text."""
    out, cursor = [], 0
    for surface, eid in passage["mentions"]:
        m = _surface_pattern(surface).search(text, cursor)
        if m is None:
            raise ValueError(f"{passage['id']}: {surface!r} not found after offset {cursor}")
        kind = "municipality" if eid.startswith("mun/") else "entity"
        out.append((kind, eid, m.start(), m.end()))
        cursor = m.end()
    return out


def match(gold: list[tuple], found: list[tuple]) -> dict[str, Score]:
    """One-to-one: a found mention is right when it has the gold id and overlaps the gold span."""
    scores = {k: Score() for k in KINDS}
    used: set[int] = set()
    for kind, eid, start, end in gold:
        hit = next((i for i, f in enumerate(found) if i not in used and f[1] == eid and f[2] < end and start < f[3]), None)
        if hit is None:
            scores[kind].fn += 1
        else:
            used.add(hit)
            scores[kind].tp += 1
    for i, f in enumerate(found):
        if i not in used and f[0] in scores:
            scores[f[0]].fp += 1
    return scores


def evaluate(atlas: Atlas, passages: list[dict], split: str | None = None) -> dict:
    """Scores of the ingester and of the exact-match baseline, per kind and for facts, over one split."""
    ingester = Ingester(atlas)
    baseline = Recognizer.build(atlas, exact=True)
    system = {k: Score() for k in KINDS}
    base = {k: Score() for k in KINDS}
    facts = Score()
    errors: list[dict] = []
    chosen = [p for p in passages if split is None or p["split"] == split]
    for passage in chosen:
        text = passage_text(passage)
        gold = gold_spans(passage, text)
        mentions, proposals, _ = ingester.read_page("report", Page(passage["lines"][0], text))
        found = [(m["kind"], m["id"], m["start"], m["end"]) for m in mentions if m["kind"] in KINDS]
        for kind, score in match(gold, found).items():
            system[kind].add(score)
        plain = [(m.kind, m.id, m.start, m.end) for m in baseline.find(text, exact=True)]  # no URL masking either
        for kind, score in match(gold, plain).items():
            base[kind].add(score)
        expected = {tuple(f) for f in passage.get("facts", [])}
        proposed = {(p["subject"], p["property"], p["value"]) for p in proposals}
        facts.add(Score(len(expected & proposed), len(proposed - expected), len(expected - proposed)))
        errors += _errors(passage["id"], text, gold, found)
    return {"split": split or "all", "passages": len(chosen), "gold_mentions": sum(len(p["mentions"]) for p in chosen),
            "system": {k: s.as_dict() for k, s in system.items()},
            "baseline": {k: s.as_dict() for k, s in base.items()},
            "facts": facts.as_dict(), "errors": errors}


def _errors(pid: str, text: str, gold: list[tuple], found: list[tuple]) -> list[dict]:
    out = []
    for kind, eid, start, end in gold:
        if not any(f[1] == eid and f[2] < end and start < f[3] for f in found):
            out.append({"passage": pid, "type": "missed", "id": eid, "surface": text[start:end]})
    for kind, eid, start, end in found:
        if kind in KINDS and not any(g[1] == eid and g[2] < end and start < g[3] for g in gold):
            out.append({"passage": pid, "type": "spurious", "id": eid, "surface": text[start:end]})
    return out


# -- the shared corpus (../shared/corpus): a fixed split, held-out documents annotated by offsets ----------------

CORPUS = "corpus"
SPLIT_SEED = "policy-atlas issue 10"
HELDOUT_PER_LANGUAGE = {"de": 6, "fr": 8, "nl": 11}


def corpus_split() -> dict[str, list[str]]:
    """The split rule: per language, the index's files in sorted order shuffled with a seeded random.Random; the
    first 6 (de), 8 (fr) and 11 (nl) are held out, the rest are dev."""
    import json
    import random

    index = json.loads((shared_dir() / CORPUS / "index.json").read_text("utf-8"))
    out: dict[str, list[str]] = {"heldout": [], "dev": []}
    for lang, k in sorted(HELDOUT_PER_LANGUAGE.items()):
        files = sorted(d["file"] for d in index if d["language"] == lang)
        random.Random(SPLIT_SEED).shuffle(files)
        out["heldout"] += files[:k]
        out["dev"] += files[k:]
    return {part: sorted(files) for part, files in out.items()}


def corpus_text(file: str) -> str:
    return (shared_dir() / CORPUS / file).read_text("utf-8")


def fact_keys(facts: list[dict]) -> set[tuple]:
    """Gold facts as the keys they are matched on."""
    keys: set[tuple] = set()
    for f in facts:
        if f["kind"] in ("legal", "event"):
            keys.add((f["kind"], f["date"]))
        elif f["kind"] == "count":
            keys.add(("count", int(f["value"])))
        elif f["kind"] == "livcr":
            keys.add(("livcr", f["municipality"]))
        elif f["kind"] == "subsidy":
            keys.add(("amount", f["amount"]) if "amount" in f else ("funder", f["funder"]))
            if "recipient" in f:
                keys.add(("recipient", f["recipient"]))
    return keys


def proposal_keys(proposals: list[dict]) -> set[tuple]:
    """Proposed facts as keys: an act's date, an event's date, a figure's count, an amount, a recipient, a
    municipality's LIVC-R; a new subsidy's funder only when it has no amount. Other statements of the same entity
    (kind, numac, as_of) describe it and are not counted on their own."""
    with_amount = {p["subject"] for p in proposals if p["property"] == "amount"}
    keys: set[tuple] = set()
    for p in proposals:
        prop, value = p["property"], p["value"]
        if prop == "signed":
            keys.add(("legal", value))
        elif p["kind"] == "event" and prop == "date":
            keys.add(("event", value))
        elif prop == "count":
            keys.add(("count", int(value)))
        elif prop == "amount":
            keys.add(("amount", value))
        elif prop == "recipient":
            keys.add(("recipient", value))
        elif prop == "livcr_status":
            keys.add(("livcr", p["subject"]))
        elif prop == "funder" and p["subject"] not in with_amount:
            keys.add(("funder", value))
    return keys


def evaluate_corpus(atlas: Atlas, annotations: dict, part: str = "heldout") -> dict:
    """Mention scores (ingester and exact-match baseline) and fact scores over one annotated part of the corpus."""
    ingester = Ingester(atlas)
    baseline = Recognizer.build(atlas, exact=True)
    system = {k: Score() for k in KINDS}
    base = {k: Score() for k in KINDS}
    facts = Score()
    errors: list[dict] = []
    docs = annotations[part]
    for file, gold_doc in docs.items():
        text = corpus_text(file)
        gold = [(kind, target, start, end) for start, end, kind, target in gold_doc["mentions"]]
        result = ingester.read(file, text.encode("utf-8"))
        known = set(annotations.get("entities_at_annotation") or []) or None
        found = [(m["kind"], m["id"], m["start"], m["end"]) for m in result["mentions"] if m["kind"] in KINDS
                 and (m["kind"] == "municipality" or known is None or m["id"] in known)]
        for kind, score in match(gold, found).items():
            system[kind].add(score)
        plain = [(m.kind, m.id, m.start, m.end) for m in baseline.find(text, exact=True)
                 if m.kind == "municipality" or known is None or m.id in known]
        for kind, score in match(gold, plain).items():
            base[kind].add(score)
        expected, proposed = fact_keys(gold_doc["facts"]), proposal_keys(result["proposals"])
        facts.add(Score(len(expected & proposed), len(proposed - expected), len(expected - proposed)))
        errors += _errors(file, text, gold, found)
        errors += [{"passage": file, "type": "fact missed", "id": str(k)} for k in expected - proposed]
        errors += [{"passage": file, "type": "fact spurious", "id": str(k)} for k in proposed - expected]
    return {"part": part, "documents": len(docs), "gold_mentions": sum(len(d["mentions"]) for d in docs.values()),
            "gold_facts": sum(len(fact_keys(d["facts"])) for d in docs.values()),
            "system": {k: s.as_dict() for k, s in system.items()},
            "baseline": {k: s.as_dict() for k, s in base.items()}, "facts": facts.as_dict(), "errors": errors}
