"""Heavy pages bounded: a profile page's first view shows the first 5 items of each list with its total and a link
to all of them, an entity's relations longer than a page show the first 25 with their total,
`?section=NAME&page=K` / `?incoming=PROP&page=K` page through one list (25 a page), HTML and JSON agree, the CSV
has every row, and item details are worked out only for the items shown."""
import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from policy_atlas import gazetteer as gaz
from policy_atlas import queries, store
from policy_atlas.dataset import Entity
from policy_atlas.model import FuzzyDate, Statement
from policy_atlas.queries import FIRST_VIEW, PAGE_SIZE, PROFILE_LISTS
from tests.conftest import cli

EXTRA = 60  # synthetic grants to Liège, more than two pages of subsidies received
LIEGE = "62063"


def _grant(n: int) -> list[Statement]:
    eid = f"subsidy/synthetic-{n:02d}"
    st = lambda prop, value, kind, **kw: Statement(eid, prop, value, kind, source="far-2019",  # noqa: E731
                                                  locator=f"line {n}", **kw)
    return [st("name", f"Synthetic grant {n:02d}", "text", lang="nl"), st("start", "2016", "date"),
            st("government", "gov/flanders", "entity"),
            st("recipient", f"mun/{LIEGE}", "entity", valid_from=FuzzyDate(2016) if n % 2 else None)]


@pytest.fixture(scope="module")
def big_db(tmp_path_factory, bundled):
    """The bundled atlas with EXTRA synthetic subsidies (2016 on) received by Liège and run by gov/flanders."""
    extra = {f"subsidy/synthetic-{n:02d}": Entity(f"subsidy/synthetic-{n:02d}", "Subsidy",
                                                   {"nl": f"Synthetic grant {n:02d}"}, "test")
             for n in range(EXTRA)}
    ds = replace(bundled, entities={**bundled.entities, **extra},
                 statements=[*bundled.statements, *(st for n in range(EXTRA) for st in _grant(n))])
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'atlas.sqlite'}"
    store.build(ds, store.connect(url))
    return url


@pytest.fixture(scope="module")
def big(big_db):
    from fastapi.testclient import TestClient

    from policy_atlas.web.app import create_app

    with TestClient(create_app(big_db)) as client:
        yield client


def _atlas(client):
    return client.app.state.atlas.atlas


def _listed(html: str, name: str) -> list[str]:
    """The entity ids linked in one list of a profile page, in order."""
    block = html[html.index(f'<ul class="items" id="list-{name}">'):]
    block = block[:block.index("</ul>")]
    return re.findall(r'<li><a href="/\w\w/entity/([^"]+)"', block)


def test_a_long_section_shows_its_first_5_and_pages_through_all_25_a_page(big):
    every = queries.profile(_atlas(big), gaz.load().get(LIEGE), None, "en")["subsidies_received"]
    assert len(every) == EXTRA + 4  # the four Liège grants of the bundled atlas, then the synthetic ones
    order = [i["id"] for i in every]
    now, ended = [i for i in every if i["status"] != "ended"], [i for i in every if i["status"] == "ended"]
    assert every == now + ended and ended  # in every period, what is in force today first (the 2016 impulse grant ended)
    for part in (now, ended):
        assert [i["label"].casefold() for i in part] == sorted(i["label"].casefold() for i in part)
    first = big.get(f"/api/municipality/{LIEGE}", params={"lang": "en"}).json()
    assert first["sections"]["subsidies_received"] == {"total": EXTRA + 4, "page": 1, "pages": 3, "page_size": 25,
                                                       "first_view": FIRST_VIEW}
    assert [i["id"] for i in first["subsidies_received"]] == order[:FIRST_VIEW]
    assert first["subsidies_received"][0] == every[0]  # the same details as the whole profile's
    one = big.get(f"/api/municipality/{LIEGE}", params={"lang": "en", "section": "subsidies_received"}).json()
    assert [i["id"] for i in one["subsidies_received"]] == order[:25]
    assert one["sections"]["subsidies_received"] == {"total": EXTRA + 4, "page": 1, "pages": 3, "page_size": 25,
                                                     "first_view": None}
    second = big.get(f"/api/municipality/{LIEGE}", params={"lang": "en", "section": "subsidies_received",
                                                            "page": 2}).json()
    assert [i["id"] for i in second["subsidies_received"]] == order[25:50]
    assert second["sections"]["subsidies_received"]["page"] == 2
    assert [i["id"] for i in second["rules"]] == [i["id"] for i in first["rules"]]  # other lists stay on their first view
    last = big.get(f"/api/municipality/{LIEGE}", params={"lang": "en", "section": "subsidies_received",
                                                          "page": 3}).json()
    assert [i["id"] for i in last["subsidies_received"]] == order[50:]


