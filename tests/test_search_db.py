"""Search served by the database (SQLite FTS5, PostgreSQL tsvector): the same hits, scores, order and facets as a
plain Python reference scoring; folding, prefixes, paging, hostile input; one rewrite per version, by one writer,
before the version is served, beside curation's transactions."""
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select, text

from policy_atlas import dataset, gazetteer as gaz, store
from policy_atlas.queries import Atlas
from policy_atlas.search import DESCRIPTION_PROPS, HIDDEN_TYPES, Index, index_of, words
from policy_atlas.search import rows as search_rows
from policy_atlas.store import search as tables
from tests.conftest import make_dataset


# --- the reference: the in-memory scoring search used before (score 3 exact name, 2 every term starts a word of
# one name, 1 every term in the names or text; then label), with the database's word rules: a word is a run of
# [a-z0-9] after folding, and a term must start a word (the old scoring also matched inside a word).

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


def reference_docs(atlas) -> list[Doc]:
    exonyms: dict[str, list[str]] = {}
    for form, entry in gaz.load().exonyms.items():
        exonyms.setdefault(f"mun/{entry['nis']}", []).append(form)
    docs = []
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
        docs.append(Doc(eid, [" ".join(words(n)) for n in names], " ".join(words(" ".join(texts))), kind,
                        atlas.tier_of(eid), atlas.regions_of(eid), governments,
                        int(start[:4]) if start else None, int(end[:4]) if end else None))
    return docs


def reference_score(doc: Doc, terms: list[str]) -> int | None:
    if not terms:
        return 0
    if " ".join(terms) in doc.names:
        return 3
    if any(all(any(w.startswith(t) for w in name.split()) for t in terms) for name in doc.names):
        return 2
    haystack = (" ".join(doc.names) + " " + doc.text).split()
    return 1 if all(any(w.startswith(t) for w in haystack) for t in terms) else None


def reference_passes(doc: Doc, types, tier, region, government, year_from, year_to) -> bool:
    if (types and doc.type not in types) or (tier and doc.tier != tier) or (region and region not in doc.regions):
        return False
    if government and government not in doc.governments:
        return False
    if year_from is not None and doc.end is not None and doc.end < year_from:
        return False
    if year_to is not None and doc.start is not None and doc.start > year_to:
        return False
    return not ((year_from is not None or year_to is not None) and doc.start is None and doc.end is None)


def reference_search(atlas, docs, q="", types=None, tier=None, region=None, year_from=None, year_to=None,
                     government=None):
    terms = words(q)
    if q.strip() and not terms:
        return [], {}
    hits = [(score, doc) for doc in docs if (score := reference_score(doc, terms)) is not None
            and reference_passes(doc, types, tier, region, government, year_from, year_to)]
    hits.sort(key=lambda h: (-h[0], atlas.label(h[1].id).casefold(), h[1].id))
    results = [{"id": d.id, "type": d.type, "tier": d.tier, "regions": d.regions, "governments": d.governments,
                "start": d.start, "end": d.end, "score": s} for s, d in hits]
    facets = {"type": Counter(d.type for _, d in hits), "tier": Counter(d.tier for _, d in hits),
              "region": Counter(r for _, d in hits for r in dict.fromkeys(d.regions)),
              "government": Counter(g for _, d in hits for g in dict.fromkeys(d.governments))}
    return results, {name: dict(counts) for name, counts in facets.items()}


@pytest.fixture(scope="module")
def reference(atlas):
    return reference_docs(atlas)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def index(request, atlas):
    """The bundled atlas's search tables on each engine."""
    url = request.getfixturevalue("atlas_db" if request.param == "sqlite" else "pg_atlas_db")
    return Index.open(Atlas.open(store.connect(url)))


QUERIES = [("", {}), ("luik", {}), ("Liège", {}), ("LIÈGE", {}), ("lüttich", {}), ("ocad", {}), ("OCAM", {}),
           ("spf intérieur", {}), ("LIVC-R", {}), ("csil", {}), ("beroepsgeheim", {}), ("radicalisering", {}),
           ("gent", {}), ("brussel", {}), ("de", {}), ("a", {}), ("plan", {}), ("2016", {}), ("sint-jans", {}),
           ("préven", {}), ("extrémisme violent", {}), ("vlaamse overheid", {}), ("radical", {"types": ["Subsidy"]}),
           ("", {"types": ["Subsidy"], "region": "flanders"}), ("", {"tier": "federal", "types": ["Subsidy"]}),
           ("", {"types": ["Subsidy"], "year_from": 2017, "year_to": 2017}), ("", {"year_from": 2020}),
           ("prev", {"year_to": 2015}), ("", {"government": "gov/wallonia", "types": ["Subsidy"]}),
           ("radicalisering", {"region": "brussels", "tier": "regional"}), ("", {"types": ["Municipality", "Body"]})]


