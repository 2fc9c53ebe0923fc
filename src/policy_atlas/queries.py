"""Questions asked of the current atlas: labels, relations, as-of views, municipality profiles.

Plain data out; no web, no printing.
"""
from __future__ import annotations

import datetime as dt
import sys
import threading
import weakref
from collections import OrderedDict, defaultdict
from functools import cached_property
from typing import Any, Callable, Hashable, Iterable, Iterator, NamedTuple

from sqlalchemy.engine import Engine

from . import gazetteer as gaz
from . import store
from .model import FuzzyDate, Statement, load_schema
from .store import Snapshot, candidates
from .store.candidates import NAME_COLUMNS, NAME_SEP, PERIOD_PROPS, first_day as _first_day, last_day as _last_day
from .store.candidates import name_rows as _name_rows, names_of

PAGE_SIZE = 25  # items a page lists per profile section or entity property; downloads give every one
FIRST_VIEW = 5  # items each list of a municipality page shows before "all N" (docs/web.md)
PROFILE_SECTIONS = {"Helpline": "helplines", "Service": "services", "Training": "trainings", "Tool": "tools",
                    "Programme": "services", "Plan": "plans", "LegalAct": "rules", "Subsidy": "subsidies_open",
                    "Body": "bodies", "Agency": "agencies"}
REGION_COMPETENCE = {"flanders": "region-flanders", "wallonia": "region-wallonia", "brussels": "region-brussels"}
COMMUNITY_COMPETENCE = {"flemish": "community-flemish", "french": "community-french", "german": "community-german"}


class Lookup:
    """Current statements per key (a subject, or the entity a statement points to), read from the store when
    first asked and kept in a bounded least-recently-used cache; behaves like the dict of lists it replaces
    (`.get(key, ())`, `[key]`, `in`). A `complete` lookup holds the whole atlas and never asks the store."""

    def __init__(self, fetch: Callable[[list[str]], dict[str, list[Statement]]], limit: int):
        self._fetch, self.limit = fetch, limit
        # never dropped (sys.maxsize): a plain dict, without an ordered dict's links per key
        self._cache: dict[str, Any] = OrderedDict() if limit < sys.maxsize else {}
        self._size, self._lock, self.complete = 0, threading.Lock(), False

    def fill(self, found: dict[str, list[Statement]], complete: bool = False) -> None:
        with self._lock:
            for key, sts in found.items():
                if key not in self._cache:
                    self._cache[key] = sts
                    self._size += len(sts) or 1
            self.complete = self.complete or complete
            while self._size > self.limit and not self.complete and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._size -= len(dropped) or 1

    def _cached(self, key: str) -> list[Statement] | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None and not self.complete and self.limit < sys.maxsize:
                self._cache.move_to_end(key)
            return found

    def load(self, keys: Iterable[str]) -> dict[str, list[Statement]]:
        """The statements of many keys: what is cached, the rest read in chunked queries (and cached)."""
        out, missing = {}, []
        for key in keys:
            found = self._cached(key)
            if found is None and not self.complete:
                missing.append(key)
            else:
                out[key] = found or []
        if missing:
            fetched = self._fetch(missing)
            self.fill(fetched)
            out.update(fetched)
        return out

    def __getitem__(self, key: str) -> list[Statement]:
        return self.load([key])[key]

    def get(self, key: str, default=()):
        return self[key] or default

    def __contains__(self, key: str) -> bool:
        return bool(self[key])

    def clear(self) -> None:
        """Forget what is cached (unless the lookup holds the whole atlas)."""
        with self._lock:
            if not self.complete:
                self._cache.clear()
                self._size = 0

    def holds(self, key: str) -> bool:
        """Whether the key is cached (its statements known without a query)."""
        return self.complete or key in self._cache

    def cached(self) -> int:
        """How many statements the cache holds (keys without statements count one)."""
        return self._size

    def items(self) -> Iterator[tuple[str, list[Statement]]]:
        """What the cache holds, in the order it was read (all of it for a complete lookup)."""
        with self._lock:
            return iter(list(self._cache.items()))


class _Stream:
    """Every current statement, ordered by subject, property, id; iterable again and again, never held whole
    (read per chunk of subjects unless the atlas is held complete). `len()` is a count in the store."""

    def __init__(self, atlas: Atlas):
        self._atlas = weakref.proxy(atlas)  # no cycle: a replaced version is freed without the cyclic collector

    def __iter__(self) -> Iterator[Statement]:
        atlas = self._atlas
        if atlas.by_subject.complete:
            for _, sts in atlas.by_subject.items():
                yield from sts
            return
        subjects = store.read.current_subjects(atlas.engine)
        for i in range(0, len(subjects), store.read.IN_CHUNK):
            for sts in store.read.current_of(atlas.engine, subjects[i:i + store.read.IN_CHUNK]).values():
                yield from sts

    def __len__(self) -> int:
        return self._atlas.count()