def test_on_a_day_every_list_is_ordered_by_label(big):
    day = queries.profile(_atlas(big), gaz.load().get(LIEGE), dt.date(2017, 6, 1), "en")
    for name in PROFILE_LISTS:
        assert [i["label"].casefold() for i in day[name]] == sorted(i["label"].casefold() for i in day[name]), name


def test_html_and_json_list_the_same_items_with_all_prev_and_next_links(big):
    params = {"section": "subsidies_received", "page": 2}
    html = big.get(f"/en/municipality/{LIEGE}", params=params).text
    data = big.get(f"/api/municipality/{LIEGE}", params={**params, "lang": "en"}).json()
    assert _listed(html, "subsidies_received") == [i["id"] for i in data["subsidies_received"]]
    assert f"26–50 of {EXTRA + 4}" in html
    assert f'rel="prev" href="/en/municipality/{LIEGE}?page=1&amp;section=subsidies_received#list-subsidies_received"' in html
    assert f'rel="next" href="/en/municipality/{LIEGE}?page=3&amp;section=subsidies_received#list-subsidies_received"' in html
    first = big.get(f"/en/municipality/{LIEGE}").text
    shown = big.get(f"/api/municipality/{LIEGE}", params={"lang": "en"}).json()
    for name in PROFILE_LISTS:
        if shown[name]:
            assert _listed(first, name) == [i["id"] for i in shown[name]], name
    assert (f'<a href="/en/municipality/{LIEGE}?section=subsidies_received#list-subsidies_received">'
            f"Subsidies received: all {EXTRA + 4} →</a>") in first
    assert 'rel="prev"' not in first and 'rel="next"' not in first  # the first view has no pager, only "all N"
    assert "all 1 →" not in first  # a list shown whole has no link
    dated = big.get(f"/en/municipality/{LIEGE}", params={"as_of": "2017-06-01"}).text
    assert f'href="/en/municipality/{LIEGE}?as_of=2017-06-01&amp;section=subsidies_received#list-subsidies_received"' in dated


def test_every_list_on_the_page_is_bounded(big):
    html = big.get(f"/nl/municipality/{LIEGE}").text
    data = big.get(f"/api/municipality/{LIEGE}").json()
    for name in PROFILE_LISTS:
        assert len(data[name]) == min(FIRST_VIEW, data["sections"][name]["total"]), name
        if data[name]:
            assert len(_listed(html, name)) == len(data[name]), name


def test_a_page_past_the_last_is_404_and_a_page_needs_its_section(big):
    gone = big.get(f"/api/municipality/{LIEGE}", params={"section": "subsidies_received", "page": 4})
    assert gone.status_code == 404
    assert gone.json()["error"] == (f"page: subsidies_received has {EXTRA + 4} items here, 25 a page (3 pages); "
                                    "there is no page 4")
    assert big.get(f"/en/municipality/{LIEGE}", params={"section": "helplines", "page": 2}).status_code == 404
    lone = big.get(f"/api/municipality/{LIEGE}", params={"page": 2})
    assert lone.status_code == 422 and "give section too" in lone.json()["error"]
    unknown = big.get(f"/api/municipality/{LIEGE}", params={"section": "grants"})
    assert unknown.status_code == 422 and "section" in unknown.json()["problems"][0]
    assert big.get(f"/api/municipality/{LIEGE}", params={"section": "rules", "page": 0}).status_code == 422