@pytest.mark.parametrize("q, filters", QUERIES)
def test_hits_scores_order_and_facets_equal_the_reference(index, atlas, reference, q, filters):
    expected, expected_facets = reference_search(atlas, reference, q, **filters)
    assert index.search(q, **filters) == expected
    facets = index.facets(q, **filters)
    assert facets == {name: expected_facets.get(name, {}) for name in facets}
    assert sum(facets["type"].values()) == len(expected)


def test_the_reference_sees_what_the_database_sees(reference, atlas):
    """The reference is not empty-handed: the bundled atlas has many searchable documents."""
    assert len(reference) > 1000 and not [d for d in reference if d.type in HIDDEN_TYPES]


@pytest.mark.parametrize("query", ["Luik", "Liège", "liege", "LIÈGE", "Lüttich", "LUTTICH", "  liège  "])
def test_case_and_accents_fold(index, query):
    first = index.search(query)[0]
    assert (first["id"], first["score"]) == ("mun/62063", 3)


def test_a_prefix_finds_whole_words(index):
    whole = {h["id"] for h in index.search("radicalisering")}
    assert whole and whole <= {h["id"] for h in index.search("radicalis")}
    assert "agency/ocad" in {h["id"] for h in index.search("oca")}
    assert [h["score"] for h in index.search("lui") if h["id"] == "mun/62063"] == [2]


def test_pages_cut_the_ranked_hits(index):
    everything = index.search("")
    assert len(everything) > 1000
    pages = [index.search("", page=k, per_page=50) for k in range(1, 4)]
    assert [len(p) for p in pages] == [50, 50, 50]
    assert [h["id"] for p in pages for h in p] == [h["id"] for h in everything[:150]]
    last = len(everything) // 50 + 1
    assert index.search("", page=last) == everything[(last - 1) * 50:]
    assert index.search("", page=last + 1) == []


HOSTILE = ['"', '""', "'", "*", "-", "--x", "(", ")", "((luik", 'NEAR(luik gent)', "luik NEAR gent", "luik OR gent",
           "NOT luik", "luik AND", "^luik", "luik:*", "a & b | !c", "x" * 200, "é" * 200, "%", "_", "\\", "'; DROP TABLE x",
           "\u0000", "Москва", "名古屋", "🙂", "{luik}", "col:luik", "luik*", "+luik", "\"luik\" \"gent\""]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_input_gives_hits_or_nothing(index, atlas, reference, q):
    expected, _ = reference_search(atlas, reference, q)
    assert index.search(q) == expected
    assert sum(index.facets(q)["type"].values()) == len(expected)


def test_operators_are_words_not_syntax(index):
    assert {h["id"] for h in index.search('NEAR(luik gent)')} == {h["id"] for h in index.search("near luik gent")}
    assert index.search("luik*") == index.search("luik")


@pytest.mark.parametrize("q", ["luik", 'NEAR("', "x" * 200, "*)(", "LIVC-R"])
def test_the_page_answers_hostile_input(client, q):
    for path in ("/nl/search", "/api/search"):
        assert client.get(path, params={"q": q}).status_code == 200
    assert client.get("/api/search", params={"q": q, "format": "csv"}).status_code == 200


def test_the_page_pages_and_counts_all_hits(client):
    first = client.get("/api/search", params={"q": "de"}).json()
    second = client.get("/api/search", params={"q": "de", "page": 2}).json()
    assert first["count"] == second["count"] > 100 and first["per_page"] == 50 and second["page"] == 2
    assert len(first["results"]) == len(second["results"]) == 50
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert sum(first["facets"]["type"].values()) == first["count"]
    html = client.get("/en/search", params={"q": "de", "page": 2}).text
    assert 'rel="next"' in html and 'rel="prev"' in html and "page=3" in html and "q=de" in html
    assert "Results 51–100 of" in html
    assert client.get("/api/search", params={"page": 0}).status_code == 422


