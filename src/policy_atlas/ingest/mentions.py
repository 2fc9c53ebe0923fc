"""Mentions in running text: municipalities (through the gazetteer), regions, entities already in the atlas
(through their labels and aliases in every language), dates and periods, amounts in euro, legal references,
numac numbers and footnote markers. Each mention keeps its character offsets in the text it was found in."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import yaml

from .. import gazetteer as gaz
from ..queries import Atlas
from .values import Mention, values  # noqa: F401  (values: one import place for the reader)

ENTITY_TYPES = ("Government", "Agency", "Organisation", "Body", "Plan", "LegalAct", "Subsidy", "Programme")
MAX_NAME_TOKENS = 12
WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)  # "1730Asse": a postcode glued to a name
LINE_BREAK_HYPHEN = re.compile(r"-[ \t]*\n[ \t]*(?:\n[ \t]*)*$")
NO_JOIN = {"en", "of", "et", "ou", "und", "oder", "and", "or"}


@dataclass(frozen=True)
class Token:
    key: str
    start: int
    end: int
    capital: bool


URL = re.compile(r"\b(?:https?://|www\.)\S+(?:\n(?=\S*[/=&]\S*)\S+)*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)


def mask_urls(text: str) -> str:
    """Web and e-mail addresses blanked out (same length, so offsets stay): their words are not mentions. An ELI address
    of the Official Journal stays: it is read as the act's identifier."""
    return URL.sub(lambda m: m.group() if "/eli/" in m.group() else re.sub(r"\S", " ", m.group()), text)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().casefold()


