"""Search: one box over labels, aliases and descriptions in every language, folded for case and accents,
with facets by type, tier (level), region and year range."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import gazetteer as gaz
from .queries import Atlas

DESCRIPTION_PROPS = ("description", "short", "task", "purpose")
HIDDEN_TYPES = ("Respondent",)
FACETS = {"type": lambda hit: [hit["type"]], "tier": lambda hit: [hit["tier"]],
          "region": lambda hit: hit["regions"], "government": lambda hit: hit["governments"]}


@dataclass
class Doc:
    id: str
    names: list[str]
    text: str
    type: str
    tier: str
    regions: list[str]
    governments: list[str]
    start: int | None
    end: int | None


@dataclass
class Index:
    atlas: Atlas
    docs: list[Doc] = field(default_factory=list)

    @classmethod
    def build(cls, atlas: Atlas) -> Index:
        index = cls(atlas)
        exonyms: dict[str, list[str]] = {}
        for form, entry in gaz.load().exonyms.items():
            exonyms.setdefault(f"mun/{entry['nis']}", []).append(form)
        for eid, kind in atlas.types.items():
            if kind in HIDDEN_TYPES:
                continue
            names = list(atlas.labels(eid).values()) + [s.value for s in atlas.values(eid, "alias")]
            if kind == "Municipality":
                mun = gaz.load().get(eid)
                names += [n for n in (mun.name_nl, mun.name_fr, mun.name_de) if n] + exonyms.get(eid, [])
            texts = [s.value for p in DESCRIPTION_PROPS for s in atlas.values(eid, p)]
            start, end = atlas.period_of(eid)
            governments = [eid] if kind == "Government" else [s.value for s in atlas.values(eid, "government")]
            index.docs.append(Doc(eid, [gaz.normalize(n) for n in names], gaz.normalize(" ".join(texts)), kind,
                                  atlas.tier_of(eid), atlas.regions_of(eid), governments, _year(start), _year(end)))
        return index

    def search(self, q: str = "", types: list[str] | None = None, tier: str | None = None,
               region: str | None = None, year_from: int | None = None, year_to: int | None = None,
               government: str | None = None) -> list[dict]:
        terms = gaz.normalize(q).split()
        hits = []
        for doc in self.docs:
            score = _score(doc, terms)
            if score is None or not _passes(doc, types, tier, region, government, year_from, year_to):
                continue
            hits.append((score, doc))
        hits.sort(key=lambda h: (-h[0], self.atlas.label(h[1].id).casefold()))
        return [self._hit(doc, score) for score, doc in hits]

    def facets(self, hits: list[dict]) -> dict[str, dict[str, int]]:
        """Per facet, how many hits have each value, most frequent first."""
        return {name: dict(Counter(v for hit in hits for v in values_of(hit)).most_common())
                for name, values_of in FACETS.items()}

    def _hit(self, doc: Doc, score: int) -> dict:
        return {"id": doc.id, "type": doc.type, "tier": doc.tier, "regions": doc.regions, "governments": doc.governments,
                "start": doc.start, "end": doc.end, "score": score}


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value else None


def _score(doc: Doc, terms: list[str]) -> int | None:
    """3 for an exact name, 2 when every term starts a word of a name, 1 when every term is in the text."""
    if not terms:
        return 0
    phrase = " ".join(terms)
    if phrase in doc.names:
        return 3
    for name in doc.names:
        words = name.split()
        if all(any(w.startswith(t) for w in words) for t in terms):
            return 2
    haystack = " ".join(doc.names) + " " + doc.text
    return 1 if all(t in haystack for t in terms) else None


def _passes(doc: Doc, types, tier, region, government, year_from, year_to) -> bool:
    if types and doc.type not in types:
        return False
    if tier and doc.tier != tier:
        return False
    if region and region not in doc.regions:
        return False
    if government and government not in doc.governments:
        return False
    if year_from is not None and doc.end is not None and doc.end < year_from:
        return False
    if year_to is not None and doc.start is not None and doc.start > year_to:
        return False
    if (year_from is not None or year_to is not None) and doc.start is None and doc.end is None:
        return False
    return True
