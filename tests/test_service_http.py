"""Serving many readers: public base URL instead of Host, validators and 304, compression, HEAD on every GET
route, health and readiness, metrics in Prometheus's format, a structured access log."""
import gzip
import json
import logging
import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from policy_atlas import store
from policy_atlas.model import Statement
from policy_atlas.web.app import create_app
from policy_atlas.web.settings import Settings

SAMPLES = {"lang": "nl", "eid": "gov/federal", "name": "Zele", "sid": "far-2019", "fmt": "ttl"}


@pytest.fixture(scope="module")
def public(atlas_db):
    settings = replace(Settings(), base_url="https://atlas.example.org", trusted_hosts=("atlas.example.org",))
    with TestClient(create_app(atlas_db, settings=settings), base_url="https://atlas.example.org") as client:
        yield client


def test_public_address_is_used_never_the_host_header(public):
    page = public.get("/en/entity/body/livcr", headers={"X-Forwarded-Host": "evil.example"}).text
    assert "https://atlas.example.org/en/entity/body/livcr" in page and "evil.example" not in page
    refused = public.get("/nl/", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.text
    local = public.get("/en/entity/body/livcr", headers={"Host": "127.0.0.1:8000"})  # a health check on the box
    assert local.status_code == 200 and "https://atlas.example.org/en/entity/body/livcr" in local.text
    assert public.get("/nl/").headers["strict-transport-security"].startswith("max-age=31536000")
    moved = public.get("/nl/entity/mun/44021", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"].startswith("/nl/municipality/44021")


def test_no_hsts_on_plain_http(client):
    assert "strict-transport-security" not in client.get("/nl/").headers


@pytest.fixture(scope="module")
def anonymous(atlas_db):
    """A visitor without cookies (each request forgets what the previous one set)."""
    with TestClient(create_app(atlas_db)) as test_client:
        yield test_client


def _anon(client, path, **options):
    client.cookies.clear()
    return client.get(path, **options)


def test_validators_and_304(anonymous):
    client = anonymous
    first = _anon(client, "/nl/entity/gov/federal")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'W/"[0-9a-f]{10}-\d+"', etag)
    # a page without a form sets no cookie, so even a first visit's answer is public and shared
    assert "set-cookie" not in first.headers and first.headers["cache-control"] == "public, max-age=60"
    again = _anon(client, "/nl/entity/gov/federal", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert _anon(client, "/nl/entity/gov/federal", headers={"If-Modified-Since": modified}).status_code == 304
    assert _anon(client, "/nl/entity/gov/federal", headers={"If-None-Match": 'W/"other"'}).status_code == 200
    assert _anon(client, "/api/map", headers={"If-None-Match": etag}).status_code == 304  # one version, every page


def test_only_pages_with_a_form_set_the_form_token_cookie(anonymous):
    for path in ("/nl/", "/en/municipality/62063", "/fr/map", "/api/entity/body/livcr", "/de/search?q=luik"):
        assert "set-cookie" not in _anon(anonymous, path).headers, path
    form = _anon(anonymous, "/en/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    assert f"atlas_csrf={token}" in form.headers["set-cookie"] and form.headers["cache-control"] == "private, no-cache"


def test_a_change_gives_new_validators_and_fresh_pages(tmp_path, bundled):
    url = f"sqlite:///{tmp_path / 'etag.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    app = create_app(url)
    app.state.atlas.CHECK_EVERY = 0
    app.state.atlas.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        before = client.get("/api/entity/gov/federal")
        assert client.get("/api/entity/gov/federal").json() == before.json()  # served from the cache
        with engine.begin() as conn:
            store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                          source="editorial")], [], at="2026-01-01T00:00:00+00:00")
        after = client.get("/api/entity/gov/federal", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert "Federale Staat" in after.text and "Federale Staat" not in before.text


def test_negotiated_answers_are_cached_per_accept_header(client):
    for _ in range(2):
        turtle = client.get("/api/entity/body/livcr", headers={"Accept": "text/turtle"})
        plain = client.get("/api/entity/body/livcr", headers={"Accept": "application/json"})
        assert turtle.headers["content-type"].startswith("text/turtle") and "@prefix" in turtle.text
        assert plain.headers["content-type"] == "application/json" and plain.json()["id"] == "body/livcr"


def _bare_cache(pause: float = 0.0):
    """The response cache around a bare ASGI page that counts its renderings (no app, no lifespan), at a version
    the test can change."""
    import anyio
    from starlette.responses import PlainTextResponse

    from policy_atlas.web.serving import Caching

    class Loaded:
        version, changed = "7", 1_700_000_000.0

    class State:
        loaded_recently = staticmethod(lambda: Loaded)

    calls = []

    async def page(scope, receive, send):
        if scope["type"] != "http":
            return
        calls.append(scope["path"])
        await anyio.sleep(pause)
        await PlainTextResponse(f"page {scope['path']} #{len(calls)}")(scope, receive, send)

    return Caching(page, State(), "code", max_age=60), calls, Loaded


def test_public_answers_are_cached_per_version_and_url():
    cache, calls, loaded = _bare_cache()
    client = TestClient(cache)
    first, again, other = client.get("/a"), client.get("/a"), client.get("/b")
    loaded.version = "8"
    fresh = client.get("/a")
    assert first.headers["cache-control"] == "public, max-age=60" and first.headers["etag"] == 'W/"code-7"'
    assert again.text == first.text == "page /a #1" and other.text == "page /b #2" and fresh.text == "page /a #3"
    assert calls == ["/a", "/b", "/a"] and fresh.headers["etag"] == 'W/"code-8"'


def test_concurrent_misses_of_one_page_render_it_once():
    import anyio
    import httpx2 as httpx

    cache, calls, _ = _bare_cache(pause=0.3)

    async def crowd():
        transport = httpx.ASGITransport(app=cache)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = []

            async def ask(path):
                answers.append((path, await client.get(path)))

            async with anyio.create_task_group() as group:
                for path in ["/a"] * 8 + ["/b"] * 4:
                    group.start_soon(ask, path)
            return answers

    answers = anyio.run(crowd)
    assert sorted(calls) == ["/a", "/b"]
    texts = {(p, a.status_code, a.text.rsplit(" #", 1)[0]) for p, a in answers}
    assert len(answers) == 12 and texts == {("/a", 200, "page /a"), ("/b", 200, "page /b")}
    assert len({a.text for _, a in answers}) == 2  # every client got the one rendering of its page


def test_a_new_version_is_served_with_its_most_asked_pages_already_rendered(tmp_path, bundled):
    url = f"sqlite:///{tmp_path / 'prerender.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    app = create_app(url)
    state = app.state.atlas
    state.CHECK_EVERY = 0
    state.RELOAD_WAIT = None  # see each change made outside at the next request
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/nl/entity/gov/federal", headers={"Accept-Encoding": "gzip"}).status_code == 200
        client.get("/api/entity/body/livcr")  # asked once, never again: not worth rendering ahead
        cache = _layer(app, "Caching")
        with engine.begin() as conn:
            store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                          source="editorial")], [], at="2026-01-01T00:00:00+00:00")
        misses = cache.misses
        client.get("/api/home")  # a miss that finds the new version and reloads
        new = state.version
        assert [k[1] for k in cache.entries if k[0] == new] == ["/nl/entity/gov/federal", "/api/home"]
        page = client.get("/nl/entity/gov/federal", headers={"Accept-Encoding": "gzip"})
        assert cache.misses == misses + 1 and "Federale Staat" in page.text
        assert page.headers["etag"].endswith(f'-{new}"') and page.headers["content-encoding"] == "gzip"