class Atlas:
    """The atlas at one version. `Atlas.open(engine)` is a view of the store: the registries (`types`,
    `sources`), `build` and `version` read at open; statements read per subject (`by_subject`) or per object
    (`by_object`) through the store's indexes into a bounded cache, all of them at open when the atlas is small
    (at most CACHE current statements). `Atlas(types, statements, sources, build)` (or `from_snapshot`) holds
    a list of statements in memory instead, for tests and datasets not in a store. What is computed from the
    whole atlas is memoised per atlas with `derived`."""

    CACHE = 60_000  # an atlas with at most this many current statements is read whole at open
    KEEP = 15_000  # statements each lookup of a larger one keeps (~1 kB each; two versions live during a reload)

    def __init__(self, types: dict[str, str], statements: Iterable[Statement] = (), sources: dict | None = None,
                 build: dict | None = None, version: str = "0", engine: Engine | None = None):
        self.types, self.sources, self.build, self.version = types, sources or {}, build or {}, version
        self.engine, self._count = engine, None
        self._memo: dict = {}
        self._memo_lock, self._memo_locks = threading.Lock(), {}
        if engine is None:
            self.statements: list[Statement] | _Stream = list(statements)
            self._index()
        else:
            # the lookups reach back through a weak reference, so the atlas holds no cycle: a replaced version is
            # freed as soon as its last request ends, and a frozen heap (web.app) does not keep it
            atlas, keep = weakref.proxy(self), min(self.CACHE, self.KEEP)
            self.by_subject = Lookup(lambda keys: atlas._read(keys, objects=False), keep)
            self.by_object = Lookup(lambda keys: atlas._read(keys, objects=True), keep)
            self.names = Lookup(lambda keys: atlas._read_names(keys), sys.maxsize)  # small: never dropped
            self.statements = _Stream(self)
            self._walks: dict[tuple[str, bool], tuple[int, int, int]] = {}

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> Atlas:
        return cls(snap.entities, snap.statements, snap.sources, snap.build)

    @classmethod
    def open(cls, engine: Engine) -> Atlas:
        """The atlas at the store's current version; read whole in the same transaction when it is small."""
        with engine.connect() as conn:
            head = store.read.view_head(conn)
            types = {sys.intern(eid): sys.intern(kind) for eid, kind in head.entities.items()}  # ids shared by versions
            atlas = cls(types, (), head.sources, head.build, head.version, engine)
            atlas._count = head.count
            if head.count <= cls.CACHE:
                subjects: dict[str, list[Statement]] = defaultdict(list)
                objects: dict[str, list[Statement]] = defaultdict(list)
                for st in store.read.current_all(conn):
                    subjects[st.subject].append(st)
                    if st.value_type == "entity":
                        objects[st.value].append(st)
                atlas.by_subject.fill(subjects, complete=True)
                atlas.by_object.fill(objects, complete=True)
                atlas.names.fill(_names(_name_rows(atlas.statements)), complete=True)
        return atlas

    def _index(self) -> None:
        self.by_subject: dict[str, list[Statement]] | Lookup = defaultdict(list)
        self.by_object: dict[str, list[Statement]] | Lookup = defaultdict(list)
        for st in self.statements:
            self.by_subject[st.subject].append(st)
            if st.value_type == "entity":
                self.by_object[st.value].append(st)
        self.names: dict[str, str] | Lookup = _names(_name_rows(self.statements))

    def _read_names(self, keys: list[str]) -> dict[str, str]:
        out = dict.fromkeys(keys, "")
        for names in self._name_chunks(keys):
            out.update(names)
        return out

    def _name_chunks(self, keys: list[str]) -> Iterator[dict[str, str]]:
        """The names of `keys`, one query (and one chunk's rows in memory) at a time."""
        for i in range(0, len(keys), store.read.IN_CHUNK):
            yield _names(self.select(NAME_COLUMNS, prop="name", subject=tuple(keys[i:i + store.read.IN_CHUNK])))

    def read_names(self, eids: Iterable[str] | None = None) -> None:
        """Read the names of many entities (every entity: None) in a few queries, before labelling them; costs
        nothing when the atlas holds them. Names are kept for the version (a few tens of MB at 100×)."""
        if isinstance(self.names, Lookup) and not self.names.complete:
            if eids is None:  # a chunk of ids per query: one chunk's rows at a time, not all 130k names' at 100×
                for names in self._name_chunks(list(self.types)):
                    self.names.fill(names)
                self.names.fill({}, complete=True)
            else:
                self.names.load(eids)

    RETIRED_KEEP = 2_000  # statements each lookup of a version being replaced keeps while the next one warms

    def forget_reads(self, keep: int | None = None) -> None:
        """Empty the statement lookups (an atlas read whole keeps them): what the once-per-version figures read in
        their whole-atlas passes is not what pages ask next, and would stay for the version. `keep`: the lookups'
        bound from now on (a version being replaced keeps little while the next one is warmed beside it)."""
        if self.engine is not None:
            for lookup in (self.by_subject, self.by_object):
                lookup.limit = lookup.limit if keep is None or lookup.complete else keep
                lookup.clear()

    READ_AHEAD = 256

    def _read(self, keys: list[str], objects: bool) -> dict[str, list[Statement]]:
        if len(keys) == 1:
            keys = keys + self._ahead(keys[0], objects)
        return store.read.current_of(self.engine, keys, objects=objects)

    def _ahead(self, key: str, objects: bool) -> list[str]:
        """Read-ahead for walks over the entities of a type in id order (as `entities_of` lists them): a miss
        just after the previous miss's read-ahead reads twice as many of the following entities with it (up to
        READ_AHEAD); a lone look-up reads only itself."""
        kind = self.types.get(key)
        if kind is None:
            return []
        order, position = self.derived(("order", kind), lambda atlas: _order(atlas, kind))
        at = position[key]
        last, expected, size = self._walks.get((kind, objects), (-2, -1, 0))
        size = min(size * 2 or 4, self.READ_AHEAD) if last < at <= expected + 8 else 0
        self._walks[(kind, objects)] = (at, at + 1 + size, size)
        lookup = self.by_object if objects else self.by_subject
        return [k for k in order[at + 1:at + 1 + size] if not lookup.holds(k)]

    def prefetch(self, eids: Iterable[str], objects: bool = False) -> None:
        """Read the statements of many subjects (and, `objects`, of what points to them) in a few queries;
        call it before walking many entities. Costs nothing on an atlas held in memory."""
        if self.engine is not None:
            eids = list(eids)
            self.by_subject.load(eids)
            if objects:
                self.by_object.load(eids)

    def chunked(self, eids: Iterable[str], objects: bool = False, size: int = 500) -> Iterator[str]:
        """The ids, each chunk prefetched just before it is walked: many entities in bounded memory."""
        eids = list(eids)
        for i in range(0, len(eids), size):
            self.prefetch(eids[i:i + size], objects)
            yield from eids[i:i + size]

    def count(self, **where) -> int:
        """How many current statements have these column values (None: no value; a tuple: any of these); all of
        them by default."""
        if self.engine is None:
            return sum(1 for st in self.statements if _matches(st, where))
        if not where and self._count is not None:
            return self._count
        return store.read.current_count(self.engine, **where)

    def where(self, **where) -> list[Statement]:
        """The current statements with these column values, in statement order (a scan: once per version or
        for one source, not per entity)."""
        if self.engine is None:
            return [st for st in self.statements if _matches(st, where)]
        return store.read.current_where(self.engine, **where)

    def select(self, columns: tuple[str, ...], **where) -> list[tuple]:
        """Some columns (as stored: dates as text) of the current statements with these column values, in
        statement order: a light read of many statements."""
        if self.engine is None:
            return [tuple(_column(st, c) for c in columns) for st in self.statements if _matches(st, where)]
        return store.read.current_columns(self.engine, columns, **where)

    def tally(self, column: str | tuple[str, ...], **where) -> dict:
        """value of a column (or tuple of values of several) -> how many current statements (with these other
        column values) have it: one grouped query."""
        if self.engine is None:
            out: dict = defaultdict(int)
            for st in self.statements:
                if _matches(st, where):
                    out[tuple(_column(st, c) for c in column) if isinstance(column, tuple) else _column(st, column)] += 1
            return dict(out)
        return store.read.current_tally(self.engine, column, **where)

    def tally_per_subject(self, column: str | tuple[str, ...], subjects: Iterable[str]) -> Iterator[tuple[str, dict]]:
        """(subject, {value of a column (or tuple of several) -> how many of its current statements have it}) per
        subject with statements, in the order given: a grouped query per chunk of subjects, so a whole-atlas tally
        never holds every (subject, value) pair at once. Subjects are the registry's (interned) strings."""
        columns = column if isinstance(column, tuple) else (column,)
        if self.engine is None or self.by_subject.complete:  # held in memory: no query
            for subject in subjects:
                counts: dict = {}
                for st in self.by_subject.get(subject, ()):
                    key = tuple(_column(st, c) for c in columns) if isinstance(column, tuple) else _column(st, column)
                    counts[key] = counts.get(key, 0) + 1
                if counts:
                    yield subject, counts
            return
        subjects = list(subjects)
        for i in range(0, len(subjects), store.read.IN_CHUNK):
            chunk = subjects[i:i + store.read.IN_CHUNK]
            per: dict[str, dict] = {}
            for key, n in self.tally(("subject", *columns), subject=tuple(chunk)).items():
                per.setdefault(key[0], {})[key[1:] if isinstance(column, tuple) else key[1]] = n
            yield from ((subject, per[subject]) for subject in chunk if subject in per)

    def dated_in(self, first_year: int, last_year: int) -> list[Statement]:
        """The current statements with a validity date or a date value in these years (and maybe a few more:
        callers compare exact days), in statement order."""
        if self.engine is None:
            return [st for st in self.statements if any(first_year <= d.year <= last_year for d in _dates(st))]
        return store.read.current_dated_in(self.engine, first_year, last_year)

    def derived(self, name: Hashable, fn: Callable[[Atlas], Any]) -> Any:
        """`fn(atlas)`, computed once per atlas (so once per version) and kept: whole-atlas figures and lists.
        Threads asking for the same name while it is computed wait for that one computation."""
        try:
            return self._memo[name]
        except KeyError:
            pass
        with self._memo_lock:
            lock = self._memo_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._memo:
                self._memo[name] = fn(self)
            return self._memo[name]

    def label(self, eid: str, lang: str = "nl") -> str:
        return self.label_lang(eid, lang)[0]

    def label_lang(self, eid: str, lang: str = "nl") -> tuple[str, str | None]:
        """The label in `lang`, else the first fallback, with the language it is really in."""
        if eid.startswith("mun/") and eid[4:] in gaz.load().municipalities:
            return gaz.load().get(eid).name(lang), lang
        names = self.labels(eid)
        for candidate in (lang, "nl", "fr", "en", "de"):
            if candidate in names:
                return names[candidate], candidate
        return eid, None

    def labels(self, eid: str) -> dict[str, str]:
        """The entity's names per language (deprecated ones left out), kept apart from its statements: labelling
        thousands of entities (`read_names` first) reads no entity's statements."""
        names = self.names.get(eid, "")
        if not names:
            return {}
        names = names.split(NAME_SEP)
        out = dict(zip(names[::2], names[1::2]))
        return {lang or None: name for lang, name in out.items()} if "" in out else out

    def values(self, eid: str, prop: str, day: dt.date | None = None) -> list[Statement]:
        out = [s for s in self.by_subject.get(eid, ()) if s.prop == prop]
        if day:
            out = [s for s in out if s.holds_on(day)]
        else:
            out = [s for s in out if s.rank != "deprecated"]
        return sorted(out, key=lambda s: (s.rank != "preferred", str(s.valid_from or "")))

    def first(self, eid: str, prop: str, day: dt.date | None = None) -> str | None:
        found = self.values(eid, prop, day)
        return found[0].value if found else None

    def entities_of(self, *types: str) -> list[str]:
        return list(self.derived(("entities_of", types), lambda atlas: atlas._entities_of(types)))

    def _entities_of(self, types: tuple[str, ...]) -> list[str]:
        schema = load_schema()
        kinds = {t for t in set(self.types.values()) if any(schema.types[t].is_a(x) for x in types)}
        return sorted(e for e, t in self.types.items() if t in kinds)

    def dates_of(self, eid: str) -> dict[str, list[str]]:
        """The entity's own dates (PERIOD_PROPS -> values, best first, as `values` orders them), from one
        small per-version table rather than from the entity's statements."""
        flat = self.derived("periods", _periods).get(eid, ())
        out: dict[str, list[str]] = {}
        for i in range(0, len(flat), 2):
            out.setdefault(flat[i], []).append(flat[i + 1])
        return out

    def active_on(self, eid: str, day: dt.date) -> bool:
        """An entity is active unless its own start/end (or founded/dissolved) dates exclude the day."""
        dates = self.dates_of(eid)
        for start_prop, end_prop in (("start", "end"), ("founded", "dissolved"), ("adopted", "end"),
                                     ("signed", "end")):
            starts, ends = dates.get(start_prop, ()), dates.get(end_prop, ())
            if starts and all(_first_day(v) > day for v in starts):
                return False
            if ends and all(_last_day(v) < day for v in ends):
                return False
        return True

    @cached_property
    def competence(self) -> dict[str, list[str]]:
        """competence key (e.g. region-flanders) -> governments, read from `competent_as` statements."""
        out: dict[str, list[str]] = defaultdict(list)
        governments = set(self.entities_of("Government"))
        for gid, value, rank in self.select(("subject", "value", "rank"), prop="competent_as"):
            if gid in governments and rank != "deprecated":
                out[value].append(gid)
        return out

    def level_of(self, eid: str) -> str | None:
        """The entity's own `level`, else its government's, else what it is part of; municipalities are municipal."""
        return level_rule(eid, self.types, self._said, self.level_of)

    def _said(self, eid: str, prop: str) -> list[str]:
        return [st.value for st in self.values(eid, prop)]

    def tier_of(self, eid: str) -> str:
        return load_schema().tier_of_level(self.level_of(eid)) or "civil"

    def regions_of(self, eid: str) -> list[str]:
        """Regions (flanders, wallonia, brussels, german) the entity's policy reaches, as far as the data says."""
        return regions_rule(eid, self.types, self._said, self.regions_of)

    def period_of(self, eid: str) -> tuple[str | None, str | None]:
        dates = self.dates_of(eid)
        start = next((dates[p][0] for p in START_PROPS if dates.get(p)), None)
        return start, next((dates[p][0] for p in END_PROPS if dates.get(p)), None)

    def source_year(self, sid: str) -> int | None:
        """The year a source was published (its `published` date, else its `year`)."""
        return self.derived("source_years", _source_years).get(sid)

    def last_source_year(self, eid: str, extra: Statement | None = None) -> int | None:
        """The latest publication year among the sources of what the atlas says about an entity."""
        sts = [*self.by_subject.get(eid, ()), *([extra] if extra else [])]
        return max((y for y in (self.source_year(s.source) for s in sts if s.source != "editorial") if y),
                   default=None)

    def citation(self, st: Statement) -> dict:
        src = self.sources.get(st.source, {})
        return {"source": st.source, "source_title": src.get("title", st.source), "locator": st.locator,
                "quote": st.quote}


