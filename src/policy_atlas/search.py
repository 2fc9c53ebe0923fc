"""Search: one box over labels, aliases and descriptions in every language, folded for case and accents,
with facets by type, tier (level), region, government and year range — answered by the database.

The rows (`store/search.py`) are computed from the atlas once per version. A query's words are folded
(`gazetteer.normalize`) and cut into [a-z0-9] terms, so no search syntax reaches the engine. Score 3: a name
is the query exactly; 2: every term starts a word of one name; 1: every term starts a word of the names or
descriptions; then by label. Facets are counted in SQL over all hits."""
from __future__ import annotations

import json
import re
import sys
from itertools import groupby

from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection, Engine

from . import gazetteer as gaz
from .model import load_schema
from .queries import Atlas, level_rule, regions_rule
from .store import search as tables

DESCRIPTION_PROPS = ("description", "short", "task", "purpose")
TEXT_PROPS = ("alias", *DESCRIPTION_PROPS)  # read for words; the other properties' values are ids and codes
HIDDEN_TYPES = ("Respondent",)
PER_PAGE = 50
FACETS = ("type", "tier", "region", "government")


def words(text: str) -> list[str]:
    """Folded words: what is indexed and what a query is cut into."""
    return re.findall(r"[a-z0-9]+", gaz.normalize(text))


READ = ("alias", *DESCRIPTION_PROPS, "level", "government", "part_of", "funder", "provider", "competent_as",
        "eligible_region", "region")  # what a document is made of, besides the atlas's per-version labels and dates


def rows(atlas: Atlas):
    """One row per searchable entity, computed from one read of the statements it needs (not one per entity) and
    the atlas's per-version labels and dates: names (labels, aliases; a municipality's official names and
    exonyms), descriptions, governments, and the level and regions as `Atlas.tier_of` and `Atlas.regions_of`
    find them, each entity's once."""
    said = _Said(atlas)
    gazetteer = gaz.load()
    exonyms: dict[str, list[str]] = {}
    for form, entry in gazetteer.exonyms.items():
        exonyms.setdefault(f"mun/{entry['nis']}", []).append(form)
    folded: dict[str, str] = {}
    fold = lambda text: folded.get(text) or folded.setdefault(text, " ".join(words(text)))
    for eid, kind in atlas.types.items():
        if kind in HIDDEN_TYPES:
            continue
        said_of = said.of(eid)
        names = [*atlas.labels(eid).values(), *said_of.get("alias", ())]
        if kind == "Municipality":
            mun = gazetteer.get(eid)
            names += [n for n in (mun.name_nl, mun.name_fr, mun.name_de) if n] + exonyms.get(eid, [])
        names = [fold(n) for n in names]
        texts = [fold(text) for p in DESCRIPTION_PROPS for text in said_of.get(p, ())]
        start, end = atlas.period_of(eid)
        yield {"id": eid, "type": kind, "tier": said.tier(eid), "regions": said.regions(eid),
               "governments": [eid] if kind == "Government" else said_of.get("government", []),
               "start": _year(start), "end": _year(end), "sort_key": atlas.label(eid).casefold(),
               "names": [n for n in names if n], "words": " ".join(n for n in [*names, *texts] if n)}


class _Said:
    """The current statements of the READ properties, read in one scan: per subject and property their values
    as `Atlas.values` orders them (preferred first, then by start of validity, then statement order); each
    entity's level and regions (`Atlas.level_of`, `Atlas.regions_of`) computed once — many entities point to the
    same governments."""

    def __init__(self, atlas: Atlas):
        self.types, self._levels, self._regions = atlas.types, {}, {}
        self._said: dict[str, dict[str, list]] = {}
        for (subject, prop), rows in groupby(tables.said(atlas.engine, READ), key=lambda r: (r[0], r[1])):
            found = [(value, rank != "preferred", valid_from or "") for _, _, value, rank, valid_from in rows]
            if len(found) > 1:  # in statement order already: sorting is stable
                found.sort(key=lambda s: (s[1], s[2]))
            self._said.setdefault(sys.intern(subject), {})[sys.intern(prop)] = \
                [v if prop in TEXT_PROPS else sys.intern(v) for v, _, _ in found]

    def of(self, eid: str) -> dict[str, list]:
        return self._said.get(eid, _NOTHING)

    def values(self, eid: str, prop: str) -> list[str]:
        return self._said.get(eid, _NOTHING).get(prop, [])

    def tier(self, eid: str) -> str:
        return load_schema().tier_of_level(self.level(eid)) or "civil"

    def level(self, eid: str) -> str | None:
        if eid not in self._levels:
            self._levels[eid] = level_rule(eid, self.types, self.values, self.level)
        return self._levels[eid]

    def regions(self, eid: str) -> list[str]:
        if eid not in self._regions:
            self._regions[eid] = regions_rule(eid, self.types, self.values, self.regions)
        return self._regions[eid]


_NOTHING: dict[str, list] = {}


