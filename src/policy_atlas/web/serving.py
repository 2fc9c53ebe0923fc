"""Serving many readers: the configured public address instead of the Host header, HEAD on every GET,
ETag / Last-Modified / 304 and a response cache per atlas version and URL, a structured access log and
Prometheus metrics. Each is a small pure ASGI middleware; `create_app` stacks them."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import weakref
from collections import OrderedDict
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

import anyio
from prometheus_client import CollectorRegistry, Counter, Histogram

access_log = logging.getLogger("policy_atlas.access")
UNCACHED = ("/healthz", "/readyz", "/metrics")  # static files too are kept (compressed once) per version
LOCAL = {"127.0.0.1", "localhost", "::1"}
KEYED = (b"accept", b"accept-language")  # request headers a page may vary on (content negotiation)
# The scope key under which the response cache pins the version a request is answered from: a weak reference
# (the cache holds the version itself while it answers), so a request's cyclic garbage never keeps a version alive.
PINNED = "atlas.loaded"


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


class PublicURL:
    """With ATLAS_BASE_URL set, every URL the app builds (redirects, "cite this page", JSON-LD identifiers) uses
    it, never the client's Host header; a Host outside the trusted ones is refused (400). HSTS on https."""

    def __init__(self, app, base_url: str, trusted_hosts: tuple[str, ...]):
        parts = urlsplit(base_url)
        self.app, self.scheme, self.host = app, parts.scheme, parts.netloc.encode("latin-1")
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.trusted = set(trusted_hosts) | LOCAL | {parts.hostname}
        self.hsts = parts.scheme == "https"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = (_header(scope, b"host") or b"").decode("latin-1").rsplit(":", 1)[0].strip("[]")
        if host and host not in self.trusted and "*" not in self.trusted:
            body = json.dumps({"error": "unknown host", "status": 400, "problems": ["unknown host"]}).encode()
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        scope["scheme"], scope["server"] = self.scheme, (self.host.decode().rsplit(":", 1)[0], self.port)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", self.host)]

        async def secured(message):
            if self.hsts and message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"strict-transport-security", b"max-age=31536000; includeSubDomains")]
            await send(message)

        await self.app(scope, receive, secured)