def level_rule(eid: str, types: dict[str, str], said: Callable[[str, str], list[str]],
               level: Callable[[str], str | None]) -> str | None:
    """The level of an entity from its type, its own `level`, else (recursively, through `level`) that of the first
    government, agency or body it belongs to; `said(eid, prop)` gives its values best first."""
    kind = types.get(eid)
    if kind == "Municipality":
        return "municipal"
    if kind in ("Province", "Arrondissement"):
        return "province"
    own = said(eid, "level")
    if own:
        return own[0]
    for prop in ("government", "part_of", "funder", "provider"):
        for target in said(eid, prop):
            if types.get(target) in ("Government", "Agency", "Body"):
                return level(target)
    return None


def regions_rule(eid: str, types: dict[str, str], said: Callable[[str, str], list[str]],
                 regions: Callable[[str], list[str]]) -> list[str]:
    """The regions an entity's policy reaches: a municipality's area, a government's competences, its own eligible
    region or region, else (through `regions`) those of its government, funder or what it is part of."""
    kind = types.get(eid)
    if kind == "Municipality":
        return [gaz.load().get(eid).area]
    if kind == "Government":
        competence = load_schema().competence_regions
        return sorted({r for value in said(eid, "competent_as") for r in competence[value]})
    for prop in ("eligible_region", "region"):
        area = next(iter(said(eid, prop)), None)
        if area in ("flanders", "wallonia", "brussels", "german"):
            return [area]
    for prop in ("government", "funder", "part_of"):
        for target in said(eid, prop):
            if types.get(target) in ("Government", "Agency"):
                return regions(target)
    return []


