"""The declared data model (read from schema/model.yaml) and the statement type."""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

RANKS = ("preferred", "normal", "deprecated")
VALUE_TYPES = ("entity", "text", "date", "integer", "amount", "url", "enum")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ModelError(ValueError):
    """A value or statement that does not fit the declared model."""


@dataclass(frozen=True, order=True)
class FuzzyDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: Any) -> FuzzyDate:
        if isinstance(text, dt.date):
            return cls(text.year, text.month, text.day)
        match = _DATE_RE.match(str(text).strip())
        if not match:
            raise ModelError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError as exc:
            raise ModelError(f"impossible date {text!r}: {exc}") from None
        return cls(year, month, day)

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p]
        return "-".join(parts)


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: str
    labels: dict[str, str]
    range: tuple[str, ...] = ()
    reverse: dict[str, str] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    relation: bool = False


@dataclass(frozen=True)
class TypeSpec:
    name: str
    labels: dict[str, str]
    abstract: bool
    ancestors: tuple[str, ...]
    properties: dict[str, PropertySpec]

    def is_a(self, other: str) -> bool:
        return other == self.name or other in self.ancestors


class Schema:
    """The entity types and properties declared in a schema file."""

    def __init__(self, raw: dict):
        self.languages: list[str] = raw["languages"]
        self._raw_types: dict = raw["types"]
        self.types: dict[str, TypeSpec] = {name: self._resolve(name) for name in self._raw_types}
        self.tiers: list[dict] = raw.get("tiers", [])
        self.competence_regions: dict[str, list[str]] = raw.get("competence_regions", {})
        self.linked_data: dict = raw.get("linked_data", {"context": {}, "types": {}, "properties": {}})
        self.terms: dict[str, dict[str, str]] = raw.get("terms", {})

    def term(self, code: str | None, lang: str) -> str:
        """The label of an enum code in `lang` (the code itself where none is declared)."""
        return self.terms.get(code, {}).get(lang, code) if code is not None else ""

    def tier_of_level(self, level: str | None) -> str | None:
        return next((t["id"] for t in self.tiers if level in t["levels"]), None)

    def _resolve(self, name: str) -> TypeSpec:
        ancestors: list[str] = []
        parent = self._raw_types[name].get("parent")
        while parent:
            ancestors.append(parent)
            parent = self._raw_types[parent].get("parent")
        props: dict[str, PropertySpec] = {}
        for type_name in [*reversed(ancestors), name]:
            for pname, p in (self._raw_types[type_name].get("properties") or {}).items():
                if p["type"] not in VALUE_TYPES:
                    raise ModelError(f"schema: {type_name}.{pname} has unknown value type {p['type']!r}")
                props[pname] = PropertySpec(
                    name=pname, type=p["type"], labels=p["labels"], range=tuple(p.get("range", ())),
                    reverse=p.get("reverse", {}), choices=tuple(p.get("choices", ())),
                    relation=bool(p.get("relation")))
        spec = self._raw_types[name]
        return TypeSpec(name, spec["labels"], bool(spec.get("abstract")), tuple(ancestors), props)

    def concrete_types(self) -> list[str]:
        return [n for n, t in self.types.items() if not t.abstract]

    def get_type(self, name: str) -> TypeSpec:
        if name not in self.types or self.types[name].abstract:
            raise ModelError(f"unknown entity type {name!r} (known: {', '.join(self.concrete_types())})")
        return self.types[name]

    def get_property(self, type_name: str, prop: str) -> PropertySpec:
        spec = self.get_type(type_name)
        if prop not in spec.properties:
            raise ModelError(f"type {type_name} has no property {prop!r} "
                             f"(has: {', '.join(sorted(spec.properties))})")
        return spec.properties[prop]

    def property_labels(self, prop: str) -> dict[str, str]:
        for t in self.types.values():
            if prop in t.properties:
                return t.properties[prop].labels
        return {lang: prop for lang in self.languages}

    def reverse_labels(self, prop: str) -> dict[str, str]:
        for t in self.types.values():
            if prop in t.properties and t.properties[prop].reverse:
                return t.properties[prop].reverse
        return {lang: prop for lang in self.languages}


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it: ~5× faster


@cache
def load_schema() -> Schema:
    text = resources.files("policy_atlas").joinpath("schema/model.yaml").read_text("utf-8")
    return Schema(yaml.load(text, Loader=SAFE_LOADER))