def index_of(atlas: Atlas) -> Index:
    """The search index of an atlas (a view of its store), made once per atlas, so once per version: the store's
    search tables, brought to the atlas's version first. Also what the web app warms before serving a version."""
    return atlas.derived("search.index", Index.open)


class Index:
    """Queries the search tables of one database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, atlas: Atlas) -> Index:
        """The index of the atlas's store, written first for the atlas's version if it holds another one (and
        the store is still at that version). One process writes, under the writer's lock; another one asking
        meanwhile waits for it and then finds the version written."""
        engine = tables.engine_of(atlas.engine)
        with engine.connect() as conn:
            held = tables.indexed(conn)
        if held != tables.key_of(atlas.engine, atlas.version):
            with engine.begin() as conn:
                tables.lock(conn)
                key = tables.key_of(atlas.engine, atlas.version)
                if key is not None and tables.indexed(conn) != key:
                    tables.write(conn, key, rows(atlas))
        return cls(engine)

    def search(self, q: str = "", types: list[str] | None = None, tier: str | None = None,
               region: str | None = None, year_from: int | None = None, year_to: int | None = None,
               government: str | None = None, *, page: int | None = None, per_page: int = PER_PAGE) -> list[dict]:
        """Hits, best first: all of them, or one page (counted from 1)."""
        with self.engine.connect() as conn:
            hits = _hits(conn, q, types, tier, region, year_from, year_to, government)
            if hits is None:
                return []
            d = tables.docs
            query = (select(d.c.eid, d.c.type, d.c.tier, d.c.regions, d.c.governments, d.c.start_year,
                            d.c.end_year, hits.c.score)
                     .join_from(hits, d, d.c.doc == hits.c.doc)
                     .order_by(hits.c.score.desc(), _binary(conn, d.c.sort_key), d.c.eid))
            if page is not None:
                query = query.limit(per_page).offset((page - 1) * per_page)
            return [{"id": r.eid, "type": r.type, "tier": r.tier, "regions": json.loads(r.regions),
                     "governments": json.loads(r.governments), "start": r.start_year, "end": r.end_year,
                     "score": r.score} for r in conn.execute(query)]

    def facets(self, q: str = "", types: list[str] | None = None, tier: str | None = None,
               region: str | None = None, year_from: int | None = None, year_to: int | None = None,
               government: str | None = None) -> dict[str, dict[str, int]]:
        """Per facet, how many of all hits have each value, most frequent first (the type counts add up to
        the number of hits)."""
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        with self.engine.connect() as conn:
            hits = _hits(conn, q, types, tier, region, year_from, year_to, government)
            if hits is None:
                return out
            d = tables.docs
            per_doc = lambda name, value, tbl=None: (
                select(literal(name).label("facet"), value.label("value"), func.count().label("n"))
                .select_from(hits.join(tbl, tbl.c.doc == hits.c.doc) if tbl is not None
                             else hits.join(d, d.c.doc == hits.c.doc)).group_by(value))
            query = union_all(per_doc("type", d.c.type), per_doc("tier", d.c.tier),
                              per_doc("region", tables.regions.c.region, tables.regions),
                              per_doc("government", tables.governments.c.government, tables.governments))
            for facet, value, n in sorted(conn.execute(query), key=lambda r: (-r.n, r.value)):
                out[facet][value] = n
        return out


def _hits(conn: Connection, q: str, types, tier, region, year_from, year_to, government):
    """A CTE of (doc, score) for every hit; None when the query has words but none to search for."""
    terms = words(q)
    if q.strip() and not terms:
        return None
    d, dialect = tables.docs, conn.dialect.name
    conditions = []
    if terms:
        phrase = " ".join(terms)
        exact = exists().where(tables.names.c.doc == d.c.doc, tables.names.c.name == phrase)
        score = case((exact, 3), (d.c.doc.in_(tables.matching_names(dialect, terms)), 2), else_=1)
        conditions.append(tables.matching_docs(dialect, terms))
    else:
        score = literal(0)
    if types:
        conditions.append(d.c.type.in_(types))
    if tier:
        conditions.append(d.c.tier == tier)
    if region:
        conditions.append(exists().where(tables.regions.c.doc == d.c.doc, tables.regions.c.region == region))
    if government:
        conditions.append(exists().where(tables.governments.c.doc == d.c.doc,
                                         tables.governments.c.government == government))
    if year_from is not None:
        conditions.append(or_(d.c.end_year.is_(None), d.c.end_year >= year_from))
    if year_to is not None:
        conditions.append(or_(d.c.start_year.is_(None), d.c.start_year <= year_to))
    if year_from is not None or year_to is not None:
        conditions.append(or_(d.c.start_year.is_not(None), d.c.end_year.is_not(None)))
    return select(d.c.doc, score.label("score")).where(and_(True, *conditions)).cte("hits")


def _binary(conn: Connection, col):
    """Order by code point, as Python sorts strings (PostgreSQL would otherwise use the database's locale)."""
    return col.collate("C") if conn.dialect.name == "postgresql" else col


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value else None