START_PROPS, END_PROPS = ("start", "founded", "adopted", "signed", "date"), ("end", "dissolved")  # a period's ends, best first


def _names(rows: Iterable[tuple]) -> dict[str, str]:
    """`names_of` with each entity's string interned: the version warmed in a reload shares every unchanged one with
    the version still served (~10 MB at 100×)."""
    return {eid: sys.intern(names) for eid, names in names_of(rows).items()}


def _periods(atlas: Atlas) -> dict[str, tuple[str, ...]]:
    """eid -> (prop, value, prop, value, …) of its PERIOD_PROPS, best first: one tuple of interned strings per
    entity (dates repeat), kept per version."""
    rows = sorted((r for r in atlas.select(("subject", "prop", "value", "rank", "valid_from"), prop=PERIOD_PROPS)
                   if r[3] != "deprecated"), key=lambda r: (r[3] != "preferred", r[4] or ""))  # stable, like values()
    out: dict[str, list[str]] = defaultdict(list)
    for subject, prop, value, _, _ in rows:
        out[subject] += (sys.intern(prop), sys.intern(value))
    return {sys.intern(eid): tuple(flat) for eid, flat in out.items()}


def _source_years(atlas: Atlas) -> dict[str, int]:
    values = {sid: src.get("published") or src.get("year") for sid, src in atlas.sources.items()}
    return {sid: FuzzyDate.parse(str(v)).first_day().year for sid, v in values.items() if v}


def _order(atlas: Atlas, kind: str) -> tuple[list[str], dict[str, int]]:
    order = sorted(e for e, t in atlas.types.items() if t == kind)
    return order, {e: i for i, e in enumerate(order)}


def _dates(st: Statement) -> list[FuzzyDate]:
    found = [d for d in (st.valid_from, st.valid_to) if d]
    return found + [FuzzyDate.parse(st.value)] if st.value_type == "date" else found


def _column(st: Statement, name: str):
    value = getattr(st, name)
    return str(value) if name in ("valid_from", "valid_to") and value is not None else value


def _matches(st: Statement, where: dict) -> bool:
    return all((_column(st, k) or None) is None if v is None else _column(st, k) in v if isinstance(v, tuple)
               else _column(st, k) == v for k, v in where.items())