def test_the_csv_has_every_row(big):
    rows = list(csv.DictReader(io.StringIO(big.get(f"/api/municipality/{LIEGE}", params={
        "format": "csv", "section": "subsidies_received", "page": 2}).text)))
    every = queries.profile(_atlas(big), gaz.load().get(LIEGE), None, "nl")
    assert [(r["list"], r["id"]) for r in rows] == [(k, i["id"]) for k in PROFILE_LISTS for i in every[k]]
    synthetic = next(r for r in rows if r["id"] == "subsidy/synthetic-07")
    assert (synthetic["why"], synthetic["start"], synthetic["source"], synthetic["locator"]) == \
        ("direct grant", "2016", "far-2019", "line 7")


def test_details_are_worked_out_only_for_the_items_shown(big, monkeypatch):
    calls = []
    real = queries._item
    monkeypatch.setattr(queries, "_item", lambda *a, **kw: calls.append(a[1]) or real(*a, **kw))
    p = queries.profile(_atlas(big), gaz.load().get(LIEGE), None, "nl", page_size=PAGE_SIZE)
    assert sorted(calls) == sorted(i["id"] for k in PROFILE_LISTS for i in p[k])
    assert p["sections"]["subsidies_received"]["total"] == EXTRA + 4 and len(p["subsidies_received"]) == 25


def test_compare_counts_whole_lists_and_shows_the_differences_first(big):
    params = {"as_of": "2015-12-31", "compare": "2017-06-01"}
    data = big.get(f"/api/municipality/{LIEGE}", params=params).json()
    grants = next(entry for entry in data["compare"]["lists"] if entry["list"] == "subsidies_received")
    every = queries.profile(_atlas(big), gaz.load().get(LIEGE), dt.date(2017, 6, 1))["subsidies_received"]
    before = queries.profile(_atlas(big), gaz.load().get(LIEGE), dt.date(2015, 12, 31))["subsidies_received"]
    later = {i["id"] for i in every} - {i["id"] for i in before}
    assert grants["only_second"] == len(later) >= EXTRA and grants["total"] == len(later | {i["id"] for i in before})
    assert len(grants["rows"]) == 25 and all(r["second"] and not r["first"] for r in grants["rows"])
    html = big.get(f"/en/municipality/{LIEGE}", params=params).text
    assert f"The first 25 of {grants['total']} rows, those that differ first" in html


def test_the_curators_compare_page_lists_25_of_each_group_with_its_total(big):
    data = big.get(f"/api/compare/{LIEGE}", params={"first": "2015-12-31", "second": "2017-06-01", "lang": "en"}).json()
    grants = next(s for s in data["sections"] if s["section"] == "subsidies_received")
    later = queries.profile_found(_atlas(big), gaz.load().get(LIEGE), dt.date(2017, 6, 1))["subsidies_received"]
    before = {f.eid for f in queries.profile_found(_atlas(big), gaz.load().get(LIEGE), dt.date(2015, 12, 31))[
        "subsidies_received"]}
    assert grants["totals"]["only_second"] == len({f.eid for f in later} - before) >= EXTRA
    assert [i["id"] for i in grants["only_second"]] == [f.eid for f in later if f.eid not in before][:25]
    assert grants["totals"]["both"] == len(grants["both"]) and grants["totals"]["only_first"] == len(grants["only_first"])
    html = big.get(f"/en/compare/{LIEGE}", params={"first": "2015-12-31", "second": "2017-06-01"}).text
    assert f"and {grants['totals']['only_second'] - 25} more" in html


