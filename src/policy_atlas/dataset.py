"""Curated dataset files (YAML) -> entities and statements, with validation that names file and line.

A dataset is a folder: `sources.yaml` and one folder per kind of entity holding
YAML files. See docs/dataset.md for the format.

A load given the per-file state of the previous build (`Previous`, kept by the store) reads again only the files
that changed and those whose statements depend on an entity or source that changed; the statements of the
others are named by id in `Dataset.kept` (docs/architecture.md, "Incremental builds").
"""
from __future__ import annotations

import difflib
import gc
import hashlib
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import yaml

from . import gazetteer as gaz
from . import sources as srcs
from .model import FuzzyDate, ModelError, RANKS, Schema, Statement, coerce_value, load_schema
from .sourcetext import open_source, shared_dir
from .version import package_version

ID_RE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9._-]*$")
LINE_KEY = "__line__"
FILE_KEYS = {"source", "lang", "sources", "entities", "facts", LINE_KEY}
STATEMENT_KEYS = {"p", "v", "lang", "q", "fn", "loc", "from", "to", "rank", "note", "src", "s", LINE_KEY}
REFNIS_SOURCE = "statbel-refnis-2019"
TOPO_SOURCE = "shared-topojson-2019"


def default_path() -> Path:
    return Path(str(resources.files("policy_atlas").joinpath("datasets/belgium")))


@dataclass
class Problem:
    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass
class Entity:
    id: str
    type: str
    labels: dict[str, str]
    origin: str


@dataclass
class FileState:
    """What one dataset file gave a build: its content hash, the entities it declares (id -> [type, origin]), the
    sources it declares (id -> [hash of the record as written, the record as checked]), the entity and source ids
    its statements depend on, and the ids of its statements."""
    hash: str
    entities: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, list] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


@dataclass
class Previous:
    """The per-file state of the last build from a dataset folder, as the store keeps it. `fingerprint` covers
    the folder, the code and schema that checked it and the gazetteer; `texts` the size and time of the source
    texts the quotes were checked against; if either differs now, every file is read again."""
    fingerprint: str
    texts: dict[str, list[int]]
    files: dict[str, FileState]
    build: int | None = None


@dataclass
class Dataset:
    entities: dict[str, Entity] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)  # declared ids whose declaration failed
    warnings: list[str] = field(default_factory=list)
    # a dataset read from a folder: its files' state, which files were read, and (incremental) the statements
    # of the files left unread and the build whose state it extends
    files: dict[str, FileState] | None = None
    reread: list[str] = field(default_factory=list)
    kept: set[str] = field(default_factory=set)
    base: int | None = None
    fingerprint: str | None = None
    texts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self, origin: str, message: str) -> None:
        problem = Problem(origin, message)
        if not self.problems or str(self.problems[-1]) != str(problem):
            self.problems.append(problem)


class _DateError(yaml.constructor.ConstructorError):
    """An unquoted date that does not exist (2019-02-31)."""