def competent_governments(atlas: Atlas, mun: gaz.Municipality) -> list[tuple[str, str]]:
    """(government id, reason) for every government whose policy applies in the municipality."""
    comp = atlas.competence
    keys = [("federal", "federal")]
    keys.append((REGION_COMPETENCE[mun.region], f"region:{mun.region}"))
    keys += [(COMMUNITY_COMPETENCE[c], f"community:{c}") for c in mun.communities]
    if mun.region == "brussels":
        keys.append(("commission-brussels", "community-commission:brussels"))
    seen: dict[str, str] = {}
    for key, reason in keys:
        for gid in comp.get(key, []):
            seen.setdefault(gid, reason)
            if reason not in seen[gid].split(" + "):
                seen[gid] = f"{seen[gid]} + {reason}"
    return list(seen.items())


def _item(atlas: Atlas, eid: str, lang: str, reason: str, st: Statement | None, day: dt.date | None,
          today: dt.date, via: gaz.Municipality | None = None, label: str | None = None) -> dict:
    """One profile item with its dates: the statement's own validity, else (an undated statement never widens a
    dated fact) the entity's own period; its status today; and, when no end is known, the year of the last
    source that speaks of it ("unknown after YEAR")."""
    own_start, own_end = _own_period(atlas, eid)
    start = str(st.valid_from) if st is not None and st.valid_from else own_start
    end = str(st.valid_to) if st is not None and st.valid_to else own_end
    last = atlas.last_source_year(eid, st)
    item = {"id": eid, "type": atlas.types.get(eid), "label": label or atlas.label(eid, lang), "why": reason,
            "start": start, "end": end, "status": _status(start, end, today), "last_source_year": last,
            "unknown_after": None if end else last,
            "via": via and {"nis": via.nis, "label": via.name(lang),
                            "until": via.valid_to.isoformat() if via.valid_to else None}}
    if st is not None:
        item.update({"valid_from": str(st.valid_from) if st.valid_from else None,
                     "valid_to": str(st.valid_to) if st.valid_to else None, "cites": atlas.citation(st)})
    else:
        gov = atlas.values(eid, "government", day)
        item["cites"] = atlas.citation(gov[0]) if gov else None
    return item


def _own_period(atlas: Atlas, eid: str) -> tuple[str | None, str | None]:
    """`Atlas.period_of` from the entity's statements (an item shown has them read), not the whole atlas's dates."""
    start = next(filter(None, (atlas.first(eid, p) for p in START_PROPS)), None)
    return start, next(filter(None, (atlas.first(eid, p) for p in END_PROPS)), None)


def _status(start: str | None, end: str | None, today: dt.date) -> str:
    """ended / future / current (dated on both sides) / open (no end known)."""
    if end and _last_day(end) < today:
        return "ended"
    if start and _first_day(start) > today:
        return "future"
    return "current" if end else "open"


def _applies(atlas: Atlas, st: Statement, day: dt.date | None) -> bool:
    """Every non-withdrawn statement in the all-periods view; on a day, only what held then, the statement's
    subject (subsidy, plan, body) being active that day too."""
    if day is None:
        return st.rank != "deprecated"
    return st.holds_on(day) and atlas.active_on(st.subject, day)


def _holders(mun: gaz.Municipality) -> list[tuple[gaz.Municipality, gaz.Municipality | None]]:
    """The municipality itself, then each municipality merged into it (what it received counts here, 'via')."""
    g = gaz.load()
    out = [(mun, None)]
    for nis in mun.predecessors:
        if nis != mun.nis:
            out += [(holder, holder) for holder, _ in _holders(g.get(nis))]
    return out


class Found(NamedTuple):
    """A profile item before its details: enough to choose, order and page it."""
    label: str
    eid: str
    reason: str
    sid: str  # the statement that makes it apply (one of the item's own: `_statement_of`)
    via: gaz.Municipality | None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.eid, self.via and self.via.nis


HOLDING = ("recipient", "member", "signatory", "provider")


def _prefetch(atlas: Atlas, eids, objects: bool = False) -> None:
    """Load many entities' statements (and, `objects`, what points to them) in a few queries where the atlas
    reads a store; nothing to do for an atlas held in memory."""
    prefetch = getattr(atlas, "prefetch", None)
    if prefetch and eids:
        prefetch(list(dict.fromkeys(eids)), **({"objects": True} if objects else {}))


def _walk(atlas: Atlas, pairs: list[tuple[Found, object]], size: int = 500) -> Iterator[tuple]:
    """The (Found, …) pairs, the items of each chunk loaded together just before the chunk is walked (a
    store-backed atlas keeps a bounded cache, so a long walk must not load everything first)."""
    for i in range(0, len(pairs), size):
        chunk = pairs[i:i + size]
        _prefetch(atlas, [f.eid for f, *_ in chunk])
        yield from chunk


def _statement_of(atlas: Atlas, f: Found) -> Statement | None:
    """The statement that makes a found item apply, among the item's own statements (read for the items shown);
    None if it no longer holds (the store moved on since the item was found)."""
    return next((st for st in atlas.by_subject.get(f.eid, ()) if st.id == f.sid), None)


def profile_found(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None, lang: str = "nl",
                  govs: list[tuple[str, str]] | None = None, today: dt.date | None = None) -> dict[str, list[Found]]:
    """Every item of every profile section, chosen, labelled, deduplicated and ordered by label, no details
    worked out yet; in every period (day None) with `today`, the items in force today come first (each part by
    label). A subsidy received directly is not listed again as open to the municipality. What points to
    the municipality and to its governments is worked out once per version (`_pointing`, `_governed`): a request
    filters two lists in order and reads no candidate's statements."""
    govs = competent_governments(atlas, mun) if govs is None else govs
    out: dict[str, list[Found]] = {section: [] for section in PROFILE_LISTS}
    ended: set[tuple] = set()  # keys of the items not in force `today` (by their first applicable row)
    seen: set[tuple] = set()
    for f, section, first, last in _received(atlas, mun, lang):
        if (not day or first <= day <= last) and (section, f.key) not in seen:
            seen.add((section, f.key))
            out[section].append(f)
            if today and not day and not first <= today <= last:
                ended.add(f.key)
    if ended:
        out = {section: sorted(rows, key=lambda f: f.key in ended) for section, rows in out.items()}
    reached = {f.eid for f in out["subsidies_received"]}
    for section, (rows, once) in _governed(atlas, tuple(govs), lang).items():
        out[section] = _applying(rows, day, today, mun.region, reached if section == "subsidies_open" else None, once)
    return out