GOOD = """
source: far-2019
lang: nl
entities:
  - id: org/{slug}
    type: Organisation
    labels: {{nl: {name}}}
    statements:
      - {{p: kind, v: nonprofit, src: editorial}}
"""


def _held(engine) -> str | None:
    with tables.engine_of(engine).connect() as conn:
        return tables.indexed(conn)


def test_a_new_version_rewrites_the_tables_once(db_url, tmp_path):
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "v1", {"a/f.yaml": GOOD.format(slug="one", name="Eerste Huis")})),
                engine)
    first = Atlas.open(engine)
    index = Index.open(first)
    assert [h["id"] for h in index.search("eerste")] == ["org/one"]
    assert _held(engine) == tables.key_of(engine, first.version) == f"{first.version} {store.changed_at(engine)}"
    store.build(dataset.load(make_dataset(tmp_path / "v2", {"a/f.yaml": GOOD.format(slug="two", name="Tweede Huis")})),
                engine)
    second = Atlas.open(engine)
    index = Index.open(second)
    assert index.search("eerste") == [] and [h["id"] for h in index.search("huis")] == ["org/two"]
    assert _held(engine) == tables.key_of(engine, second.version)
    # a process still on the older version does not write it back over the newer one
    assert tables.key_of(engine, first.version) is None
    Index.open(first)
    assert [h["id"] for h in index.search("huis")] == ["org/two"] and _held(engine) == tables.key_of(engine, second.version)


def test_two_processes_write_one_version_once(db_url, tmp_path, monkeypatch):
    """Two views of one store at one version open the index at once: one writes, the other waits for it and
    then finds the version written (never an empty or half-written index)."""
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"a/f.yaml": GOOD.format(slug="one", name="Eerste Huis")})),
                engine)
    written, found, barrier, write = [], [], threading.Barrier(2), tables.write

    def slow_write(conn, key, rows):
        written.append(key)
        barrier.wait(timeout=30)  # the other one is asking now, while this one holds the writer's turn
        write(conn, key, rows)

    monkeypatch.setattr(tables, "write", slow_write)
    first = threading.Thread(target=lambda: found.append(Index.open(Atlas.open(engine)).search("huis")))
    first.start()
    barrier.wait(timeout=30)
    found.append(Index.open(Atlas.open(store.connect(db_url))).search("huis"))
    first.join(timeout=60)
    assert written == [tables.key_of(engine, store.version(engine))]
    assert [[h["id"] for h in hits] for hits in found] == [["org/one"], ["org/one"]]
    rows = list(search_rows(Atlas.open(engine)))
    with tables.engine_of(engine).connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.docs)).scalar() == len(rows)
        assert conn.execute(select(func.count()).select_from(tables.names)).scalar() == sum(len(set(r["names"])) for r in rows)


def test_the_full_text_index_is_the_engines_own(index):
    with index.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("SELECT count(*) FROM search_docs_fts WHERE search_docs_fts MATCH 'luik*'")).scalar()
        else:
            plan = "\n".join(conn.execute(text("EXPLAIN SELECT doc FROM search_docs WHERE tsv @@ "
                                               "to_tsquery('simple', 'luik:*')")).scalars())
            assert "tsv" in plan
            assert conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_search_docs_tsv' "
                                     "AND indexdef LIKE '%USING gin%'")).scalar() == 1


def test_an_atlas_is_searched_in_its_store(db_url, tmp_path):
    engine = store.connect(db_url)
    store.build(dataset.load(make_dataset(tmp_path / "d", {"a/f.yaml": GOOD.format(slug="one", name="Eerste Huis")})),
                engine)
    served = Atlas.open(engine)
    index = index_of(served)
    assert index.engine is tables.engine_of(engine) and [h["id"] for h in index.search("huis")] == ["org/one"]
    assert index_of(served) is index  # once per atlas
    assert _held(engine) == tables.key_of(engine, store.version(engine))
    if engine.dialect.name == "sqlite":  # a file of its own beside the store's
        assert index.engine.url.database == str(tmp_path / "atlas-search.sqlite")
        assert not inspect(engine).has_table("search_docs") or _count(engine, tables.docs) == 0


def _count(engine, tbl) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(tbl)).scalar()


def test_the_app_serves_search_from_its_store(client, atlas_db):
    """The served atlas is a view of the store: its search tables hold the served version."""
    assert client.get("/api/search", params={"q": "luik"}).json()["results"][0]["id"] == "mun/62063"
    engine = store.connect(atlas_db)
    assert _held(engine) == tables.key_of(engine, store.version(engine))
    assert client.app.state.atlas.index.engine is tables.engine_of(engine)


