"""Curation on the web: log-in, sessions, CSRF, the role x action matrix, the propose -> review -> publish path,
hostile text escaped everywhere, the history pages and the Atom feed."""
import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from policy_atlas import store
from policy_atlas.web import security
from policy_atlas.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def app(curation_sqlite_url):
    application = create_app(curation_sqlite_url)
    application.state.atlas.CHECK_EVERY = 0
    application.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    return application


@pytest.fixture
def any_engine_app(curation_url):
    application = create_app(curation_url)
    application.state.atlas.CHECK_EVERY = 0
    application.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    return application


def token(client, path="/en/login"):
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(app, curators, name):
    client = TestClient(app)
    if name == "anonymous":
        token(client)
        return client
    response = client.post("/en/login", data={"email": f"{name}@example.org", "password": curators[name][1],
                                              "csrf_token": token(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return client


def form(client, **data):
    return {"csrf_token": client.cookies.get(security.CSRF_COOKIE), **data}


ZELE_FORM = {"entity": "subsidy/impuls-2016", "prop": "recipient", "municipalities": "Zele", "source": "far-2019",
             "quote": "Zele", "valid_from": "2016", "title": "Zele received the Impuls subsidy"}


def propose(client, **changes):
    response = client.post("/en/propose", data=form(client, **{**ZELE_FORM, **changes}), follow_redirects=False)
    assert response.status_code == 303, re.findall(r'role="alert"[^>]*>([^<]*)', response.text)
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_session_cookie_is_signed_httponly_samesite_and_logout_ends_it(app, curators):
    client = TestClient(app)
    response = client.post("/en/login", data={"email": "reviewer@example.org", "password": curators["reviewer"][1],
                                              "csrf_token": token(client)}, follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(security.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and curators["reviewer"][1] not in cookie
    assert client.get("/en/proposals").status_code == 200
    forged = TestClient(app, cookies={security.SESSION_COOKIE: client.cookies[security.SESSION_COOKIE][:-3] + "AAA"})
    assert forged.get("/en/proposals", follow_redirects=False).status_code == 303  # to the log-in page
    assert client.post("/en/logout", data=form(client), follow_redirects=False).status_code == 303
    assert client.get("/en/proposals", follow_redirects=False).headers["location"].startswith("/en/login")


def test_wrong_password_and_rate_limits(app, curators):
    client = TestClient(app)
    for _ in range(security.MAX_FAILURES_ACCOUNT):
        r = client.post("/en/login", data={"email": "admin@example.org", "password": "guess", "csrf_token": token(client)})
        assert r.status_code == 401 and "wrong e-mail or password" in r.text
    r = client.post("/en/login", data={"email": "admin@example.org", "password": curators["admin"][1],
                                       "csrf_token": token(client)})
    assert r.status_code == 429  # even the right password, for a quarter of an hour
    other = login(app, curators, "reviewer")  # another account from the same address still gets in
    assert other.get("/en/proposals").status_code == 200
    for i in range(security.MAX_FAILURES_ADDRESS):
        client.post("/en/login", data={"email": f"x{i}@example.org", "password": "guess", "csrf_token": token(client)})
    r = client.post("/en/login", data={"email": "contributor@example.org", "password": curators["contributor"][1],
                                       "csrf_token": token(client)})
    assert r.status_code == 429


ROLES = ["anonymous", "withdrawn", "contributor", "reviewer", "admin"]
# action -> the roles allowed to do it; everyone else gets 403
MATRIX = {
    "propose": {"contributor", "reviewer", "admin"},
    "queue": {"contributor", "reviewer", "admin"},
    "accept": {"reviewer", "admin"},
    "accounts": {"admin"},
    "add_account": {"admin"},
    "audit": {"admin"},
    "audit_csv": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_role_action_matrix(app, curators, role):
    author = login(app, curators, "reviewer2")
    pid = propose(author)
    client = login(app, curators, role)
    done = {
        "propose": lambda: client.post("/en/propose", data=form(client, **{**ZELE_FORM, "title": "again"}), follow_redirects=False),
        "queue": lambda: client.get("/en/proposals", headers={"accept": "text/html"}, follow_redirects=False),
        "accept": lambda: client.post(f"/en/proposals/{pid}/review", data=form(client, decision="accept", revision="1"),
                                      follow_redirects=False),
        "accounts": lambda: client.get("/en/admin/accounts", follow_redirects=False),
        "add_account": lambda: client.post("/en/admin/accounts", data=form(client, action="add", email=f"new-{role}@example.org",
                                                                          role="contributor"), follow_redirects=False),
        "audit": lambda: client.get("/en/admin/audit", follow_redirects=False),
        "audit_csv": lambda: client.get("/en/admin/audit.csv", follow_redirects=False),
    }
    for action, allowed in MATRIX.items():
        status = done[action]().status_code
        if role in allowed:
            assert status in (200, 303), (role, action, status)
        elif role == "anonymous" and action in ("queue", "accounts", "audit"):
            assert status == 303, (role, action, status)  # pages send a visitor to the log-in form
        else:
            assert status == 403, (role, action, status)


@pytest.mark.parametrize("path, data", [
    ("/en/login", {"email": "admin@example.org", "password": "x"}),
    ("/en/logout", {}),
    ("/en/propose", ZELE_FORM),
    ("/en/proposals/1/review", {"decision": "accept", "revision": "1"}),
    ("/en/proposals/1/revise", {"document": ""}),
    ("/en/admin/accounts", {"action": "add", "email": "z@example.org", "role": "admin"}),
    ("/en/propose-entity", {"id": "org/x", "type": "Organisation", "label_nl": "X", "title": "x"}),
])
def test_csrf_missing_or_wrong_is_403(app, curators, path, data):
    author = login(app, curators, "contributor")
    propose(author)
    client = login(app, curators, "admin")
    assert client.post(path, data=data, follow_redirects=False).status_code == 403
    assert client.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False).status_code == 403
    stranger = TestClient(app)  # a token from another visitor's cookie does not pass either
    assert client.post(path, data={**data, "csrf_token": token(stranger)}, follow_redirects=False).status_code == 403


def test_ingest_upload_form_needs_the_csrf_token(app):
    client = TestClient(app)
    files = [("files", ("a.txt", b"De stad Gent.", "text/plain"))]
    assert client.post("/en/ingest", files=files).status_code == 403
    assert client.post("/en/ingest", files=files, data={"csrf_token": token(client, "/en/ingest")}).status_code == 200


def test_propose_review_accept_publishes_at_once(any_engine_app, curators):
    app = any_engine_app
    author, reviewer = login(app, curators, "contributor"), login(app, curators, "reviewer")
    page = author.get("/en/propose?entity=subsidy/impuls-2016&prop=recipient")
    assert page.status_code == 200 and 'name="municipalities"' in page.text and 'name="source"' in page.text
    bad = author.post("/en/propose", data=form(author, **{**ZELE_FORM, "municipalities": "Zeleee Atlantis"}))
    assert bad.status_code == 422 and "unknown municipality" in bad.text and 'id="municipalities-error"' in bad.text
    pid = propose(author)
    own = author.get(f"/en/proposals/{pid}").text
    assert "Four eyes" in own and 'value="accept"' not in own
    assert author.post(f"/en/proposals/{pid}/review", data=form(author, decision="accept", revision="1")).status_code == 403
    shown = reviewer.get(f"/en/proposals/{pid}").text
    assert 'class="diff-added"' in shown and "Zele" in shown and 'value="accept"' in shown
    assert reviewer.get("/en/proposals", params={"author": "contributor@example.org"}).text.count(f"/en/proposals/{pid}") == 1
    assert f"/en/proposals/{pid}\"" not in reviewer.get("/en/proposals", params={"author": "admin@example.org"}).text
    funder = app.state.atlas.atlas.first("subsidy/impuls-2016", "funder")
    assert f"/en/proposals/{pid}\"" in reviewer.get("/en/proposals", params={"government": funder}).text
    assert f"/en/proposals/{pid}\"" not in reviewer.get("/en/proposals", params={"government": "gov/nothing"}).text
    assert f"/en/proposals/{pid}\"" in reviewer.get("/en/proposals", params={"entity": "subsidy/impuls-2016"}).text
    assert f"/en/proposals/{pid}\"" not in reviewer.get("/en/proposals", params={"older_than": 3}).text
    r = reviewer.post(f"/en/proposals/{pid}/review", data=form(reviewer, decision="accept", revision="1"), follow_redirects=False)
    assert r.status_code == 303
    public = TestClient(app)
    entity = public.get("/api/entity/subsidy/impuls-2016").json()
    recipients = next(g for g in entity["properties"] if g["property"] == "recipient")["statements"]
    assert any(s["value"] == "mun/42028" for s in recipients)
    html = public.get("/en/entity/subsidy/impuls-2016").text
    assert "contributor@example.org" in html and f"proposal {pid}" in html
    history = public.get("/api/history/subsidy/impuls-2016").json()["events"][0]
    assert (history["kind"], history["id"], history["actor"], history["reviewer"]) == \
        ("proposal", pid, "contributor@example.org", "reviewer@example.org")
    assert history["changes"][0]["source"] == "far-2019" and history["changes"][0]["quote"] == "Zele"
    again = reviewer.post(f"/en/proposals/{pid}/review", data=form(reviewer, decision="accept", revision="1"))
    assert again.status_code == 409


def test_hostile_text_is_escaped_everywhere(app, curators):
    author, admin = login(app, curators, "contributor"), login(app, curators, "admin")
    pid = propose(author, title=f"T {HOSTILE}", quote="Zele", locator=f"L {HOSTILE}")
    r = author.post("/en/propose", data=form(author, entity="subsidy/impuls-2016", prop="description",
                                             value=f"V {HOSTILE}", lang="en", source="new", new_id="hostile-src", new_kind="webpage",
                                             new_title=f"S {HOSTILE}", new_publisher=f"P {HOSTILE}",
                                             new_url="https://example.org/a", new_published="2019",
                                             new_language="en", new_retrieved="2026-11-29", locator="p. 1",
                                             note=f"N {HOSTILE}", title=f"T2 {HOSTILE}"), follow_redirects=False)
    assert r.status_code == 303, re.findall(r'role="alert"[^>]*>([^<]*)', r.text)
    second = int(r.headers["location"].rsplit("/", 1)[1])
    admin.post(f"/en/proposals/{pid}/review", data=form(admin, decision="changes", revision="1", comment=f"C {HOSTILE}"))
    admin.post(f"/en/proposals/{second}/review", data=form(admin, decision="accept", revision="1"))
    TestClient(app).post("/en/login", data={"email": f"e{HOSTILE}@x.org", "password": HOSTILE,
                                            "csrf_token": token(TestClient(app))})
    pages = [author.get(f"/en/proposals/{pid}"), author.get(f"/en/proposals/{second}"),
             author.get("/en/proposals", params={"status": "changes_requested"}),
             author.get("/en/proposals", params={"status": "accepted"}),
             admin.get("/en/admin/audit"), TestClient(app).get("/en/history/subsidy/impuls-2016"),
             TestClient(app).get("/en/entity/subsidy/impuls-2016"), TestClient(app).get("/en/atlas-changes"),
             author.get("/en/propose", params={"entity": "subsidy/impuls-2016", "prop": "description"}),
             TestClient(app).get("/en/sources/hostile-src")]
    for page in pages:
        assert page.status_code == 200, page.url
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, page.url
    assert sum("&lt;script&gt;alert(" in p.text for p in pages) >= 9
    assert "&lt;script&gt;alert(" in TestClient(app).get("/api/atlas-changes", params={"format": "atom"}).text


def test_audit_log_records_and_exports(app, curators):
    client = TestClient(app)
    client.post("/en/login", data={"email": "reviewer@example.org", "password": "nope", "csrf_token": token(client)})
    author = login(app, curators, "contributor")
    pid = propose(author)
    admin = login(app, curators, "admin")
    admin.post("/en/admin/accounts", data=form(admin, action="role", email="contributor@example.org", role="none"))
    assert author.get("/en/propose?entity=subsidy/impuls-2016").status_code == 403  # the withdrawn role bites at once
    rows = list(csv.DictReader(io.StringIO(admin.get("/en/admin/audit.csv").text)))
    actions = [(r["action"], r["actor"]) for r in rows]
    for expected in [("login_failed", "reviewer@example.org"), ("login", "contributor@example.org"),
                     ("propose", "contributor@example.org"), ("role_change", "admin@example.org")]:
        assert expected in actions
    assert next(r for r in rows if r["action"] == "propose")["target"] == f"proposal {pid}"
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    routes = {(m, r.path) for r in all_routes(app.routes) for m in getattr(r, "methods", ()) if "audit" in r.path}
    assert routes == {("GET", "/{lang}/admin/audit"), ("GET", "/{lang}/admin/audit.csv")}  # no way to change a row


def all_routes(routes):
    for r in routes:
        yield from all_routes(r.original_router.routes) if hasattr(r, "original_router") else [r]


def test_world_changes_between_two_dates_and_atlas_changes_feed(app, curators):
    client = TestClient(app)
    data = client.get("/api/changes", params={"from": "2016-01-01", "to": "2016-12-31"}).json()
    assert data["count"] == len(data["items"]) > 0
    assert all("2016" <= i["date"][:4] <= "2016" for i in data["items"])
    assert any(i["kind"] == "began" and i["property"] == "recipient" for i in data["items"])
    assert client.get("/api/changes", params={"from": "2018-01-01", "to": "2016-01-01"}).status_code == 422
    assert client.get("/en/changes", params={"from": "2016-01-01", "to": "2016-12-31"}).status_code == 200
    author, reviewer = login(app, curators, "contributor"), login(app, curators, "reviewer")
    pid = propose(author)
    reviewer.post(f"/en/proposals/{pid}/review", data=form(reviewer, decision="accept", revision="1"))
    recent = client.get("/api/atlas-changes", params={"build": 1}).json()["events"]
    assert [(e["kind"], e["id"]) for e in recent] == [("proposal", pid)]
    feed = ET.fromstring(client.get("/api/atlas-changes", params={"format": "atom", "build": 1}).content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1 and all(e.find(f"{ATOM}{k}") is not None for e in entries for k in ("id", "title", "updated"))
    assert "Zele received" in entries[0].find(f"{ATOM}summary").text
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", entries[0].find(f"{ATOM}updated").text)


def test_propose_from_a_document_keeps_its_text_and_checks_quotes(app, curators):
    author = login(app, curators, "contributor")
    text = "Oproep 2019.\n\nDe Impulssubsidie werd in 2016 toegekend aan Anderlecht en Zele.\n"
    page = author.post("/en/propose-document", data=form(author), files={"file": ("oproep.txt", text.encode(), "text/plain")})
    assert page.status_code == 200 and "proposed facts" in page.text
    facts_json = re.search(r'name="facts_json" value="([^"]+)"', page.text).group(1)
    import html
    import json

    facts = json.loads(html.unescape(facts_json))
    zele = next(i for i, f in enumerate(facts) if f["value"] == "mun/42028")
    source = {"new_id": "oproep-2019", "new_kind": "webpage", "new_title": "Oproep 2019", "new_publisher": "Testoverheid",
              "new_url": "https://example.org/oproep", "new_published": "2019-01", "new_language": "nl",
              "new_retrieved": "2026-11-29"}
    submitted = {**source, "title": "Zele in the 2019 call", "facts_json": json.dumps(facts), "pick": str(zele)}
    forged = author.post("/en/propose-document", data=form(author, **submitted, text="Een andere tekst."))
    assert forged.status_code == 422 and "not found word for word" in forged.text
    done = author.post("/en/propose-document", data=form(author, **submitted, text=text), follow_redirects=False)
    assert done.status_code == 303, re.findall(r'role="alert"[^>]*>([^<]*)', done.text)
    pid = int(done.headers["location"].rsplit("/", 1)[1])
    shown = author.get(f"/en/proposals/{pid}").text
    assert "text held: quotes checked word for word" in shown and "oproep-2019" in shown
    reviewer = login(app, curators, "reviewer")
    reviewer.post(f"/en/proposals/{pid}/review", data=form(reviewer, decision="accept", revision="1"))
    statement = next(s for s in store.snapshot(store.connect(str(app.state.atlas.url))).statements
                     if s.subject == "subsidy/impuls-2016" and s.value == "mun/42028")
    assert statement.source == "oproep-2019" and statement.locator.startswith("p. 1, l. ")


def test_a_municipality_on_two_dates_side_by_side(client):
    data = client.get("/api/compare/42028", params={"first": "2015-12-31", "second": "2017-06-01"}).json()
    received = next(s for s in data["sections"] if s["section"] == "subsidies_received")
    assert "subsidy/vl-regierol" in {i["id"] for i in received["only_second"]}
    assert "subsidy/vl-regierol" not in {i["id"] for i in received["only_first"] + received["both"]}
    page = client.get("/en/compare/Zele", params={"first": "2015-12-31", "second": "2017-06-01"})
    assert page.status_code == 200 and 'href="/en/entity/subsidy/vl-regierol"' in page.text
    assert client.get("/api/compare/Atlantis").status_code == 404
    assert 'href="/en/compare/42028"' in client.get("/en/municipality/42028").text