class HeadAsGet:
    """HEAD on every GET route: the GET answer's status and headers, no body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        scope["method"] = "GET"
        await self.app(scope, receive, headers_only)


class Caching:
    """Pages change only with the atlas version: each GET answer carries a weak ETag of (code, version),
    Last-Modified and Cache-Control; a matching If-None-Match or If-Modified-Since is answered 304 without
    running the page; 200 answers are kept per (version, URL) in a bounded in-process cache. Requests with a
    cookie (a signed-in curator, a form token) get a private validator that includes the cookies, and never
    touch the shared cache.

    Under load a page must not be rendered many times at once, nor on the request path after every build:
    concurrent misses of one URL wait for the first to render it, and before a new version is served the
    reloading thread renders the previous version's most asked pages into the cache (`prerender`)."""

    def __init__(self, app, state, code: str, max_age: int, max_bytes: int = 64 * 1024 * 1024,
                 prerender: int = 32, prerender_seconds: float = 10.0):
        self.app, self.state, self.code, self.max_age = app, state, code, max_age
        self.entries: OrderedDict[tuple, list] = OrderedDict()  # key -> [status, headers, body, scope, hits]
        self.size, self.max_bytes, self.lock = 0, max_bytes, threading.Lock()
        self.hits = self.misses = 0
        self.rendering: dict[tuple, anyio.Event] = {}
        self.prerender_count, self.prerender_seconds = prerender, prerender_seconds
        if max_bytes and prerender and hasattr(state, "prerender"):
            state.prerender = self.prerender

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(UNCACHED)
                or scope["path"].endswith("/ingest")):  # the upload form also starts a reader process
            return await self.app(scope, receive, send)
        cookie = _header(scope, b"cookie")
        loaded = self.state.loaded_recently() or await anyio.to_thread.run_sync(self.state.loaded)
        scope[PINNED] = weakref.ref(loaded)
        validators = _validators(self.code, loaded, self.max_age, cookie)
        if _fresh(scope, validators[0][1], None if cookie else loaded.changed):
            await send({"type": "http.response.start", "status": 304, "headers": list(validators)})
            return await send({"type": "http.response.body", "body": b""})
        if cookie:
            return await self.app(scope, receive, _with(send, validators))
        key = _key(scope, loaded.version)
        if await self._send_kept(key, send):
            return
        while key in self.rendering:  # the same page is being rendered: wait for it rather than render it again
            await self.rendering[key].wait()
            if await self._send_kept(key, send):
                return
        self.misses += 1
        self.rendering[key] = done = anyio.Event()
        try:
            status, headers, body = await _answer(self.app, scope, receive, send, validators)
        finally:
            del self.rendering[key]
            done.set()
        if status == 200 and _storable(headers):
            self._store(key, headers, body, scope)

    async def _send_kept(self, key, send) -> bool:
        with self.lock:
            kept = self.entries.get(key)
            if kept:
                self.entries.move_to_end(key)
                kept[4] += 1
        if not kept:
            return False
        self.hits += 1
        await send({"type": "http.response.start", "status": kept[0], "headers": list(kept[1])})
        await send({"type": "http.response.body", "body": kept[2]})
        return True

    def _store(self, key, headers, body: bytes, scope, hits: int = 0) -> None:
        if len(body) > self.max_bytes // 16:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = [200, headers, body, _replayable(scope), hits]
            self.size += len(body)
            while self.size > self.max_bytes or len(self.entries) > 4096:
                _, old = self.entries.popitem(last=False)
                self.size -= len(old[2])

    def prerender(self, loaded, previous: str) -> int:
        """Render the previous version's most asked pages at `loaded`'s version into the cache (in the
        reloading thread, before `loaded` is served; bounded by count and time). Returns how many."""
        with self.lock:
            asked = sorted((e for k, e in self.entries.items() if k[0] == previous and e[4] > 0),
                           key=lambda e: -e[4])[:self.prerender_count]
            scopes = [(e[3], e[4]) for e in asked]
        return asyncio.run(self._prerender(loaded, scopes)) if scopes else 0

    async def _prerender(self, loaded, scopes) -> int:
        deadline, done = time.monotonic() + self.prerender_seconds, 0
        for template, hits in scopes:
            if time.monotonic() > deadline:
                break
            scope = {**template, PINNED: weakref.ref(loaded)}
            validators = _validators(self.code, loaded, self.max_age)
            status, headers, body = await _answer(self.app, scope, _no_body, _discard, validators)
            if status == 200 and _storable(headers):
                self._store(_key(scope, loaded.version), headers, body, scope, hits)
                done += 1
        return done


def _key(scope, version: str) -> tuple:
    return (version, scope["path"], scope.get("query_string", b""), _gzip(scope), *(_header(scope, h) for h in KEYED))


def _validators(code: str, loaded, max_age: int, cookie: bytes | None = None) -> list:
    """ETag first. A page seen with cookies may show who is signed in and carry their form token: its validator
    includes the cookies, it is private to that browser, and it never enters the shared cache."""
    tag = f"{code}-{loaded.version}" + (f"-{hashlib.sha1(cookie).hexdigest()[:10]}" if cookie else "")
    control = b"private, no-cache" if cookie else f"public, max-age={max_age}".encode()
    return [(b"etag", f'W/"{tag}"'.encode()), (b"last-modified", formatdate(loaded.changed, usegmt=True).encode()),
            (b"cache-control", control), *([(b"vary", b"Cookie")] if cookie else [])]