def _applying(rows: list[tuple], day: dt.date | None, today: dt.date | None, region: str,
              reached: set[str] | None, once: bool) -> list[Found]:
    """The items of one list of `_governed` that apply in the region (on `day`, else in every period, those
    in force `today` first), each once (its first applicable row), leaving out those `reached` otherwise. One
    pass over the list, short when every item has one row (`once`)."""
    if day:
        kept = [r for r in rows if r[1] <= day <= r[2] and (not r[3] or r[3] == region)]
    else:
        kept = [r for r in rows if not r[3] or r[3] == region]
    if reached or not once:
        seen, unique = set(reached or ()), []
        for r in kept:
            if r[0].eid not in seen:
                seen.add(r[0].eid)
                unique.append(r)
        kept = unique
    if day or not today:
        return [r[0] for r in kept]
    return [r[0] for r in kept if r[1] <= today <= r[2]] + [r[0] for r in kept if not r[1] <= today <= r[2]]


def _received(atlas: Atlas, mun: gaz.Municipality, lang: str) -> list[tuple]:
    """What points to the municipality and the municipalities merged into it (grants received, bodies it takes
    part in), as (Found, section, first day, last day) ordered as a profile lists them (by label, then
    predecessor, then statement order: the first applicable row of an item is the one a profile keeps). Once
    per version, municipality and language."""
    def build(atlas: Atlas) -> list[tuple]:
        holders = _holders(mun)
        received = _pointing(atlas, tuple(h.entity_id for h, _ in holders), HOLDING)
        rows = [(Found(atlas.label(subject, lang), subject, "direct grant" if prop == "recipient" else prop, sid,
                       holders[i][1]), "subsidies_received" if prop == "recipient" else "bodies_taking_part",
                 first, last) for i, sid, subject, prop, first, last, _, _ in received]
        return sorted(rows, key=lambda r: (r[0].label.casefold(), r[0].via.nis if r[0].via else ""))
    return atlas.derived(("received", mun.nis, lang), build)


def _governed(atlas: Atlas, govs: tuple[tuple[str, str], ...], lang: str) -> dict[str, tuple[list[tuple], bool]]:
    """What these (government, why) run, per profile list: its rows (Found, first day, last day, region) ordered
    as a profile lists them (by label, then government and statement order: the first applicable row of an item
    is the one `_dedupe` would keep), and whether each item has one row; subsidies with named recipients never
    apply through a government, open ones only in their region (None: everywhere). Once per version, set of
    governments and language."""
    def build(atlas: Atlas) -> list[tuple]:
        runs = [(i, sid, subject, first, last, area if kind == "Subsidy" else None, kind)
                for i, sid, subject, _, first, last, area, named in _pointing(atlas, tuple(g for g, _ in govs),
                                                                              ("government",))
                for kind in [atlas.types.get(subject)]
                if kind in PROFILE_SECTIONS and not (named and kind == "Subsidy")]
        rows = sorted(((atlas.label(run[2], lang), n, run) for n, run in enumerate(runs)),
                      key=lambda r: (r[0].casefold(), r[1]))
        lists: dict[str, list[tuple]] = defaultdict(list)
        for label, _, (i, sid, subject, first, last, area, kind) in rows:
            lists[PROFILE_SECTIONS[kind]].append((Found(label, subject, f"via {govs[i][1]}", sid, None), first,
                                                  last, area))
        return {section: (rows, len({r[0].eid for r in rows}) == len(rows)) for section, rows in lists.items()}
    return atlas.derived(("governed", govs, lang), build)


def _pointing(atlas: Atlas, targets: tuple[str, ...], props: tuple[str, ...]) -> list[tuple]:
    """(target's index, statement id, subject, property, first day, last day, eligible region, names a recipient)
    for the statements of these properties pointing to the targets, withdrawn ones left out, in target and
    statement order; once per version. The statement applies on the days first…last (it holds and its subject is
    active: `_applies`); the region (None: everywhere) is its subject's first `eligible_region` as `Atlas.first`
    gives it (`store.candidates.rows_of`). A store keeps these rows with the statements: one indexed read, which
    brings the subjects' names along (no subject's statements are read)."""
    def build(atlas: Atlas) -> list[tuple]:
        if atlas.engine is None:
            rows = [row for target in targets for st in atlas.by_object.get(target, ()) if st.prop in props
                    for row in candidates.rows_of(atlas.by_subject.get(st.subject, [])) if row[0] == st.id]
        else:
            rows = candidates.pointing_to(atlas.engine, targets, props)
            atlas.names.fill({sys.intern(r[3]): sys.intern(r[8]) for r in rows})
        position = {target: i for i, target in enumerate(targets)}
        return [(position[target], sid, subject, prop, dt.date.fromisoformat(first), dt.date.fromisoformat(last),
                 area, bool(named)) for sid, target, prop, subject, first, last, area, named, _ in rows]
    return atlas.derived(("pointing", targets, props), build)