_json_str = json.encoder.encode_basestring  # a JSON string as json.dumps(..., ensure_ascii=False) writes it
_NULL = "null"


class _once:
    """A value computed on first access and kept in the instance's `__dict__` (which later reads find first), like
    `functools.cached_property` but without the lock Python 3.11 takes on every first access (0.6 → 0.2 s for the
    390k ids of a 100× build): two threads racing compute the same value."""

    def __init__(self, fn):
        self.fn, self.name = fn, fn.__name__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(frozen=True, init=False)
class Statement:
    """One sourced value: subject, property, value, validity, source, locator, quote, rank."""

    subject: str
    prop: str
    value: str
    value_type: str
    lang: str | None = None
    valid_from: FuzzyDate | None = None
    valid_to: FuzzyDate | None = None
    source: str = ""
    locator: str | None = None
    quote: str | None = None
    rank: str = "normal"
    note: str | None = None
    origin: str | None = None  # "file:line" of the curated record; not part of identity

    def __init__(self, subject: str, prop: str, value: str, value_type: str, lang: str | None = None,
                 valid_from: FuzzyDate | None = None, valid_to: FuzzyDate | None = None, source: str = "",
                 locator: str | None = None, quote: str | None = None, rank: str = "normal", note: str | None = None,
                 origin: str | None = None):
        """The fields above, in their order (a test checks it). Written out because the generated `__init__` of a
        frozen dataclass sets each field through `object.__setattr__`: one update of the instance's dict costs half."""
        self.__dict__.update(subject=subject, prop=prop, value=value, value_type=value_type, lang=lang,
                             valid_from=valid_from, valid_to=valid_to, source=source, locator=locator, quote=quote,
                             rank=rank, note=note, origin=origin)

    @classmethod
    def from_text(cls, **fields: Any) -> Statement:
        """A statement from stored or exported text fields (dates as YYYY[-MM[-DD]] strings)."""
        for key in ("valid_from", "valid_to"):
            fields[key] = FuzzyDate.parse(fields[key]) if fields.get(key) else None
        return cls(**fields)

    @_once
    def id(self) -> str:
        """The content address: the first 16 hex digits of the SHA-1 of `json.dumps(self._key(), ensure_ascii=False)`
        (ids are stored: the text hashed never changes). Written here without json.dumps when every part is text."""
        q, lang, locator, quote, note = _json_str, self.lang, self.locator, self.quote, self.note
        try:
            text = (f"[{q(self.subject)}, {q(self.prop)}, {q(self.value)}, {_NULL if lang is None else q(lang)}, "
                    f"{q(str(self.valid_from or ''))}, {q(str(self.valid_to or ''))}, {q(self.source)}, "
                    f"{_NULL if locator is None else q(locator)}, {_NULL if quote is None else q(quote)}, "
                    f"{q(self.rank)}, {_NULL if note is None else q(note)}]")
        except TypeError:  # a part that is not text (a number as note): json.dumps writes it
            text = json.dumps(self._key(), ensure_ascii=False)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def _key(self) -> list:
        return [self.subject, self.prop, self.value, self.lang, str(self.valid_from or ""), str(self.valid_to or ""),
                self.source, self.locator, self.quote, self.rank, self.note]

    def holds_on(self, day: dt.date) -> bool:
        if self.rank == "deprecated":
            return False
        if self.valid_from and day < self.valid_from.first_day():
            return False
        return not (self.valid_to and day > self.valid_to.last_day())


def coerce_value(spec: PropertySpec, raw: Any) -> str:
    """Check a raw value against its property's type and return its canonical text form."""
    if raw is None or raw == "":
        raise ModelError(f"property {spec.name!r} needs a value")
    if spec.type == "integer" or spec.type == "amount":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ModelError(f"property {spec.name!r} takes a number, not {raw!r}")
        if spec.type == "integer" and int(raw) != raw:
            raise ModelError(f"property {spec.name!r} takes a whole number, not {raw!r}")
        return str(int(raw)) if spec.type == "integer" else f"{float(raw):.2f}"
    if spec.type == "date":
        return str(FuzzyDate.parse(raw))
    text = str(raw)
    if spec.type == "enum" and text not in spec.choices:
        raise ModelError(f"property {spec.name!r} takes one of {', '.join(spec.choices)}, not {text!r}")
    if spec.type == "url" and not re.match(r"^https?://\S+$", text):
        raise ModelError(f"property {spec.name!r} takes an http(s) URL, not {text!r}")
    return text