async def _answer(app, scope, receive, send, validators) -> tuple[int, list, bytes]:
    """Run the page, adding the validators to a 200 answer, sending it on and collecting what was sent."""
    start, chunks = {}, []

    async def keep(message):
        if message["type"] == "http.response.start":
            if message["status"] == 200:
                sets_cookie = any(k == b"set-cookie" for k, _ in message.get("headers", []))
                message["headers"] = _validated(message, _private(validators) if sets_cookie else validators)
            start.update(message, headers=list(message["headers"]))  # outer layers edit theirs in place
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    await app(scope, receive, keep)
    return start.get("status", 500), start.get("headers", []), b"".join(chunks)


def _replayable(scope) -> dict:
    """What a page needs of its request to be rendered again for a new version (no per-request state)."""
    return {k: v for k, v in scope.items()
            if k not in (PINNED, "route", "endpoint", "path_params", "state", "fastapi_astack")}


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message) -> None:
    return None


def _storable(headers) -> bool:
    """Not when it sets a cookie or varies on a request header the cache key does not hold."""
    varies = {v.strip().lower().encode() for k, value in headers if k == b"vary" for v in value.decode().split(",")}
    return not any(k == b"set-cookie" for k, _ in headers) and varies <= {b"accept-encoding", *KEYED}


def _gzip(scope) -> bool:
    """Whether the answer will be compressed: the cache keeps compressed and plain answers apart."""
    return b"gzip" in (_header(scope, b"accept-encoding") or b"").lower()


def _fresh(scope, etag: bytes, changed: float | None) -> bool:
    """If-None-Match first; If-Modified-Since only for pages that do not depend on cookies (changed given)."""
    match = _header(scope, b"if-none-match")
    if match is not None:
        return etag in [m.strip() for m in match.split(b",")] or match.strip() == b"*"
    since = _header(scope, b"if-modified-since")
    if changed is None:
        return False
    try:
        return since is not None and parsedate_to_datetime(since.decode("latin-1")).timestamp() >= int(changed)
    except (TypeError, ValueError):
        return False


def _private(validators):
    """An answer that sets a cookie is for this browser only."""
    return [(k, b"private, no-cache" if k == b"cache-control" else v) for k, v in validators]


def _with(send, headers):
    async def add(message):
        if message["type"] == "http.response.start" and message["status"] == 200:
            message["headers"] = _validated(message, headers)
        await send(message)
    return add


def _validated(start, validators) -> list:
    """The answer's headers with the version's validators instead of any of its own (a static file's); a `Vary`
    among the validators joins the answer's own (`Accept, Cookie`)."""
    own = start.get("headers", [])
    varies = [v for k, v in own if k.lower() == b"vary"] + [v for k, v in validators if k == b"vary"]
    kept = [(k, v) for k, v in own if k.lower() not in (b"etag", b"last-modified", b"cache-control", b"vary")]
    return [*kept, *((k, v) for k, v in validators if k != b"vary"), *([(b"vary", b", ".join(varies))] if varies else [])]


class Observed:
    """One JSON line per request on the `policy_atlas.access` logger, and Prometheus counters per route."""

    def __init__(self, app, registry: CollectorRegistry):
        self.app = app
        self.requests = Counter("atlas_http_requests", "HTTP requests answered", ["method", "route", "status"],
                                registry=registry)
        self.seconds = Histogram("atlas_http_request_duration_seconds", "Time to answer, by route", ["route"],
                                 registry=registry, buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, seen, method = time.perf_counter(), {"status": 500, "bytes": 0}, scope["method"]

        async def watch(message):
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or ("/static" if scope["path"].startswith("/static/") else "other")
            self.requests.labels(method, route, str(seen["status"])).inc()
            self.seconds.labels(route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client") or ("", 0)
                access_log.info(json.dumps({
                    "time": round(time.time(), 3), "client": client[0], "method": method,
                    "path": scope["path"], "query": scope.get("query_string", b"").decode("latin-1"),
                    "status": seen["status"], "bytes": seen["bytes"], "ms": round(elapsed * 1000, 1),
                    "agent": (_header(scope, b"user-agent") or b"").decode("latin-1")[:200]}))