def test_static_files_are_compressed_once_and_carry_one_set_of_validators(anonymous):
    cache = _layer(anonymous.app, "Caching")
    first = _anon(anonymous, "/static/atlas.css", headers={"Accept-Encoding": "gzip"})
    hits = cache.hits
    again = _anon(anonymous, "/static/atlas.css", headers={"Accept-Encoding": "gzip"})
    assert cache.hits == hits + 1 and again.content == first.content and "font" in again.text
    for name in ("etag", "last-modified", "cache-control", "content-type"):
        assert len(again.headers.get_list(name)) == 1, name
    assert again.headers["content-encoding"] == "gzip" and again.headers["etag"].startswith('W/"')
    assert _anon(anonymous, "/static/atlas.css", headers={"If-None-Match": again.headers["etag"]}).status_code == 304


def test_a_version_made_elsewhere_is_loaded_while_the_previous_one_is_served(tmp_path, bundled):
    import threading
    import time

    url = f"sqlite:///{tmp_path / 'reload.sqlite'}"
    engine = store.connect(url)
    store.build(bundled, engine)
    app = create_app(url)
    state, slow = app.state.atlas, threading.Event()
    state.CHECK_EVERY, state.RELOAD_WAIT = 0, 0.05
    with TestClient(app) as client:
        before = client.get("/api/entity/gov/federal").headers["etag"]
        state.prerender = lambda loaded, previous: slow.wait(10)  # a reload that takes long
        with engine.begin() as conn:
            store.append(conn, [Statement("gov/federal", "alias", "Federale Staat", "text", lang="nl",
                                          source="editorial")], [], at="2026-01-01T00:00:00+00:00")
        start = time.monotonic()
        meanwhile = client.get("/api/entity/gov/federal")
        assert time.monotonic() - start < 2 and meanwhile.headers["etag"] == before
        reloading = state._reloading
        assert "Federale Staat" not in meanwhile.text and reloading is not None
        slow.set()
        reloading.join(30)
        after = client.get("/api/entity/gov/federal")
        assert after.headers["etag"] != before and "Federale Staat" in after.text