def paged(rows: list, size: int | None, page: int = 1) -> tuple[list, dict]:
    """Page `page` of `rows`, `size` rows a page (all of them when size is None), and where that page stands.
    A page past the last is empty; `pages` is at least 1."""
    if size is None:
        return rows, {"total": len(rows), "page": 1, "pages": 1, "page_size": None}
    pages = max(1, -(-len(rows) // size))
    return rows[(page - 1) * size:page * size], {"total": len(rows), "page": page, "pages": pages, "page_size": size}


def profile(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None, lang: str = "nl",
            today: dt.date | None = None, *, page_size: int | None = None, section: str | None = None,
            page: int = 1, first: int | None = None) -> dict:
    """What applies to a municipality: on a day, or (day None) in every period, each item with why it applies,
    its dates, its status today and its source. A merged municipality includes what its predecessors
    received, each such item saying through which predecessor (`via`). Each list is ordered by label; in every
    period, the items in force today come first.

    Each section (and the competent governments) lists `page_size` items (every item when None): page `page`
    of `section`, the first page of the others; `sections` gives each one's total, page and page count. With
    `first`, the lists other than `section` show only their first `first` items (the page's first view;
    `first_view` in `sections`). Items are chosen and ordered first, so dates, sources and citations are worked
    out only for those listed."""
    today = today or dt.date.today()
    govs = competent_governments(atlas, mun)
    out: dict = {"municipality": {**mun.as_dict(), "id": mun.entity_id, "label": mun.name(lang)},
                 "as_of": day.isoformat() if day else None, "status_on": today.isoformat(),
                 "history": history(mun, lang), "governments": [], "subsidies_received": [], "bodies_taking_part": [],
                 **{k: [] for k in dict.fromkeys(PROFILE_SECTIONS.values())}, "sections": {}}
    view = first if section != "governments" else None
    shown, where = paged(_by_level(govs), page_size, page if section == "governments" else 1)
    out["sections"]["governments"] = {**where, "first_view": view}
    out["governments"] = [{"id": g, "label": atlas.label(g, lang), "why": why} for g, why in shown[:view]]
    found = profile_found(atlas, mun, day, lang, govs, today)
    shown = {}
    for name in PROFILE_LISTS:
        view = first if name != section else None
        rows, where = paged(found[name], page_size, page if name == section else 1)
        shown[name], out["sections"][name] = rows[:view], {**where, "first_view": view}
    _prefetch(atlas, [f.eid for rows in shown.values() for f in rows])
    for name, rows in shown.items():
        out[name] = [_item(atlas, f.eid, lang, f.reason, _statement_of(atlas, f), day, today, f.via, f.label)
                     for f in rows]
    out["livcr"] = livcr_status(atlas, mun, day)
    out["shown_currency"] = shown_currency(atlas, out)
    return out


def _by_level(govs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Competent governments one of each level in turn (federal, region, community, …: the first government of
    each reason, then the second, …), so that a short list names every level."""
    count: dict[str, int] = defaultdict(int)
    ranked = []
    for n, (gid, why) in enumerate(govs):
        ranked.append((count[why], n, (gid, why)))
        count[why] += 1
    return [gov for *_, gov in sorted(ranked)]


def profile_items(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None, lang: str = "nl",
                  today: dt.date | None = None) -> Iterator[tuple[str, dict]]:
    """Every (section, item) of a profile, each item's details worked out as it is read (for downloads)."""
    today = today or dt.date.today()
    found = profile_found(atlas, mun, day, lang, today=today)
    every = [(f, name) for name in PROFILE_LISTS for f in found[name]]
    for f, name in _walk(atlas, every):
        yield name, _item(atlas, f.eid, lang, f.reason, _statement_of(atlas, f), day, today, f.via, f.label)


def history(mun: gaz.Municipality, lang: str) -> dict:
    """The municipality in time: its validity, what it was made of, what it became."""
    g = gaz.load()
    brief = lambda m: {"nis": m.nis, "label": m.name(lang)}  # noqa: E731
    merger = g.merger_of(mun.nis)
    return {"valid_from": mun.valid_from and mun.valid_from.isoformat(),
            "valid_to": mun.valid_to and mun.valid_to.isoformat(),
            "predecessors": [brief(g.get(p)) for p in mun.predecessors if p != mun.nis],
            "successor": brief(g.get(mun.successor)) if mun.successor else None,
            "merger_date": merger.date.isoformat() if merger else None,
            "merger_sources": list(merger.cites) if merger else []}


PROFILE_LISTS = ("helplines", "services", "subsidies_received", "subsidies_open", "bodies_taking_part", "bodies",
                 "plans", "rules", "trainings", "tools", "agencies")


def shown_currency(atlas: Atlas, data: dict) -> dict:
    """How current a profile page is: the latest publication year of the sources that speak of the items it
    lists (the page of each section shown, not the items on other pages)."""
    items = [i for section in PROFILE_LISTS for i in data[section]]
    latest = max((i["last_source_year"] for i in items if i["last_source_year"]), default=None)
    return {"latest_year": latest, "open_items": sum(1 for i in items if i["status"] == "open")}


def _found_on(atlas: Atlas, mun: gaz.Municipality, first: dt.date, second: dt.date,
              lang: str) -> tuple[dict[str, list[Found]], dict[str, list[Found]]]:
    """A profile's items on two days, the competent governments worked out once."""
    govs = competent_governments(atlas, mun)
    return profile_found(atlas, mun, first, lang, govs), profile_found(atlas, mun, second, lang, govs)


def compare(atlas: Atlas, mun: gaz.Municipality, first: dt.date, second: dt.date, lang: str = "nl",
            today: dt.date | None = None, limit: int | None = PAGE_SIZE) -> list[dict]:
    """Two days side by side. Whole sections are compared on what identifies an item (entity, and predecessor
    for a merged municipality) and its label, without details: per list the number of items that applied only
    on the first day, only on the second and on both; then the first `limit` rows (those that differ first,
    each group by label) with their details and whether they applied on each day."""
    today = today or dt.date.today()
    a, b = _found_on(atlas, mun, first, second, lang)
    out = []
    for section in PROFILE_LISTS:
        left, right = {f.key: f for f in a[section]}, {f.key: f for f in b[section]}
        found = {**right, **left}
        if not found:
            continue
        keys = sorted(found, key=lambda k: (k in left and k in right, found[k].label.casefold(), k[1] or ""))
        _prefetch(atlas, [found[k].eid for k in keys[:limit]])
        rows = [{**_item(atlas, f.eid, lang, f.reason, _statement_of(atlas, f), first if k in left else second, today,
                         f.via, f.label), "first": k in left, "second": k in right}
                for k in keys[:limit] for f in [found[k]]]
        both = sum(1 for k in left if k in right)
        out.append({"list": section, "rows": rows, "total": len(keys), "both": both,
                    "only_first": len(left) - both, "only_second": len(right) - both})
    return out


def compare_groups(atlas: Atlas, mun: gaz.Municipality, first: dt.date, second: dt.date, lang: str = "nl",
                   sections: tuple[str, ...] = PROFILE_LISTS, today: dt.date | None = None,
                   limit: int | None = PAGE_SIZE) -> list[dict]:
    """Two days side by side, per list: the items that applied only on the first day, on both, only on the
    second (each entity once, in the profile's order), the first `limit` of each group with their details
    (an item of the first day's profile, or of the second's for `only_second`) and each group's total."""
    today = today or dt.date.today()
    a, b = _found_on(atlas, mun, first, second, lang)
    out = []
    for section in sections:
        left, right = {f.eid: f for f in a[section]}, {f.eid: f for f in b[section]}
        groups = {"only_first": [(f, first) for k, f in left.items() if k not in right],
                  "both": [(f, first) for k, f in left.items() if k in right],
                  "only_second": [(f, second) for k, f in right.items() if k not in left]}
        _prefetch(atlas, [f.eid for rows in groups.values() for f, _ in rows[:limit]])
        out.append({"section": section,
                    **{name: [_item(atlas, f.eid, lang, f.reason, _statement_of(atlas, f), day, today, f.via, f.label)
                              for f, day in rows[:limit]] for name, rows in groups.items()},
                    "totals": {name: len(rows) for name, rows in groups.items()}})
    return out


def _dedupe(found: list[Found]) -> list[Found]:
    """Each (entity, predecessor) once, with the first reason found, ordered by label then predecessor."""
    seen: dict[tuple, Found] = {}
    for f in found:
        seen.setdefault(f.key, f)
    return sorted(seen.values(), key=lambda f: (f.label.casefold(), f.via.nis if f.via else ""))


def livcr_status(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None) -> dict:
    own = atlas.values(mun.entity_id, "livcr_status", day)
    status = own[0].value if own else "unknown"
    return {"status": status, "cites": atlas.citation(own[0]) if own else None,
            "area_figures": livcr_figures(atlas, mun.area)}


def livcr_figures(atlas: Atlas, area: str | None = None, lang: str = "nl") -> list[dict]:
    """The report's LIVC-R counts per area (all areas when none is given), each with its citation."""
    figures = atlas.derived(("livcr_figures", lang), lambda atlas: _livcr_figures(atlas, lang))
    return [dict(f) for f in figures if not area or f["area"] == area]


def _livcr_figures(atlas: Atlas, lang: str) -> list[dict]:
    figures = []  # the measures about the LIVC-R: what points to it (an indexed read), not a scan of a property
    about = {st.subject for st in atlas.by_object.get("body/livcr", ()) if st.prop == "subject"}
    measures = [m for m in atlas.entities_of("Measure") if m in about]
    atlas.read_names(measures)
    for mid in atlas.chunked(measures):
        if atlas.first(mid, "subject") != "body/livcr":
            continue
        count = atlas.values(mid, "count")
        figures.append({"id": mid, "label": atlas.label(mid, lang), "area": atlas.first(mid, "area"),
                        "count": atlas.first(mid, "count"), "total": atlas.first(mid, "total"),
                        "as_of": atlas.first(mid, "as_of"), "counted": atlas.first(mid, "counted"),
                        "rank": count[0].rank if count else None,
                        "order": f"{atlas.first(mid, 'area') or ''} {atlas.first(mid, 'as_of') or ''}",
                        "cites": atlas.citation(count[0]) if count else None})
    return figures


def entity_view(atlas: Atlas, eid: str, lang: str = "nl", day: dt.date | None = None, *,
                page_size: int | None = None, prop: str | None = None, incoming: str | None = None,
                page: int = 1) -> dict:
    """An entity with its statements grouped by property, and the relations pointing to it grouped by property.
    Each group lists `page_size` statements (all when None) with its total: page `page` of the group named by
    `prop` (own statements) or `incoming` (relations pointing here), the first page of the others."""
    if eid not in atlas.types:
        raise KeyError(eid)
    schema = load_schema()
    own: dict[str, list[Statement]] = defaultdict(list)
    for st in atlas.by_subject.get(eid, ()):
        if not day or st.holds_on(day):
            own[st.prop].append(st)
    theirs: dict[str, list[Statement]] = defaultdict(list)
    for st in atlas.by_object.get(eid, ()):
        if not day or st.holds_on(day):
            theirs[st.prop].append(st)
    own_pages = {p: paged(v, page_size, page if p == prop else 1) for p, v in own.items()}
    their_pages = {p: paged(v, page_size, page if p == incoming else 1) for p, v in theirs.items()}
    _prefetch(atlas, [*(st.value for shown, _ in own_pages.values() for st in shown if st.value_type == "entity"),
                      *(st.subject for shown, _ in their_pages.values() for st in shown)])
    return {"id": eid, "type": atlas.types[eid], "type_label": schema.types[atlas.types[eid]].labels.get(lang),
            "label": atlas.label(eid, lang), "labels": atlas.labels(eid), "as_of": day.isoformat() if day else None,
            "properties": [{"property": p, "label": schema.property_labels(p).get(lang, p),
                            "statements": [statement_view(atlas, st, lang) for st in shown], **where}
                           for p, (shown, where) in own_pages.items()],
            "incoming": [{"property": p, "label": schema.reverse_labels(p).get(lang, p),
                          "statements": [{**statement_view(atlas, st, lang), "subject": st.subject,
                                          "subject_label": atlas.label(st.subject, lang)} for st in shown], **where}
                         for p, (shown, where) in their_pages.items()]}


def statement_view(atlas: Atlas, st: Statement, lang: str) -> dict:
    view = {"id": st.id, "property": st.prop, "value": st.value, "value_type": st.value_type, "lang": st.lang,
            "valid_from": str(st.valid_from) if st.valid_from else None,
            "valid_to": str(st.valid_to) if st.valid_to else None, "rank": st.rank, "note": st.note,
            **atlas.citation(st)}
    if st.value_type == "entity":
        view["object_label"] = atlas.label(st.value, lang)
    return view