def test_incoming_relations_are_paged_per_property(big):
    data = big.get("/api/entity/gov/flanders").json()
    governed = next(g for g in data["incoming"] if g["property"] == "government")
    every = [st for st in _atlas(big).by_object["gov/flanders"] if st.prop == "government"]
    assert governed["total"] == len(every) > EXTRA and len(governed["statements"]) == 25
    assert [s["id"] for s in governed["statements"]] == [st.id for st in every[:25]]
    second = big.get("/api/entity/gov/flanders", params={"incoming": "government", "page": 2}).json()
    paged = next(g for g in second["incoming"] if g["property"] == "government")
    assert [s["id"] for s in paged["statements"]] == [st.id for st in every[25:50]] and paged["page"] == 2
    html = big.get("/en/entity/gov/flanders", params={"incoming": "government", "page": 2}).text
    block = html[html.index('id="in-government"'):]
    block = block[:block.index("</nav>")]
    assert re.findall(r'<li><a href="/en/entity/([^"]+)"', block) == [s["subject"] for s in paged["statements"]]
    assert f"26–50 of {len(every)}" in block and 'rel="next"' in block and 'rel="prev"' in block
    mun = big.get(f"/api/entity/mun/{LIEGE}", params={"incoming": "recipient", "page": 3}).json()
    received = next(g for g in mun["incoming"] if g["property"] == "recipient")
    assert received["page"] == 3 and len(received["statements"]) == received["total"] - 50 > 0
    gone = big.get("/api/entity/gov/flanders", params={"incoming": "government", "page": 99})
    assert gone.status_code == 404 and "there is no page 99" in gone.json()["error"]
    both = big.get("/api/entity/gov/flanders", params={"incoming": "government", "property": "name"})
    assert both.status_code == 422


def test_cli_profile_lists_the_first_25_and_all_on_request(big_db):
    text = cli("profile", LIEGE, "--db", big_db)
    assert text.returncode == 0, text.stderr
    assert f"… and {EXTRA + 4 - 25} more (--all lists every item)" in text.stdout
    every = cli("profile", LIEGE, "--all", "--format", "json", "--db", big_db)
    data = json.loads(every.stdout)
    assert len(data["subsidies_received"]) == data["sections"]["subsidies_received"]["total"] == EXTRA + 4


def test_competent_governments_are_paged_too(big):
    liege, atlas = gaz.load().get(LIEGE), _atlas(big)
    every = queries.profile(atlas, liege, None)["governments"]
    assert len(every) == 3  # federal, Walloon Region, French Community
    first = queries.profile(atlas, liege, None, page_size=2)
    second = queries.profile(atlas, liege, None, page_size=2, section="governments", page=2)
    assert first["governments"] + second["governments"] == every
    assert second["sections"]["governments"] == {"total": 3, "page": 2, "pages": 2, "page_size": 2, "first_view": None}
    assert second["rules"] == first["rules"] and len(first["rules"]) == 2
    html = big.get(f"/en/municipality/{LIEGE}", params={"section": "governments", "page": 1}).text
    assert html.count('href="/en/entity/gov/') >= 3 and 'id="list-governments"' in html


def test_the_first_view_names_every_level_of_government_first(big, monkeypatch):
    from policy_atlas.web import pages

    govs = [("gov/a", "federal"), ("gov/b", "federal"), ("gov/c", "region:wallonia"), ("gov/d", "community:french"),
            ("gov/e", "region:wallonia")]
    assert queries._by_level(govs) == [govs[0], govs[2], govs[3], govs[1], govs[4]]
    liege, atlas = gaz.load().get(LIEGE), _atlas(big)
    first = queries.profile(atlas, liege, None, page_size=PAGE_SIZE, first=2)
    assert [g["why"] for g in first["governments"]] == ["federal", "region:wallonia"]
    assert first["sections"]["governments"] == {"total": 3, "page": 1, "pages": 1, "page_size": 25, "first_view": 2}
    assert len(first["rules"]) == 2 and first["sections"]["rules"]["first_view"] == 2
    monkeypatch.setattr(pages, "FIRST_VIEW", 2)
    html = big.get(f"/en/municipality/{LIEGE}", params={"as_of": "2016-06-02"}).text
    assert html.count('<a href="/en/entity/gov/') == 2
    assert (f'<a href="/en/municipality/{LIEGE}?as_of=2016-06-02&amp;section=governments#list-governments">'
            "Competent governments and their services: all 3 →</a>") in html
    every = big.get(f"/en/municipality/{LIEGE}", params={"as_of": "2016-06-02", "section": "governments"}).text
    assert every.count('<a href="/en/entity/gov/') == 3