def tokenize(text: str) -> list[Token]:
    """Words with offsets; a word broken at a line end ("Meche-\\nlen") is joined again."""
    tokens: list[Token] = []
    matches = list(WORD.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        start, end, word = m.start(), m.end(), m.group()
        while i + 1 < len(matches) and text.startswith("-", end):
            nxt = matches[i + 1]
            broken = LINE_BREAK_HYPHEN.match(text, end, nxt.start())
            lower_tail = nxt.group()[:1].islower() and nxt.group() not in NO_JOIN
            caps = word.isupper() and nxt.group()[:2].isupper() and len(word) <= 4  # "LI-\nVC-R"
            if not (broken and (lower_tail or caps)):
                break
            word += nxt.group()
            end = nxt.end()
            i += 1
        tokens.append(Token(fold(word), start, end, word[:1].isupper()))
        i += 1
    return tokens


def starts_sentence(text: str, start: int) -> bool:
    """At the start of the text, after . ! ? : (and a footnote number, "Vilvoorde.67 Dit") or a blank line."""
    if not text[:start].strip():
        return True
    before = text[max(0, start - 12):start]
    gap = before[len(before.rstrip()):]
    if gap.count("\n") >= 2:
        return True
    return before.rstrip().rstrip("0123456789").endswith((".", "!", "?", ":"))


def _keys(name: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in WORD.findall(name))


STEM_END = re.compile(r"(?:en|es|e|s|n)$")


@lru_cache(maxsize=65536)
def stem(key: str) -> str:
    """A folded word without its inflection: plural and case endings of nl/fr/de (-en, -es, -e, -s, -n) and a
    doubled final consonant (veiligheidscellen, veiligheidscel → veiligheidscel; Deutschsprachigen → deutschsprachig;
    locales, locale → local). Only for words of five letters or more."""
    if len(key) < 5:
        return key
    bare = STEM_END.sub("", key)
    if len(bare) >= 2 and bare[-1] == bare[-2] and bare[-1] not in "aeiou":
        bare = bare[:-1]
    return bare


@dataclass(frozen=True)
class Candidate:
    kind: str
    id: str
    case_sensitive: str | None = None  # the exact letters an acronym must have
    ambiguous: bool = False


@cache
def rules() -> dict:
    return yaml.safe_load(resources.files("policy_atlas").joinpath("data/gazetteer/mention-rules.yaml")
                          .read_text("utf-8"))


def _label_variants(label: str) -> set[str]:
    """A label, the label without its parenthesis, and an acronym given in parentheses."""
    out = {label}
    bare = re.sub(r"\s*\([^)]*\)", "", label).strip()
    if bare and bare != label:
        out.add(bare)
    for inner in re.findall(r"\(([^)]*)\)", label):
        inner = inner.strip()
        if re.fullmatch(r"[A-Z][A-Za-z0-9\-/]{1,9}", inner) and bare[:1].upper() == inner[:1]:
            out.add(inner)
    return out


def _acronym(name: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", name)
    return bool(letters) and len(name) <= 10 and sum(ch.isupper() for ch in letters) >= max(2, len(letters) - 1)


@dataclass
class Recognizer:
    """Built once from the gazetteer, the mention rules and the atlas's labels and aliases."""
    names: dict[tuple[str, ...], list[Candidate]] = field(default_factory=dict)
    stems: dict[tuple[str, ...], list[Candidate]] = field(default_factory=dict)  # names of 2+ words, inflected
    longest_stem_from: dict[str, int] = field(default_factory=dict)
    _single: dict[str, str] | None = None
    longest_from: dict[str, int] = field(default_factory=dict)
    place_cues: set[str] = field(default_factory=set)
    city_cues: set[str] = field(default_factory=set)
    joiners: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, atlas: Atlas | None, exact: bool = False) -> Recognizer:
        """`exact=True` is the plain baseline: official names and labels only, matched case-sensitively."""
        r = rules()
        rec = cls(place_cues={fold(w) for w in r["place_cues"]}, city_cues={fold(w) for w in r["city_cues"]},
                  joiners={fold(w) for w in r["list_joiners"]})
        ambiguous = {fold(w) for w in r["ambiguous"]}
        for mun in gaz.load():
            for name in {mun.name_nl, mun.name_fr, mun.name_de} - {None}:
                keys = _keys(name)
                rec._add(keys, Candidate("municipality", mun.entity_id, name if exact else None,
                                         " ".join(keys) in ambiguous))
        if not exact:
            for form, entry in gaz.load().exonyms.items():
                keys = _keys(form)
                rec._add(keys, Candidate("municipality", f"mun/{entry['nis']}", None, " ".join(keys) in ambiguous))
            for region, names in r["regions"].items():
                for name in names:
                    rec._add(_keys(name), Candidate("region", f"region/{region}"))
            rec._add_units(gaz.load())
        if atlas is not None:
            for eid in atlas.chunked(atlas.entities_of(*ENTITY_TYPES)):
                names = set(atlas.labels(eid).values())
                if not exact:
                    names |= {s.value for s in atlas.values(eid, "alias")}
                    names = {v for n in names for v in _label_variants(n)}
                if not exact:
                    names |= {a["name"] for a in r.get("entity_aliases", {}).get(eid, [])}
                for name in names:
                    keys = _keys(name)
                    if not keys or len(keys) > MAX_NAME_TOKENS:
                        continue
                    sensitive = name if exact or _acronym(name) else None
                    rec._add(keys, Candidate("entity", eid, sensitive))
                    if not exact and len(keys) >= 2 and not sensitive and "(" not in name:
                        rec._add_stem(keys, Candidate("entity", eid))
        return rec

    def _add_stem(self, keys: tuple[str, ...], cand: Candidate) -> None:
        stems = tuple(stem(k) for k in keys)
        if cand not in self.stems.setdefault(stems, []):
            self.stems[stems].append(cand)
            self.longest_stem_from[stems[0]] = max(self.longest_stem_from.get(stems[0], 0), len(stems))

    def _add_units(self, gazetteer: gaz.Gazetteer) -> None:
        """Provinces and arrondissements by their full names ("Provincie Antwerpen", "arrondissement
        Halle-Vilvoorde"), and by the bare name where that is no municipality's name: the longer match keeps
        "Antwerpen" in "Provincie Antwerpen" from being read as the city."""
        for nis, unit in gazetteer.units.items():
            prefix = "prov" if unit["kind"] == "province" else "arr"
            for name in (unit["name_nl"], unit["name_fr"]):
                self._add(_keys(name), Candidate(unit["kind"], f"{prefix}/{nis}"))
                bare = re.sub(r"^(Arrondissement|Provincie|Province)( de| du| d'|)\s*", "", name)
                if bare != name and gazetteer.lookup(bare) is None:
                    self._add(_keys(bare), Candidate(unit["kind"], f"{prefix}/{nis}"))

    def _add(self, keys: tuple[str, ...], cand: Candidate) -> None:
        if keys and cand not in self.names.setdefault(keys, []):
            self.names[keys].append(cand)
            self.longest_from[keys[0]] = max(self.longest_from.get(keys[0], 0), len(keys))

    def find(self, text: str, exact: bool = False) -> list[Mention]:
        tokens = tokenize(text)
        found: list[tuple[Mention, Candidate, int, int]] = []
        i = 0
        while i < len(tokens):
            hit = self._longest(text, tokens, i, exact)
            if hit is None:
                i += 1
                continue
            cand, length = hit
            first, last = tokens[i], tokens[i + length - 1]
            found.append((Mention(cand.kind, cand.id, text[first.start:last.end], first.start, last.end),
                          cand, i, i + length))
            i += length
        if exact:
            return [m for m, *_ in found]
        return self._typos(text, tokens, _merge_parentheses(text, self._resolve(text, tokens, found)))

    def _typos(self, text: str, tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
        """A capitalised word right after gemeente / commune / Gemeinde / stad / ville / Stadt that is one letter
        away from exactly one municipality's name (of six letters or more) is that municipality, with confidence
        0.6: the cue makes a place certain, the spelling does not."""
        covered = {m.start for m in mentions}
        extra = []
        for i, tok in enumerate(tokens[1:], start=1):
            cued = tokens[i - 1].key in TYPO_CUES or (i > 1 and tokens[i - 1].key in {"de", "d", "van"}
                                                       and tokens[i - 2].key in TYPO_CUES)
            if (not cued or not tok.capital or len(tok.key) < 6 or tok.start in covered
                    or self.names.get((tok.key,))):
                continue
            close = {self.single_names[k] for k in difflib.get_close_matches(tok.key, self.single_names, n=3, cutoff=0.85)
                     if _one_edit(k, tok.key)}
            if len(close) == 1:
                extra.append(Mention("municipality", close.pop(), text[tok.start:tok.end], tok.start, tok.end,
                                     confidence=0.6))
        return sorted(mentions + extra, key=lambda m: m.start) if extra else mentions

    @property
    def single_names(self) -> dict[str, str]:
        if self._single is None:
            self._single = {keys[0]: c.id for keys, cands in self.names.items() if len(keys) == 1 and len(keys[0]) >= 6
                            for c in cands if c.kind == "municipality" and not c.ambiguous}
        return self._single

    def _longest(self, text: str, tokens: list[Token], i: int, exact: bool):
        hit = self._longest_exact(text, tokens, i, exact)
        if exact or not self.stems:
            return hit
        longest = self.longest_stem_from.get(stem(tokens[i].key), 0)
        for length in range(min(longest, len(tokens) - i), max(hit[1] if hit else 0, 1), -1):
            cands = self.stems.get(tuple(stem(t.key) for t in tokens[i:i + length]))
            if cands and tokens[i + length - 1].end - tokens[i].start < 200:
                return cands[0], length
        return hit

    def _longest_exact(self, text: str, tokens: list[Token], i: int, exact: bool):
        for length in range(min(self.longest_from.get(tokens[i].key, 0), len(tokens) - i), 0, -1):
            cands = self.names.get(tuple(t.key for t in tokens[i:i + length]))
            if not cands:
                continue
            surface = text[tokens[i].start:tokens[i + length - 1].end]
            ok = [c for c in cands if self._shape_ok(c, surface, tokens[i], length)]
            if ok:
                order = {"region": 0, "entity": 1, "province": 2, "arrondissement": 3, "municipality": 4}
                return sorted(ok, key=lambda c: order[c.kind])[0], length
        return None

    @staticmethod
    def _shape_ok(cand: Candidate, surface: str, first: Token, length: int) -> bool:
        if cand.case_sensitive is not None:
            return re.sub(r"\W", "", surface) == re.sub(r"\W", "", cand.case_sensitive)
        if cand.kind in ("municipality", "region", "province", "arrondissement"):
            return first.capital or length > 1
        return first.capital or length > 1 or len(first.key) >= 8

    def _resolve(self, text, tokens, found) -> list[Mention]:
        """Context rules: Brussel the city or the region; common-word names only as places."""
        out: list[Mention] = []
        for n, (mention, cand, i, j) in enumerate(found):
            prev_key = tokens[i - 1].key if i > 0 else ""
            if cand.kind == "region" and mention.id == "region/brussels":
                city = prev_key in self.city_cues or _in_list(text, found, n, self.joiners)
                if city:
                    mention = Mention("municipality", "mun/21004", mention.surface, mention.start, mention.end)
            elif cand.ambiguous:
                cued = prev_key in self.place_cues and not starts_sentence(text, tokens[i].start)
                if not (cued or _in_list(text, found, n, self.joiners)):
                    continue
            out.append(mention)
        return out


TYPO_CUES = {"gemeente", "stad", "commune", "ville", "gemeinde", "stadt"}


def _one_edit(a: str, b: str) -> bool:
    """One letter inserted, dropped, changed, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _merge_parentheses(text: str, mentions: list[Mention]) -> list[Mention]:
    """"Name (ACRONYM)" and "ACRONYM (Name)" of one entity are one mention."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (prev and prev.id == m.id and m.kind == "entity" and re.fullmatch(r"\s*\(\s*", text[prev.end:m.start])
                and re.match(r"\s*\)", text[m.end:])):
            close = m.end + text[m.end:].index(")") + 1
            out[-1] = Mention(m.kind, m.id, text[prev.start:close], prev.start, close)
        elif m.surface.count("(") > m.surface.count(")") and text.startswith(")", m.end):
            out.append(Mention(m.kind, m.id, text[m.start:m.end + 1], m.start, m.end + 1))  # a label's own ")"
        else:
            out.append(m)
    return out


def _in_list(text: str, found, n: int, joiners: set[str]) -> bool:
    """Whether mention n stands in a list of municipalities (a neighbour joined by a comma, "en", "et", …)."""

    def joined(a, b) -> bool:
        gap = fold(text[a[0].end:b[0].start]).strip()
        parts = [p for p in re.split(r"(\s+|,|;|/|&)", gap) if p.strip()]
        return len(gap) <= 8 and all(p in joiners for p in parts)

    neighbours = []
    if n > 0 and joined(found[n - 1], found[n]):
        neighbours.append(found[n - 1])
    if n + 1 < len(found) and joined(found[n], found[n + 1]):
        neighbours.append(found[n + 1])
    return any(nb[1].kind == "municipality" and not nb[1].ambiguous for nb in neighbours)


