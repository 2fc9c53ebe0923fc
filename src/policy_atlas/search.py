"""Search: one box over labels, aliases and descriptions in every language, folded for case and accents,
with facets by type, tier (level), region, government and year range — answered by the database.

The rows (`store/search.py`) are computed from the atlas once per version. A query's words are folded
(`gazetteer.normalize`) and cut into [a-z0-9] terms, so no search syntax reaches the engine. Score 3: a name
is the query exactly; 2: every term starts a word of one name; 1: every term starts a word of the names or
descriptions; then by label. Facets are counted in SQL over all hits."""
from __future__ import annotations

import json
import re

from sqlalchemy import and_, case, create_engine, exists, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from . import gazetteer as gaz
from .queries import Atlas
from .store import search as tables

DESCRIPTION_PROPS = ("description", "short", "task", "purpose")
HIDDEN_TYPES = ("Respondent",)
PER_PAGE = 50
FACETS = ("type", "tier", "region", "government")


def words(text: str) -> list[str]:
    """Folded words: what is indexed and what a query is cut into."""
    return re.findall(r"[a-z0-9]+", gaz.normalize(text))


def rows(atlas: Atlas):
    """One row per searchable entity, computed from the atlas."""
    exonyms: dict[str, list[str]] = {}
    for form, entry in gaz.load().exonyms.items():
        exonyms.setdefault(f"mun/{entry['nis']}", []).append(form)
    eids = [eid for eid, kind in atlas.types.items() if kind not in HIDDEN_TYPES]
    if prefetch := getattr(atlas, "prefetch", None):
        prefetch(eids)
    for eid in eids:
        kind = atlas.types[eid]
        names = list(atlas.labels(eid).values()) + [s.value for s in atlas.values(eid, "alias")]
        if kind == "Municipality":
            mun = gaz.load().get(eid)
            names += [n for n in (mun.name_nl, mun.name_fr, mun.name_de) if n] + exonyms.get(eid, [])
        folded = [" ".join(words(n)) for n in names]
        texts = [s.value for p in DESCRIPTION_PROPS for s in atlas.values(eid, p)]
        start, end = atlas.period_of(eid)
        governments = [eid] if kind == "Government" else [s.value for s in atlas.values(eid, "government")]
        yield {"id": eid, "type": kind, "tier": atlas.tier_of(eid), "regions": atlas.regions_of(eid),
               "governments": governments, "start": _year(start), "end": _year(end),
               "sort_key": atlas.label(eid).casefold(), "names": [n for n in folded if n],
               "words": " ".join([*folded, *words(" ".join(texts))])}


def index_of(atlas: Atlas) -> Index:
    """The atlas's search index, made once per atlas (so once per version): its store's search tables, brought
    to its version first; an atlas with no store of its own gets an index in memory."""
    derived = getattr(atlas, "derived", None)
    return derived("search.index", _index) if derived else _index(atlas)


def warm(atlas: Atlas) -> None:
    """Before a version is served (PostgreSQL): its index written now. On SQLite a second writer at an arbitrary
    moment makes other read-then-write transactions fail ("database is locked"), so there the index is written
    when first searched."""
    engine = getattr(atlas, "engine", None)
    if engine is not None and engine.dialect.name != "sqlite":
        index_of(atlas)


def _index(atlas: Atlas) -> Index:
    engine = getattr(atlas, "engine", None)
    return Index.open(engine, atlas, atlas.version) if engine is not None else Index.build(atlas)


class Index:
    """Queries the search tables of one database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, engine: Engine, atlas: Atlas, version: str) -> Index:
        """The index of `engine`, rewritten first if it does not hold `version` yet (or a newer one)."""
        with engine.connect() as conn:
            held = tables.indexed_version(conn)
        if held is None or int(held) < int(version):
            computed = list(rows(atlas))
            try:
                with engine.begin() as conn:
                    tables.replace(conn, version, computed)
            except OperationalError as exc:  # SQLite still locked by another process writing them: use theirs
                if engine.dialect.name != "sqlite" or "locked" not in str(exc):
                    raise
        return cls(engine)

    @classmethod
    def build(cls, atlas: Atlas) -> Index:
        """An index of an atlas that has no database of its own (built in memory, e.g. from a dataset)."""
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        with engine.begin() as conn:
            tables.create(conn)
            tables.replace(conn, "0", rows(atlas))
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