_STR, _MAP, _SEQ = ("tag:yaml.org,2002:" + kind for kind in ("str", "map", "seq"))
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN_TAGS: dict[str, str] = {}  # plain scalar -> its implicit tag (a tag depends on the text alone)
_SCALARS: dict[tuple[str, str], Any] = {}  # (tag, text) -> the number, date, boolean or None it makes


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader (libyaml's parser when installed) that remembers the line of every mapping. Plain mappings,
    lists and strings are built straight from the composed nodes; anything else (numbers, dates, merge keys,
    explicit tags) by the safe constructor. `load_yaml` reads most files faster still, from the parse events."""

    def resolve(self, kind, value, implicit, _scalar=yaml.ScalarNode, _plain=_PLAIN_TAGS):
        if kind is _scalar:
            if implicit[0]:
                tag = _plain.get(value)  # keys and codes repeat in every file
                if tag is None:
                    if len(_plain) > 50_000:
                        _plain.clear()
                    tag = _plain[value] = super().resolve(kind, value, implicit)
                return tag
            if implicit[1]:  # quoted
                return _STR
        return super().resolve(kind, value, implicit)

    def get_single_data(self):
        node = self.get_single_node()
        return None if node is None else self._build(node, {}, set())

    def _build(self, node, built: dict, open_: set, _scalar=yaml.ScalarNode, _mapping=yaml.MappingNode,
               _sequence=yaml.SequenceNode):
        kind, tag = type(node), node.tag
        if kind is _scalar:
            return node.value if tag == _STR else self.construct_object(node, deep=True)
        key = id(node)
        if key in built:  # an alias: the same object, as the safe constructor gives
            return built[key]
        if key in open_:
            raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node",
                                                    node.start_mark)
        open_.add(key)
        if kind is _mapping and tag == _MAP:
            out: Any = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STR and type(key_node) is _scalar:
                    name = key_node.value
                elif key_node.tag == _MERGE:  # merge keys: the safe constructor's way
                    open_.discard(key)
                    return self.construct_object(node, deep=True)
                else:
                    name = self._build(key_node, built, open_)
                    try:
                        hash(name)
                    except TypeError:
                        raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                                "found unhashable key", key_node.start_mark) from None
                out[name] = (value_node.value if value_node.tag == _STR and type(value_node) is _scalar
                             else self._build(value_node, built, open_))
            out[LINE_KEY] = node.start_mark.line + 1
        elif kind is _sequence and tag == _SEQ:
            out = [item.value if item.tag == _STR and type(item) is _scalar else self._build(item, built, open_)
                   for item in node.value]
        else:
            open_.discard(key)
            return self.construct_object(node, deep=True)  # explicit tags (!!set, !!omap, …) or errors
        open_.discard(key)
        built[key] = out
        return out

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _DateError(None, None, f"impossible date {node.value!r}: {exc}", node.start_mark) from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


class _Unusual(Exception):
    """Something the event reader leaves to the loader (tags, merge keys, keys that are not text, …)."""


def load_yaml(text: str) -> Any:
    """A YAML text as `yaml.load(text, Loader=_LineLoader)` reads it. A dataset file (mappings, lists, text,
    some numbers and dates) is built straight from libyaml's parse events, without composing nodes first."""
    loader = _LineLoader(text)
    try:
        return _from_events(loader)
    except _Unusual:
        pass
    finally:
        loader.dispose()
    return yaml.load(text, Loader=_LineLoader)


def _from_events(loader: _LineLoader) -> Any:
    get, resolve, scalar, plain, scalars = loader.get_event, loader.resolve, yaml.ScalarNode, _PLAIN_TAGS, _SCALARS
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    get()  # stream start
    if type(get()) is yaml.StreamEndEvent:
        return None
    # the open list or dict, whether it is a list, a mapping's pending key (or _NO_KEY), its first line; and the
    # same of the enclosing ones
    container: Any = None
    is_list, key, line = False, _NO_KEY, 0
    enclosing: list[tuple[Any, bool, Any, int]] = []
    while True:
        event = get()
        kind = type(event)
        if kind is scalar_event:
            tag, value = event.tag, event.value
            if tag is None or tag == "!":
                implicit = event.implicit
                tag = plain.get(value) if implicit[0] else _STR if implicit[1] else None  # as `resolve` answers
                if tag is None:
                    tag = resolve(scalar, value, implicit)
            if event.anchor is not None or tag == _MERGE:
                raise _Unusual
            if tag != _STR:  # numbers, dates, booleans, null: immutable, made once per text
                text = value
                value = scalars.get((tag, text), _NO_KEY)
                if value is _NO_KEY:
                    value = loader.construct_object(scalar(tag, text, event.start_mark, event.end_mark, event.style),
                                                    deep=True)
                    if len(scalars) > 50_000:
                        scalars.clear()
                    scalars[tag, text] = value
        elif kind is mapping_start or kind is sequence_start:
            mapping = kind is mapping_start
            if event.tag not in (None, "!", _MAP if mapping else _SEQ) or event.anchor is not None:
                raise _Unusual
            enclosing.append((container, is_list, key, line))
            container, is_list, key, line = ({}, False, _NO_KEY, event.start_mark.line + 1) if mapping else (
                [], True, _NO_KEY, 0)
            continue
        elif kind is mapping_end:
            value = container
            value[LINE_KEY] = line
            container, is_list, key, line = enclosing.pop()
        elif kind is sequence_end:
            value = container
            container, is_list, key, line = enclosing.pop()
        elif kind is yaml.AliasEvent:
            raise _Unusual
        else:  # document end: a second document is the loader's error to report
            if type(get()) is not yaml.StreamEndEvent:
                raise _Unusual
            return result
        if is_list:
            container.append(value)
        elif container is None:
            result = value
        elif key is _NO_KEY:
            if type(value) is not str:
                raise _Unusual
            key = value
        else:
            container[key] = value
            key = _NO_KEY


_NO_KEY = object()


def read_yaml(path: Path, ds: Dataset, data: bytes | None = None) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8") if data is None else data.decode("utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        what = "" if isinstance(exc, _DateError) else "broken YAML: "
        ds.error(f"{path}{line}", f"{what}{exc.problem or exc}")
    except (OSError, UnicodeDecodeError) as exc:
        ds.error(str(path), f"cannot read: {exc}")
    return None


SOURCES_FILE = "sources.yaml"
CORPUS_INDEX = "corpus/index.json"  # the corpus sources' records are filled from it


_GC = {"depth": 0, "enabled": True}
_GC_LOCK = threading.Lock()


@contextmanager
def gc_paused():
    """The cyclic garbage collector paused (nested and thread-safe): a load or build makes millions of objects that
    live until it ends, and the collector walking them again and again cost ~6 of 45 CPU s at 100×. Refcounting
    still frees everything; cycles made meanwhile are collected when it resumes."""
    with _GC_LOCK:
        if _GC["depth"] == 0:
            _GC["enabled"] = gc.isenabled()
            gc.disable()
        _GC["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC["depth"] -= 1
            if _GC["depth"] == 0 and _GC["enabled"]:
                gc.enable()


def load(path: Path | None = None, *, check_quotes: bool = True, progress=None,
         previous: Previous | None = None) -> Dataset:
    """Read and validate a dataset folder. Problems are collected in `Dataset.problems`. With `previous` (the
    state of the last build), files that did not change and depend on nothing that changed are not read:
    their statements are only named in `Dataset.kept`."""
    with gc_paused():
        return _load(path, check_quotes, progress, previous)


def _load(path: Path | None, check_quotes: bool, progress, previous: Previous | None) -> Dataset:
    root = Path(path) if path else default_path()
    ds = Dataset()
    schema = load_schema()
    if not root.is_dir():
        ds.error(str(root), "dataset folder not found")
        return ds
    paths = {SOURCES_FILE: root / SOURCES_FILE} | {f"{p.parent.name}/{p.name}": p for p in sorted(root.glob("*/*.yaml"))}
    data = {rel: _read_bytes(p) for rel, p in paths.items()}
    hashes = {rel: hashlib.sha1(b).hexdigest() if b is not None else "" for rel, b in data.items()}
    ds.fingerprint = fingerprint(root, check_quotes)
    usable = previous and previous.fingerprint == ds.fingerprint and _texts(previous.texts) == previous.texts
    old = previous.files if usable else {}
    ds.base = previous.build if old else None
    stale = [rel for rel in paths if rel not in old or old[rel].hash != hashes[rel]]
    docs = {rel: read_yaml(paths[rel], ds, data[rel]) for rel in stale}
    reread = set(stale) | _affected(old, docs, set(paths)) if old else set(paths)
    for rel in reread - set(docs):
        docs[rel] = read_yaml(paths[rel], ds, data[rel])
    ds.reread = [rel for rel in paths if rel in reread]
    sources_doc = docs.get(SOURCES_FILE) if SOURCES_FILE in reread else None
    _add_sources(paths[SOURCES_FILE], (sources_doc or {}).get("sources") or [], ds)
    if SOURCES_FILE not in reread:
        ds.sources.update({sid: rec for sid, (_, rec) in old[SOURCES_FILE].sources.items()})
    _add_gazetteer(ds)
    for rel in paths:
        if rel not in reread and rel != SOURCES_FILE:
            _restore(old[rel], ds)
    raw_records: list[tuple[Path, dict]] = []
    for rel in ds.reread:
        f, doc = paths[rel], docs[rel]
        if progress:
            progress(f)
        if rel == SOURCES_FILE or doc is None:
            continue
        if not isinstance(doc, dict):
            ds.error(str(f), "a dataset file is a mapping with `entities:` and/or `facts:`")
            continue
        for key in sorted(set(doc) - FILE_KEYS, key=str):
            close = difflib.get_close_matches(str(key), sorted(FILE_KEYS - {LINE_KEY}), n=1)
            hint = f" (did you mean `{close[0]}:`?)" if close else ""
            ds.error(f"{f}:{_key_line(f, key)}", f"unknown top-level key {key!r}{hint}; "
                                                  f"a dataset file has {', '.join(sorted(FILE_KEYS - {LINE_KEY}))}")
        raw_records.append((f, doc))
        _add_sources(f, doc.get("sources") or [], ds)
        for rec in doc.get("entities") or []:
            _declare_entity(schema, f, rec, ds)
    if progress:
        for rel in paths:
            if rel not in reread:
                progress(paths[rel])
    for f, doc in raw_records:
        defaults = {"src": doc.get("source"), "lang": doc.get("lang", "nl")}
        for rec in doc.get("entities") or []:
            if isinstance(rec, dict) and isinstance(rec.get("id"), str):
                for st in rec.get("statements") or []:
                    _add_statement(schema, f, rec["id"], st, defaults, ds)
        for st in doc.get("facts") or []:
            subject = st.get("s") if isinstance(st, dict) else None
            if not isinstance(subject, str):
                ds.error(_origin(f, st), "a fact needs `s:` (the subject entity id)")
                continue
            _add_statement(schema, f, subject, st, defaults, ds)
    _check_statements(schema, ds, check_quotes)
    ds.files = _file_states(ds, old, paths, hashes, docs)
    ds.texts = _texts({CORPUS_INDEX: [], **{src["path"]: [] for src in ds.sources.values() if src.get("path")}})
    return ds


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def fingerprint(root: Path, check_quotes: bool) -> str:
    """What the state of a build depends on besides the files: the folder, the version, the code and schema that
    check the files, and the gazetteer."""
    package = Path(__file__).parent
    parts = [package / name for name in ("dataset.py", "model.py", "sources.py", "sourcetext.py", "gazetteer.py",
                                         "schema/model.yaml")]
    parts += sorted((package / "data" / "gazetteer").glob("*"))
    digest = hashlib.sha1(json.dumps([str(root.resolve()), package_version(), check_quotes]).encode())
    for part in parts:
        digest.update(_read_bytes(part) or b"")
    return digest.hexdigest()


def _texts(stamps: dict[str, list[int]]) -> dict[str, list[int]]:
    """Size and modification time (ns) of each source text (by its path under the shared folder); [] if missing."""
    out = {}
    for rel in stamps:
        try:
            st = os.stat(shared_dir() / rel)
            out[rel] = [st.st_size, st.st_mtime_ns]
        except OSError:
            out[rel] = []
    return out


def _declared(doc: Any, key: str) -> list[dict]:
    records = doc.get(key) if isinstance(doc, dict) else None
    return [r for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)] if isinstance(records, list) else []


def _record_hash(rec: dict) -> str:
    return hashlib.sha1(json.dumps({k: v for k, v in rec.items() if k != LINE_KEY}, sort_keys=True, default=str,
                                   ensure_ascii=False).encode()).hexdigest()


def _affected(old: dict[str, FileState], docs: dict[str, Any], present: set[str]) -> set[str]:
    """Unchanged files to read again: those whose statements name an entity or source that a changed or removed
    file declared and no longer declares the same way, and those declaring an id a changed file now declares too
    (so that the duplicate is reported as a full read reports it)."""
    types = {rec["id"]: str(rec.get("type")) for doc in docs.values() for rec in _declared(doc, "entities")}
    records = {rec["id"]: _record_hash(rec) for doc in docs.values() for rec in _declared(doc, "sources")}
    dirty = set()
    for rel in set(docs) | (set(old) - present):
        state = old.get(rel)
        if state is None:
            continue
        dirty |= {eid for eid, (etype, _) in state.entities.items() if types.get(eid) != etype}
        dirty |= {sid for sid, (digest, _) in state.sources.items() if records.get(sid) != digest}
    return {rel for rel, state in old.items() if rel in present and rel not in docs and (
        dirty.intersection(state.refs) or dirty.intersection(state.cites)
        or types.keys() & state.entities.keys() or records.keys() & state.sources.keys())}


def _restore(state: FileState, ds: Dataset) -> None:
    """A file not read again: its sources and entities from its state, its statements by id."""
    ds.sources.update({sid: rec for sid, (_, rec) in state.sources.items()})
    ds.entities.update({eid: Entity(eid, etype, {}, origin) for eid, (etype, origin) in state.entities.items()})
    ds.kept.update(state.statements)


def _file_states(ds: Dataset, old: dict[str, FileState], paths: dict[str, Path], hashes: dict[str, str],
                 docs: dict[str, Any]) -> dict[str, FileState]:
    """The state of every file: kept from `old` for a file not read, else what it gave this load."""
    states = {rel: old[rel] if rel not in docs else FileState(hashes[rel]) for rel in paths}
    owner = {str(paths[rel]): states[rel] for rel in docs}

    def state_of(origin: str | None) -> FileState | None:
        if origin is None:
            return None
        return owner.get(origin.rpartition(":")[0]) or owner.get(origin)

    for rel in docs:
        for rec in _declared(docs[rel], "sources"):
            if rec["id"] in ds.sources:
                states[rel].sources[rec["id"]] = [_record_hash(rec), ds.sources[rec["id"]]]
    for entity in ds.entities.values():
        if (state := state_of(entity.origin)) is not None:
            state.entities[entity.id] = [entity.type, entity.origin]
    refs: dict[int, set[str]] = {id(state): set() for state in owner.values()}
    cites: dict[int, set[str]] = {id(state): set() for state in owner.values()}
    last_origin, state = None, None
    for st in ds.statements:
        if st.origin is not last_origin:  # the values of one record share its origin
            last_origin, state = st.origin, state_of(st.origin)
            if state is not None:
                ids, refs_of, cites_of = state.statements, refs[id(state)], cites[id(state)]
        if state is None:
            continue
        ids.append(st.id)
        refs_of.add(st.subject)
        if st.value_type == "entity":
            refs_of.add(st.value)
        cites_of.add(st.source)
    for rel in docs:
        states[rel].refs = sorted(refs[id(states[rel])])
        states[rel].cites = sorted(cites[id(states[rel])])
    return states


def _key_line(path: Path, key: Any) -> int:
    """The line of a top-level key (the file's own mapping records only its first line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)


def _origin(path: Path, rec: Any) -> str:
    line = rec.get(LINE_KEY) if isinstance(rec, dict) else None
    return f"{path}:{line}" if line else str(path)


def _add_sources(path: Path, records: list, ds: Dataset) -> None:
    """Sources are declared in `sources.yaml` or under `sources:` in any dataset file, beside the facts citing them."""
    languages = load_schema().languages
    for rec in records:
        origin = _origin(path, rec)
        sid = rec.get("id") if isinstance(rec, dict) else None
        if not sid or sid in ds.sources:
            ds.error(origin, f"source needs a unique id, got {sid!r}")
            continue
        rec = {k: v for k, v in rec.items() if k != LINE_KEY}
        problems: list[str] = []
        if rec.get("corpus") is not None:
            rec, problems = srcs.from_corpus(rec, shared_dir())
        rec, more = srcs.check(rec, languages)
        for problem in problems + more:
            ds.error(origin, f"source {sid}: {problem}")
        ds.sources[sid] = rec


def _add_gazetteer(ds: Dataset) -> None:
    """Municipalities, arrondissements and provinces come from the gazetteer, cited to REFNIS."""
    g = gaz.load()
    _add_sources(Path("gazetteer/mergers.yaml"), [s for s in g.sources if s["id"] not in ds.sources], ds)  # a dump declares them too
    entities, statements = _gazetteer_part()
    ds.entities.update(entities)
    ds.statements += statements


@cache
def _gazetteer_part() -> tuple[dict[str, Entity], list[Statement]]:
    """The gazetteer's entities and statements, made once per process (statements are immutable)."""
    g = gaz.load()
    entities: dict[str, Entity] = {}
    statements: list[Statement] = []
    for nis, unit in g.units.items():
        etype = "Province" if unit["kind"] == "province" else "Arrondissement"
        eid = f"{'prov' if etype == 'Province' else 'arr'}/{nis}"
        entities[eid] = Entity(eid, etype, {"nl": unit["name_nl"], "fr": unit["name_fr"]}, "gazetteer")
        ref = dict(source=REFNIS_SOURCE, locator=f"code {nis}", origin="gazetteer")
        statements += [Statement(eid, "name", n, "text", lang=lang, **ref) for lang, n in entities[eid].labels.items()]
        statements += [Statement(eid, "nis_code", nis, "text", **ref)]
        if etype == "Arrondissement" and gaz.province_of(nis):
            statements.append(Statement(eid, "province", f"prov/{gaz.province_of(nis)}", "entity", **ref))
    for m in g:
        labels = {"nl": m.name_nl, "fr": m.name_fr, **({"de": m.name_de} if m.name_de else {})}
        entities[m.entity_id] = Entity(m.entity_id, "Municipality", labels, "gazetteer")
        ref = dict(source=m.code_source, locator=f"code {m.nis}", origin="gazetteer")
        statements += [Statement(m.entity_id, "name", n, "text", lang=lang, **ref) for lang, n in labels.items()]
        statements += g.history_statements(m)
        statements += [
            Statement(m.entity_id, "nis_code", m.nis, "text", **ref),
            Statement(m.entity_id, "arrondissement", f"arr/{m.arrondissement}", "entity", **ref),
            Statement(m.entity_id, "language_regime", m.language_regime, "enum", **ref),
        ]
        if m.population is not None:
            statements.append(Statement(m.entity_id, "population", str(m.population), "integer",
                                        source=TOPO_SOURCE, locator=f"nis {m.nis}", origin="gazetteer"))
    return entities, statements


def _declare_entity(schema: Schema, path: Path, rec: Any, ds: Dataset) -> None:
    origin = _origin(path, rec)
    if not isinstance(rec, dict):
        ds.error(origin, "an entity is a mapping with id, type, labels and statements")
        return
    eid, etype = rec.get("id"), rec.get("type")
    if not isinstance(eid, str) or not ID_RE.match(eid):
        ds.error(origin, f"entity id {eid!r} must look like 'kind/slug' (lower case, digits, . _ -)")
        return
    ds.rejected.add(eid)
    if eid in ds.entities:
        ds.error(origin, f"entity id {eid!r} is already declared at {ds.entities[eid].origin}")
        return
    try:
        schema.get_type(str(etype))
    except ModelError as exc:
        ds.error(origin, f"{eid}: {exc}")
        return
    labels = {k: v for k, v in (rec.get("labels") or {}).items() if k != LINE_KEY}
    bad = [k for k in labels if k not in schema.languages]
    if bad or not labels:
        hint = " (an unquoted comma splits a label in a {...} mapping: quote the label)" if bad else ""
        ds.error(origin, f"{eid}: labels need at least one of {schema.languages}; unknown: {bad}{hint}")
        return
    for key in set(rec) - {"id", "type", "labels", "statements", LINE_KEY}:
        ds.error(origin, f"{eid}: unknown entity field {key!r}")
    ds.entities[eid] = Entity(eid, etype, {k: str(v) for k, v in labels.items()}, origin)
    ds.rejected.discard(eid)
    for lang, text in labels.items():
        ds.statements.append(Statement(eid, "name", str(text), "text", lang=lang, source="editorial",
                                       locator="label", origin=origin))


def _add_statement(schema: Schema, path: Path, subject: str, st: Any, defaults: dict, ds: Dataset) -> None:
    origin = _origin(path, st)
    if not isinstance(st, dict) or "p" not in st:
        ds.error(origin, f"{subject}: a statement is a mapping with at least p (property)")
        return
    if not STATEMENT_KEYS.issuperset(st):
        ds.error(origin, f"{subject}: unknown statement field(s) {sorted(set(st) - STATEMENT_KEYS)}")
        return
    entity = ds.entities.get(subject)
    if entity is None:
        if subject not in ds.rejected:
            ds.error(origin, f"unknown subject entity {subject!r}")
        return
    prop = str(st["p"])
    try:
        spec = _property(schema, entity.type, prop)
    except ModelError as exc:
        ds.error(origin, f"{subject}: {exc}")
        return
    raw_values = st.get("v", st.get("q") if spec.type == "text" else None)
    values = raw_values if isinstance(raw_values, list) else [raw_values]
    try:
        valid_from = _fuzzy_date(st["from"]) if st.get("from") is not None else None
        valid_to = _fuzzy_date(st["to"]) if st.get("to") is not None else None
    except ModelError as exc:
        ds.error(origin, f"{subject}.{prop}: {exc}")
        return
    if valid_from and valid_to and valid_from.first_day() > valid_to.last_day():
        ds.error(origin, f"{subject}.{prop}: valid_from {valid_from} is after valid_to {valid_to}")
        return
    rank = st.get("rank", "normal")
    if rank not in RANKS:
        ds.error(origin, f"{subject}.{prop}: rank must be one of {RANKS}, not {rank!r}")
        return
    source = st.get("src", defaults["src"])
    if source is None:
        ds.error(origin, f"{subject}.{prop}: no source: give `src:` here or `source:` at the top of the file")
        return
    locator = f"fn {st['fn']}" if st.get("fn") is not None else st.get("loc")
    lang = str(st.get("lang", defaults["lang"])) if spec.type == "text" else None
    source, quote, note = str(source), _quote(st.get("q")), st.get("note")
    locator = str(locator) if locator is not None else None
    for raw in values:
        try:
            value = coerce_value(spec, raw)
        except ModelError as exc:
            ds.error(origin, f"{subject}: {exc}")
            continue
        ds.statements.append(Statement(subject, prop, value, spec.type, lang, valid_from, valid_to, source, locator,
                                       quote, rank, note, origin))


@cache
def _property(schema: Schema, type_name: str, prop: str):
    """`schema.get_property`, looked up once per (type, property); a ModelError is raised again on every call."""
    return schema.get_property(type_name, prop)


def _fuzzy_date(raw: Any) -> FuzzyDate:
    """`FuzzyDate.parse`, once per distinct value and type written (years and dates repeat; a FuzzyDate never
    changes; 2016 and 2016.0 stay apart)."""
    try:
        return _parsed_date(raw)
    except TypeError:  # not hashable (a list): the parser names the problem
        return FuzzyDate.parse(raw)


_parsed_date = lru_cache(maxsize=4096, typed=True)(FuzzyDate.parse)


QUOTE_GAP = " […] "


def _quote(raw: Any) -> str | None:
    """A quote is a string, or a list of fragments of one passage interrupted by a page break or footnote."""
    if not raw:
        return None
    return QUOTE_GAP.join(str(q).strip() for q in raw) if isinstance(raw, list) else str(raw).strip()


def _check_statements(schema: Schema, ds: Dataset, check_quotes: bool) -> None:
    cited: dict[str, tuple] = {}

    def cite(sid: str) -> tuple:
        """What the checks need of a source, looked up once: its record, held text (opened when first cited: an
        incremental load checks few sources), whether its quotes are limited, its number of footnotes."""
        src = ds.sources.get(sid, {})
        text = None
        if src.get("path"):
            text = open_source(str(shared_dir() / src["path"]))
            if text is None:
                ds.warnings.append(f"source {sid}: text {src['path']} not found; its quotes were not checked")
        limited = not src.get("path") and src.get("kind") in srcs.QUOTE_LIMITED
        info = cited[sid] = (src, src.get("path"), text, limited, src.get("footnotes", 10**6))
        return info

    found: dict[tuple[str, str], int | None] = {}
    located: list[Statement] = []
    languages = set(schema.languages)
    for st in ds.statements:
        if st.origin == "gazetteer":
            located.append(st)
            continue
        origin = st.origin or st.subject
        if st.source not in ds.sources and st.source != "editorial":
            ds.error(origin, f"{st.subject}.{st.prop}: unknown source {st.source!r}")
            continue
        if st.value_type == "entity":
            _check_reference(schema, ds, st, origin)
        if st.lang and st.lang not in languages:
            ds.error(origin, f"{st.subject}.{st.prop}: unknown language {st.lang!r}")
        source, path, text, limited, footnotes = cited.get(st.source) or cite(st.source)
        line = None
        if path:
            if not st.quote:
                ds.error(origin, f"{st.subject}.{st.prop}: a statement from {st.source} needs a verbatim quote (q:)")
                continue
            if check_quotes and text is not None:
                key = (st.source, st.quote)  # a quote is often cited by several statements (a list of values)
                if key not in found:
                    lines = [text.find(fragment) for fragment in st.quote.split(QUOTE_GAP)]
                    found[key] = None if None in lines else lines[0]
                line = found[key]
                if line is None:
                    ds.error(origin, f"{st.subject}.{st.prop}: quote not found word for word in "
                                     f"{path}: {st.quote[:80]!r}")
                    continue
        if st.locator and st.locator.startswith("fn "):
            n = st.locator[3:]
            if not n.isdigit() or not 1 <= int(n) <= int(footnotes):
                ds.error(origin, f"{st.subject}.{st.prop}: footnote {n} does not exist in {st.source}")
                continue
        if limited:
            problem = "needs a locator (fn:, or loc: a section heading or paragraph)" if st.locator is None else (
                srcs.quote_problem(st.quote) if st.quote else None)
            if problem:
                ds.error(origin, f"{st.subject}.{st.prop}: {problem} ({st.source})")
                continue
        if st.locator is None:
            if line is None and st.source != "editorial" and not source.get("url"):
                ds.error(origin, f"{st.subject}.{st.prop}: needs a locator (fn:, loc:) or a quote in a held text")
                continue
            locator = f"line {line}" if line else ("editorial" if st.source == "editorial" else None)
            st = _located(st, locator)
        elif line and not st.locator.startswith("line"):
            st = _located(st, f"{st.locator}; line {line}")
        located.append(st)
    ds.statements = located
    _warn_undated_beside_dated(ds)


def _warn_undated_beside_dated(ds: Dataset) -> None:
    """An undated statement holds at every date: beside dated ones of the same subject and property it
    usually widens a dated fact (a recipient from an undated annex listed before the subsidy existed).
    Text values (descriptions, tasks) are passages of their own, not values a date could widen: they are left out.
    A note saying why it has no dates silences the warning."""
    eligible = [st for st in ds.statements if st.origin != "gazetteer" and st.rank != "deprecated"
                and st.source != "editorial" and st.value_type != "text"]
    with_dates = {(st.subject, st.prop) for st in eligible if st.valid_from or st.valid_to}
    groups: dict[tuple[str, str], list[Statement]] = {}
    for st in eligible:
        if (key := (st.subject, st.prop)) in with_dates:
            groups.setdefault(key, []).append(st)
    for (subject, prop), sts in groups.items():
        dated = [s for s in sts if s.valid_from or s.valid_to]
        if not dated:
            continue
        spans = sorted({f"{s.valid_from or '…'}..{s.valid_to or '…'}" for s in dated})
        for st in sts:
            if not (st.valid_from or st.valid_to or st.note):
                ds.warnings.append(f"{st.origin}: {subject}.{prop} = {st.value[:40]!r} has no dates, beside "
                                   f"{len(dated)} dated statement(s) of the same property ({', '.join(spans)}): "
                                   "it holds at every date; give from:/to: or the reason in a note")


def _located(st: Statement, locator: str | None) -> Statement:
    return Statement(st.subject, st.prop, st.value, st.value_type, st.lang, st.valid_from, st.valid_to, st.source,
                     locator, st.quote, st.rank, st.note, st.origin)


def _check_reference(schema: Schema, ds: Dataset, st: Statement, origin: str) -> None:
    target = ds.entities.get(st.value)
    if target is None:
        what = "municipality" if st.value.startswith("mun/") else "entity"
        hint = ""
        if st.value.startswith("mun/"):
            hint = "; " + (", ".join(gaz.load().suggest(st.value[4:].lstrip("?"))) or "no close name")
        ds.error(origin, f"{st.subject}.{st.prop}: unknown {what} {st.value!r}{hint}")
        return
    if not _in_range(schema, ds.entities[st.subject].type, st.prop, target.type):
        spec = schema.get_property(ds.entities[st.subject].type, st.prop)
        ds.error(origin, f"{st.subject}.{st.prop}: {st.value} is a {target.type}, "
                         f"expected {' or '.join(spec.range)}")


@cache
def _in_range(schema: Schema, subject_type: str, prop: str, target_type: str) -> bool:
    """Whether a property of a subject type may point at an entity of the target type (the answer depends on the
    three names alone: checked once per distinct triple, not per statement)."""
    spec = schema.get_property(subject_type, prop)
    return not spec.range or any(schema.types[target_type].is_a(r) for r in spec.range)


def statement_json(st: Statement) -> dict:
    out: dict[str, Any] = {"id": st.id, "property": st.prop}
    out["object" if st.value_type == "entity" else "value"] = st.value
    out.update({"value_type": st.value_type, "lang": st.lang,
                "valid_from": str(st.valid_from) if st.valid_from else None,
                "valid_to": str(st.valid_to) if st.valid_to else None,
                "source": st.source, "locator": st.locator, "quote": st.quote, "rank": st.rank, "note": st.note})
    return out


def from_jsonl(lines: Iterator[str], template: Dataset) -> Dataset:
    """Rebuild a dataset from its JSON Lines export (sources come from `template`)."""
    ds = Dataset(sources=template.sources)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            ds.entities[obj["id"]] = Entity(obj["id"], obj["type"], obj["labels"], f"jsonl:{n}")
            for s in obj["statements"]:
                fields = {k: s[k] for k in ("value_type", "lang", "valid_from", "valid_to", "source", "locator",
                                            "quote", "rank", "note")}
                ds.statements.append(Statement.from_text(
                    subject=obj["id"], prop=s["property"], value=s.get("object", s.get("value")),
                    origin=f"jsonl:{n}", **fields))
        except (KeyError, ValueError, TypeError) as exc:
            ds.error(f"jsonl:{n}", f"bad export line: {exc}")
    return ds


def check_document(doc: dict, entities: dict[str, str], sources: dict[str, dict], *, origin: str | None = None,
                   check_quotes: bool = True) -> Dataset:
    """Validate one document in the dataset format (`sources`, `entities`, `facts`) against the entities
    (id -> type) and sources an atlas already holds, by the same rules as `load`. Only the document's own
    entities and statements end up in the result. Problems name `origin:line` when given (a file), else the
    record: `sources[0]`, `entities[1]`, `entities[1].statements[0]`, `facts[2]`."""
    ds = Dataset(sources=dict(sources))
    schema = load_schema()
    for eid, etype in entities.items():
        ds.entities[eid] = Entity(eid, etype, {}, "atlas")
    where = (lambda _name: Path(origin)) if origin else Path
    for i, rec in enumerate(doc.get("sources") or []):
        _add_sources(where(f"sources[{i}]"), [rec], ds)
    records = doc.get("entities") or []
    for i, rec in enumerate(records):
        _declare_entity(schema, where(f"entities[{i}]"), rec, ds)
    defaults = {"src": doc.get("source"), "lang": doc.get("lang", "nl")}
    for i, rec in enumerate(records):
        if isinstance(rec, dict) and isinstance(rec.get("id"), str):
            for j, st in enumerate(rec.get("statements") or []):
                _add_statement(schema, where(f"entities[{i}].statements[{j}]"), rec["id"], st, defaults, ds)
    for i, st in enumerate(doc.get("facts") or []):
        subject = st.get("s") if isinstance(st, dict) else None
        if not isinstance(subject, str):
            ds.error(_origin(where(f"facts[{i}]"), st), "a fact needs `s:` (the subject entity id)")
            continue
        _add_statement(schema, where(f"facts[{i}]"), subject, st, defaults, ds)
    _check_statements(schema, ds, check_quotes)
    ds.entities = {k: v for k, v in ds.entities.items() if v.origin != "atlas"}
    return ds