def test_a_store_view_with_a_small_cache_gives_the_same_pages(big, big_db, monkeypatch):
    """Read through the store in chunks (cache far smaller than the atlas), the pages hold the same items."""
    from policy_atlas.queries import Atlas

    monkeypatch.setattr(Atlas, "CACHE", 400)
    small = Atlas.open(store.connect(big_db))
    liege, today = gaz.load().get(LIEGE), dt.date(2026, 11, 1)
    for day in (None, dt.date(2017, 6, 1)):
        for section, page in ((None, 1), ("subsidies_received", 2)):
            ask = dict(page_size=PAGE_SIZE, section=section, page=page, today=today)
            assert queries.profile(small, liege, day, "fr", **ask) == queries.profile(_atlas(big), liege, day, "fr", **ask)
    assert queries.compare(small, liege, dt.date(2015, 12, 31), dt.date(2017, 6, 1), today=today) == \
        queries.compare(_atlas(big), liege, dt.date(2015, 12, 31), dt.date(2017, 6, 1), today=today)
    assert queries.entity_view(small, "gov/flanders", "en", page_size=PAGE_SIZE, incoming="government", page=2) == \
        queries.entity_view(_atlas(big), "gov/flanders", "en", page_size=PAGE_SIZE, incoming="government", page=2)


def test_choosing_and_ordering_a_profile_reads_no_candidates_statements(big_db, monkeypatch):
    """Choosing and ordering a profile's items reads no statement by subject (at 100× Liège has ~7,900 candidates,
    183k statements): the store keeps, with the statements, the facts that decide whether and where each candidate
    is listed (dates, recipients, eligible region, names; `store/candidates.py`), read in one query per list of
    targets, once per version. Only the items shown get their details (test above)."""
    from sqlalchemy import event

    from policy_atlas.queries import Atlas

    monkeypatch.setattr(Atlas, "CACHE", 400)
    engine = store.connect(big_db)
    atlas, liege = Atlas.open(engine), gaz.load().get(LIEGE)
    read: list[str] = []
    candidates: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, params, *rest: read.extend(
        p for p in (params if isinstance(params, (list, tuple)) else params.values()) if isinstance(p, str))
        if "statements.subject IN" in sql and sql.startswith("SELECT statements.id") else None)
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: candidates.append(sql)
                 if "FROM profile_candidates" in sql else None)
    for day in (None, dt.date(2016, 3, 1), dt.date(2019, 1, 1)):
        found = queries.profile_found(atlas, liege, day, "fr")
        assert sum(len(found[k]) for k in PROFILE_LISTS) > EXTRA
    assert read == []
    assert len(candidates) == 2  # what points to the governments, what points to Liège: once per version


def test_the_cli_profile_imports_only_what_it_needs(big_db):
    """`profile` on an up-to-date database: its revision checked without Alembic, no exporter (rdflib), no progress
    bar and no PostgreSQL dialect imported for a SQLite store (together ~0.7 s of a CLI command's start)."""
    code = ("import sys\nfrom policy_atlas.cli import app\ntry:\n    app(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\nheavy = ('alembic', 'rdflib', 'rich.progress', 'policy_atlas.export', "
            "'sqlalchemy.dialects.postgresql')\n"
            "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "profile", LIEGE, "--format", "json", "--db", big_db],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sections"]["subsidies_received"]["total"] == EXTRA + 4
    assert done.stderr.strip().splitlines()[-1] == "[]"
