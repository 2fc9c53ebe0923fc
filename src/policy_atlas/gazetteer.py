"""Municipalities, arrondissements, provinces, regions and communities of Belgium (2019).

The shipped tables in data/gazetteer/ are compiled from ../shared/data by `compile_tables`;
REFNIS is the authority for codes, names, hierarchy and language regime, the TopoJSON for
population and geometry.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

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

    @property
    def entity_id(self) -> str:
        return f"mun/{self.nis}"

    @property
    def area(self) -> str:
        """flanders, wallonia, brussels, or german for the nine German-speaking municipalities."""
        return "german" if "german" in self.communities else self.region

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
                "population": self.population}


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


class Gazetteer:
    def __init__(self, municipalities: list[Municipality], units: dict[str, dict], exonyms: dict[str, dict]):
        self.municipalities = {m.nis: m for m in municipalities}
        self.units = units  # NIS of provinces and arrondissements -> {"name_nl", "name_fr", "kind"}
        self.exonyms = exonyms
        self._index: dict[str, str] = {}
        for m in municipalities:
            for n in (m.name_nl, m.name_fr, m.name_de, m.nis):
                if n:
                    self._index.setdefault(normalize(n), m.nis)
        for alias, entry in exonyms.items():
            self._index[normalize(alias)] = entry["nis"]

    def __len__(self) -> int:
        return len(self.municipalities)

    def __iter__(self):
        return iter(self.municipalities.values())

    def get(self, nis: str) -> Municipality:
        return self.municipalities[nis.removeprefix("mun/")]

    def lookup(self, name: str) -> Municipality | None:
        key = normalize(str(name).removeprefix("mun/"))
        nis = self._index.get(key)
        return self.municipalities[nis] if nis else None

    def resolve(self, name: str) -> Municipality:
        found = self.lookup(name)
        if found is None:
            raise UnknownPlace(name, self.suggest(name))
        return found

    def suggest(self, name: str, n: int = 5) -> list[str]:
        keys = difflib.get_close_matches(normalize(name), list(self._index), n=n * 3, cutoff=0.6)
        out: list[str] = []
        for key in keys:
            m = self.municipalities[self._index[key]]
            label = f"{m.name_nl} ({m.nis})" if m.name_nl == m.name_fr else f"{m.name_nl} / {m.name_fr} ({m.nis})"
            if label not in out:
                out.append(label)
        return out[:n]


@cache
def load() -> Gazetteer:
    municipalities = []
    with _data("municipalities.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            municipalities.append(Municipality(
                nis=row["nis"], name_nl=row["name_nl"], name_fr=row["name_fr"], name_de=row["name_de"] or None,
                arrondissement=row["arrondissement"], province=row["province"] or None, region=row["region"],
                language_regime=row["language_regime"], communities=tuple(row["communities"].split()),
                population=int(row["population"]) if row["population"] else None))
    with _data("units.csv").open(encoding="utf-8") as fh:
        units = {row["nis"]: row for row in csv.DictReader(fh)}
    exonyms = yaml.safe_load(_data("exonyms.yaml").read_text("utf-8"))["exonyms"]
    return Gazetteer(municipalities, units, exonyms)


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