def _layer(app, name: str):
    layer = app.middleware_stack
    while type(layer).__name__ != name:
        layer = layer.app
    return layer


def test_requests_with_cookies_get_private_validators_of_their_own(anonymous):
    public = _anon(anonymous, "/nl/entity/gov/federal").headers["etag"]
    mine = anonymous.get("/nl/entity/gov/federal", headers={"Cookie": "session=abc"})
    other = anonymous.get("/nl/entity/gov/federal", headers={"Cookie": "session=xyz"})
    assert mine.headers["cache-control"] == "private, no-cache" and "Cookie" in mine.headers["vary"]
    negotiated = anonymous.get("/api/entity/body/livcr", headers={"Cookie": "session=abc", "Accept": "text/turtle"})
    assert {"Accept", "Cookie"} <= {v.strip() for v in negotiated.headers["vary"].split(",")}
    assert len({public, mine.headers["etag"], other.headers["etag"]}) == 3
    assert anonymous.get("/nl/entity/gov/federal", headers={"Cookie": "session=abc", "If-None-Match": mine.headers["etag"]}).status_code == 304
    assert anonymous.get("/nl/entity/gov/federal", headers={"Cookie": "session=xyz", "If-None-Match": mine.headers["etag"]}).status_code == 200


@pytest.mark.parametrize("path, kind", [("/nl/map", "text/html"), ("/api/map", "application/json"),
                                        ("/api/map?format=svg", "image/svg+xml"), ("/api/timeline?format=csv", "text/csv")])
def test_compressed_when_asked(client, path, kind):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as packed:
        raw = b"".join(packed.iter_raw())
    assert packed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in packed.headers["vary"]
    assert packed.headers["content-type"].startswith(kind)
    assert len(raw) < len(plain.content) / 2 and gzip.decompress(raw) == plain.content


def _get_routes(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            yield from _get_routes(inner.routes)
        elif "GET" in (getattr(route, "methods", None) or ()) and route.path != "/metrics":
            yield re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLES.get(m.group(1), "x"), route.path)


def test_head_on_every_get_route(client):
    paths = sorted(set(_get_routes(client.app.routes)))
    assert len(paths) > 20
    for path in paths:
        get, head = client.get(path, follow_redirects=False), client.head(path, follow_redirects=False)
        assert head.status_code == get.status_code != 405, path
        assert head.content == b"" and head.headers.get("content-type") == get.headers.get("content-type"), path
    assert client.head("/static/atlas.css").status_code == 200


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["version"] == store.version(client.app.state.atlas.engine)
    client.get("/nl/entity/gov/federal")
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    samples = [s for s in families["atlas_http_requests"].samples if s.name == "atlas_http_requests_total"]
    assert any(s.labels == {"method": "GET", "route": "/{lang}/entity/{eid:path}", "status": "200"} and s.value >= 1
               for s in samples)
    assert "atlas_http_request_duration_seconds" in families


def test_access_log_is_one_json_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="policy_atlas.access"):
        client.get("/nl/search?q=gent", headers={"User-Agent": "probe/1"})
    line = json.loads(caplog.records[-1].getMessage())
    assert {k: line[k] for k in ("method", "path", "query", "status", "agent")} == {
        "method": "GET", "path": "/nl/search", "query": "q=gent", "status": 200, "agent": "probe/1"}
    assert line["ms"] >= 0 and line["bytes"] > 1000
