"""Serving many readers: the configured public address instead of the Host header, HEAD on every GET,
ETag / Last-Modified / 304 and a response cache per atlas version and URL, a structured access log and
Prometheus metrics. Each is a small pure ASGI middleware; `create_app` stacks them."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

import anyio
from prometheus_client import CollectorRegistry, Counter, Histogram

access_log = logging.getLogger("policy_atlas.access")
UNCACHED = ("/static/", "/healthz", "/readyz", "/metrics")
LOCAL = {"127.0.0.1", "localhost", "::1"}
KEYED = (b"accept", b"accept-language")  # request headers a page may vary on (content negotiation)


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
    touch the shared cache."""

    def __init__(self, app, state, code: str, max_age: int, max_bytes: int = 64 * 1024 * 1024):
        self.app, self.state, self.code, self.max_age = app, state, code, max_age
        self.entries: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()
        self.size, self.max_bytes, self.lock = 0, max_bytes, threading.Lock()
        self.hits = self.misses = 0

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(UNCACHED)
                or scope["path"].endswith("/ingest")):  # the upload form also starts a reader process
            return await self.app(scope, receive, send)
        cookie = _header(scope, b"cookie")
        loaded = self.state.loaded_recently() or await anyio.to_thread.run_sync(self.state.loaded)
        # a page seen with cookies may show who is signed in and carry their form token: its validator
        # includes the cookies, it is private to that browser, and it never enters the shared cache
        tag = f"{self.code}-{loaded.version}" + (f"-{hashlib.sha1(cookie).hexdigest()[:10]}" if cookie else "")
        etag = f'W/"{tag}"'.encode()
        modified = formatdate(loaded.changed, usegmt=True).encode()
        control = b"private, no-cache" if cookie else f"public, max-age={self.max_age}".encode()
        validators = [(b"etag", etag), (b"last-modified", modified), (b"cache-control", control)]
        if cookie:
            validators.append((b"vary", b"Cookie"))
        if _fresh(scope, etag, None if cookie else loaded.changed):
            await send({"type": "http.response.start", "status": 304, "headers": list(validators)})
            return await send({"type": "http.response.body", "body": b""})
        if cookie:
            return await self.app(scope, receive, _with(send, validators))
        key = (loaded.version, scope["path"], scope.get("query_string", b""), _gzip(scope),
               *map(lambda h: _header(scope, h), KEYED))
        with self.lock:
            kept = self.entries.get(key)
            if kept:
                self.entries.move_to_end(key)
        if kept:
            self.hits += 1
            status, headers, body = kept
            await send({"type": "http.response.start", "status": status, "headers": list(headers)})
            return await send({"type": "http.response.body", "body": body})
        self.misses += 1
        start, chunks = {}, []

        async def keep(message):
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    sets_cookie = any(k == b"set-cookie" for k, _ in message.get("headers", []))
                    message["headers"] = [*message.get("headers", []), *(_private(validators) if sets_cookie else validators)]
                start.update(message, headers=list(message["headers"]))  # outer layers edit theirs in place
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        if start.get("status") == 200 and _storable(start["headers"]):
            self._store(key, start["headers"], b"".join(chunks))

    def _store(self, key, headers, body: bytes) -> None:
        if len(body) > self.max_bytes // 16:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (200, headers, body)
            self.size += len(body)
            while self.size > self.max_bytes or len(self.entries) > 4096:
                _, (_, _, old) = self.entries.popitem(last=False)
                self.size -= len(old)


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
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)
    return add


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