def test_a_new_version_is_served_with_its_index_written(tmp_path, monkeypatch):
    """The reload writes the new version's index before serving it (on SQLite too): no search request writes."""
    from fastapi.testclient import TestClient

    from policy_atlas.web.app import create_app

    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    engine = store.connect(url)
    store.build(dataset.load(make_dataset(tmp_path / "v1", {"a/f.yaml": GOOD.format(slug="one", name="Eerste Huis")})),
                engine)
    app = create_app(url)
    app.state.atlas.CHECK_EVERY = 0
    app.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        assert [r["id"] for r in client.get("/api/search", params={"q": "huis"}).json()["results"]] == ["org/one"]
        store.build(dataset.load(make_dataset(tmp_path / "v2", {"a/f.yaml": GOOD.format(slug="two", name="Tweede Huis")})),
                    engine)
        loaded = app.state.atlas.loaded()  # the reload thread's work: warm, then serve
        assert loaded.version == store.version(engine) and _held(engine) == tables.key_of(engine, loaded.version)
        monkeypatch.setattr(tables, "write", lambda *args: pytest.fail("a search request wrote the index"))
        assert [r["id"] for r in client.get("/api/search", params={"q": "huis"}).json()["results"]] == ["org/two"]


def test_a_curation_write_and_an_index_write_at_the_same_time_both_succeed(tmp_path):
    """SQLite: a read-then-write transaction meeting another writer fails at once ("database is locked"), WAL or
    not; the index is written elsewhere, so curation's transactions never meet it."""
    from policy_atlas.curation import accounts
    from policy_atlas.store import curation

    engine = store.connect(f"sqlite:///{tmp_path / 'atlas.sqlite'}")
    store.build(dataset.load(make_dataset(tmp_path / "d", {"a/f.yaml": GOOD.format(slug="one", name="Eerste Huis")})),
                engine)
    with engine.begin() as conn:
        accounts.add(conn, "reviewer@example.org", "reviewer")
    atlas = Atlas.open(engine)
    with engine.begin() as conn:  # curation reads...
        assert accounts.by_email(conn, "reviewer@example.org")["role"] == "reviewer"
        index = Index.open(atlas)  # ...an index is written meanwhile...
        curation.record(conn, "test", actor="reviewer@example.org")  # ...then curation writes
    with tables.engine_of(engine).begin() as conn:
        tables.lock(conn)  # and while the index writer holds its turn, curation reads then writes
        with engine.begin() as other:
            assert accounts.by_email(other, "reviewer@example.org")["role"] == "reviewer"
            curation.record(other, "test", actor="reviewer@example.org")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(curation.audit_log)
                            .where(curation.audit_log.c.action == "test")).scalar() == 2
    assert [h["id"] for h in index.search("huis")] == ["org/one"]


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_documents_written_in_chunks_make_the_same_index(request, monkeypatch, engine_name):
    """The writer turns documents into rows a chunk at a time (bounded memory at 100×): written 7 at a time, the
    tables hold the same rows, and search answers the same, as written in one piece."""
    atlas = Atlas.open(store.connect(request.getfixturevalue("atlas_db" if engine_name == "sqlite" else "pg_atlas_db")))
    engine, key = Index.open(atlas).engine, tables.key_of(atlas.engine, atlas.version)
    held, insert = [], tables._insert if engine_name == "sqlite" else tables._copy
    monkeypatch.setattr(tables, insert.__name__, lambda conn, parts: held.append(len(parts[0])) or insert(conn, parts))

    def written(chunk: int) -> tuple[list, list]:
        with engine.begin() as conn:
            tables.lock(conn)
            tables.write(conn, key, search_rows(atlas), chunk=chunk)
        with engine.connect() as conn:
            rows = [sorted(conn.execute(select(*t.c).select_from(t)).all()) for t in tables.TABLES]
        index = Index(engine)
        return rows, [(index.search(q, **filters), index.facets(q, **filters)) for q, filters in QUERIES[:12]]

    whole = written(10**6)
    assert held == [len(whole[0][0])] and len(held) == 1 and held[0] > 1000
    held.clear()
    assert written(7) == whole
    assert max(held) == 7 and len(held) == -(-len(whole[0][0]) // 7)
