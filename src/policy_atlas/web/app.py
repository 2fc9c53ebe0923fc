"""The application: a view of the store at its current version per process, pages registered once as HTML and JSON."""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import sys
import threading
import time
import weakref
from contextlib import asynccontextmanager
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import annex, coverage, currency, dataset, landscape, network, search, store, timeline
from ..queries import Atlas
from ..search import Index, index_of
from ..version import package_version
from . import i18n
from .limits import SHARED, BodyLimit, RateLimits, client_address
from .readers import ReaderPool
from .rendering import render
from .serving import PINNED, Caching, HeadAsGet, Observed, PublicURL, access_log
from .settings import Settings

STATIC = Path(__file__).parent.parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class AtlasState:
    """The atlas behind the app, reloaded when the store's version changes (checked at most every few seconds),
    so a build or an accepted proposal shows without a restart, also when another process made it. An empty
    database is built from the bundled dataset; an older one is upgraded to the current schema first.

    A new version is loaded, warmed and its most asked pages rendered in a thread of its own while the previous
    version is served: the request that found it waits for it at most RELOAD_WAIT seconds (then gets the previous
    version), requests meanwhile get the previous version at once, except after a change made through this
    process (`expire`), which the next request always sees."""

    CHECK_EVERY = 3.0
    RELOAD_WAIT: float | None = 0.25

    def __init__(self, database_url: str | None = None):
        self.url = database_url or store.database_url()
        self.engine = store.connect(self.url)
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._reloading: threading.Thread | None = None
        self._checked = 0.0
        self._replaced: list[weakref.ref] = []  # versions no longer served, until they are freed
        self.sweeps = 0  # full collections made because a replaced version outlived its requests
        self.prerender = None  # set by the response cache: renders a new version's most asked pages before it is served

    def loaded_recently(self) -> _Loaded | None:
        """The loaded atlas if its version was checked within CHECK_EVERY, or while a newer one is being loaded
        (never touches the database, so a request needs no thread to learn its version)."""
        if self._loaded is None or not self._checked:
            return None
        fresh = time.monotonic() - self._checked < self.CHECK_EVERY or self._reloading is not None
        return self._loaded if fresh else None

    def loaded(self) -> _Loaded:
        """The atlas at the store's current version, or the previous one while the current one is being loaded."""
        recent = self.loaded_recently()
        if recent is not None:
            return recent
        must_see = not self._checked  # a change made here: wait for a version checked after it
        while True:
            with self._lock:
                if self._loaded is None:
                    self._load_first()
                    return self._loaded
                if not must_see and (recent := self.loaded_recently()) is not None:
                    return recent  # another request checked (or started loading a new version) while this one queued
                checked = self._reloading is None
                if checked:
                    self._checked = time.monotonic()
                    if store.version(self.engine) == self._loaded.version:
                        return self._loaded
                    self._reloading = threading.Thread(target=self._reload, name="atlas-reload", daemon=True)
                    self._reloading.start()
                reloading = self._reloading
            reloading.join(None if must_see else self.RELOAD_WAIT)
            if checked or not must_see:
                return self._loaded

    def _load_first(self) -> None:
        """Nothing to serve meanwhile: open the atlas, serve it at once, warm it in the background."""
        store.upgrade(self.engine)
        if not store.has_build(self.engine):
            store.build(dataset.load(), self.engine)
        self._loaded = self._open()
        self._checked = time.monotonic()
        threading.Thread(target=self._warm_first, name="atlas-warm", daemon=True).start()

    def _warm_first(self) -> None:
        with dataset.gc_paused():
            self._loaded.warm()
            _freeze()

    def _open(self) -> _Loaded:
        atlas = Atlas.open(self.engine)
        return _Loaded(atlas.version, _epoch(store.changed_at(self.engine)), atlas)

    SWEEP_AFTER = 2.0  # seconds after a switch by which the replaced version's requests have ended

    def _reload(self) -> None:
        previous = self._loaded.atlas
        try:
            with dataset.gc_paused():
                start = time.thread_time()
                previous.forget_reads(keep=Atlas.RETIRED_KEEP)  # two versions are alive until the new one is warm
                loaded = self._open().warm()
                if self.prerender is not None:
                    self.prerender(loaded, self._loaded.version)
                _freeze()
                self._replaced.append(weakref.ref(self._loaded))
                self._loaded = loaded
            logging.getLogger("policy_atlas").info("atlas version %s loaded (%.2f CPU s in its thread)",
                                                   loaded.version, time.thread_time() - start)
            sweep = threading.Timer(self.SWEEP_AFTER, self._sweep)
            sweep.daemon = True
            sweep.start()
        except Exception:
            previous.forget_reads(keep=min(Atlas.CACHE, Atlas.KEEP))  # served on: its usual bound again
            logging.getLogger("policy_atlas").exception("loading the new atlas version failed; serving the previous")
        finally:
            self._reloading = None

    def _sweep(self) -> None:
        """The cyclic garbage collector is kept off loaded versions: a full collection walks every live object
        under the interpreter lock, and while versions were loaded it stalled every request for 0.3–0.5 s several
        times per reload. So what is alive once a version is loaded is frozen (`gc.freeze`), and a replaced version
        must be freed by reference counting (the atlas holds no cycles). Should one still be alive once its
        requests have ended (held by a request's cyclic garbage that was frozen), one full collection frees it."""
        if any(ref() is not None for ref in self._replaced):
            self.sweeps += 1
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        self._replaced = [ref for ref in self._replaced if ref() is not None]

    _current = loaded

    def expire(self) -> None:
        """A change made through this process: the next request looks for the new version at once."""
        self._checked = 0.0

    def pinned(self, request) -> _Loaded:
        """The version this request is answered from: the one its validators (ETag) name, chosen once by the
        response cache, so a reload halfway through a page never mixes two versions."""
        pinned = request.scope.get(PINNED)
        return (pinned and pinned()) or self._current()

    @property
    def version(self) -> str:
        return self._current().version

    @property
    def atlas(self) -> Atlas:
        return self._current().atlas

    @property
    def index(self) -> Index:
        return self._current().index

    @property
    def ingester(self):
        return self._current().ingester


class _Loaded:
    """The atlas at one version (a view of the store) and what is derived from it. `warm` computes, in the
    reloading thread and before this version is served, what only changes with the version (WARM: each a
    function of the atlas that memoises with `atlas.derived`); the rest is made when first needed."""

    WARM = (Atlas.read_names, currency.of_atlas, landscape.key_figures, landscape.source_counts, annex.items,
            search.index_of, network.all_relations, coverage.grants, coverage.livcr, timeline.items, Atlas.forget_reads)

    def __init__(self, version: str, changed: float | None, atlas: Atlas):
        self.version, self.atlas = version, atlas
        self.changed = changed or _epoch(atlas.build.get("finished_at")) or time.time()

    def warm(self) -> _Loaded:
        for compute in self.WARM:
            compute(self.atlas)
        return self

    @cached_property
    def index(self) -> Index:
        return index_of(self.atlas)

    @cached_property
    def ingester(self):
        from ..ingest import Ingester

        return Ingester(self.atlas)


def _freeze() -> None:
    """Once a version is loaded (the collector paused meanwhile): collect what is not frozen yet — the new
    version's objects and what requests left meanwhile, one walk — and freeze what survives."""
    gc.collect()
    gc.freeze()


def _epoch(iso: str | None) -> float | None:
    return dt.datetime.fromisoformat(iso).timestamp() if iso else None


def create_app(database_url: str | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    if os.environ.get("ATLAS_ACCESS_LOG") == "1" and not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    state = AtlasState(database_url or os.environ.get("ATLAS_DATABASE_URL"))
    readers = ReaderPool(state.url, settings.ingest_workers, settings.ingest_seconds, settings.ingest_memory)

    @asynccontextmanager
    async def lifespan(_app):
        await anyio.to_thread.run_sync(state.loaded)  # the first page is fast; /readyz says so
        yield
        readers.close()

    app = FastAPI(title="Policy Atlas", version=package_version(), openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, lifespan=lifespan, description="Every page of the atlas as JSON: same data, same "
                  "filters. Add `format=` for CSV, GeoJSON, GraphML, SVG, PNG, JSON-LD, Turtle or N-Triples where a "
                  "page offers it. Errors are `{error, status, problems}`.")
    app.state.atlas, app.state.settings, app.state.readers = state, settings, readers
    app.state.rate_limits = RateLimits(settings.rates, state.engine)
    app.state.reader_threads = anyio.CapacityLimiter(2 * settings.ingest_workers + 2)
    app.state.base_url = settings.base_url
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    registry = CollectorRegistry()

    @app.get("/", include_in_schema=False)
    def root(request: Request):
        lang = i18n.negotiate(request.headers.get("accept-language"))
        return RedirectResponse(f"/{lang}/", status_code=307, headers={"Vary": "Accept-Language"})

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz():
        """Ready when the atlas is loaded and the database answers."""
        try:
            version = store.version(state.engine)
        except Exception as exc:
            return JSONResponse({"status": "database unreachable", "error": type(exc).__name__}, status_code=503)
        if state.loaded_recently() is None and state._loaded is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        return {"status": "ready", "version": version}

    @app.get("/metrics", include_in_schema=False)
    def metrics():
        return Response(generate_latest(_metrics_registry(registry)), media_type=CONTENT_TYPE_LATEST)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        response = _error(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p not in ('query', 'path'))}: {e['msg']}"
                    for e in exc.errors()]
        return _error(request, 422, "; ".join(problems), problems)

    from .curation import install; install(app)  # noqa: E702  (before pages: its @page routes join that router)
    from .pages import router
    app.include_router(router)
    # the cache sits outside compression, so a hit sends bytes compressed once instead of every time
    for layer, options in [(SiteHeaders, {}), (GZipMiddleware, {"minimum_size": 1024}),
                           (Caching, {"state": state, "code": _code_fingerprint(), "max_age": settings.cache_seconds,
                                      "max_bytes": settings.cache_bytes}),
                           (Admission, {}), (HeadAsGet, {}),
                           (BodyLimit, {"max_bytes": settings.max_body}),
                           (PublicURL, {"base_url": settings.base_url, "trusted_hosts": settings.trusted_hosts}),
                           (Observed, {"registry": registry})]:  # innermost first
        if layer is not PublicURL or settings.base_url:
            app.add_middleware(layer, **options)
    return app


def _metrics_registry(registry: CollectorRegistry) -> CollectorRegistry:
    """With several worker processes (PROMETHEUS_MULTIPROC_DIR set), /metrics adds up all of them."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return registry
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined


def _code_fingerprint() -> str:
    """Part of every ETag: a new deployment of templates or code invalidates cached pages."""
    root = Path(__file__).parent.parent
    stats = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                   for folder in ("templates", "static", "locale", "web") for p in (root / folder).rglob("*") if p.is_file())
    return hashlib.sha1(repr(stats).encode()).hexdigest()[:10]


class Admission:
    """Before any cache: empty form parameters dropped (so equal queries share one URL), rate limits applied."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        _drop_empty_parameters(request)
        bucket = _rate_bucket(request)
        limits, client = request.app.state.rate_limits, client_address(request)
        if bucket in SHARED:  # counted in the database: off the event loop
            wait = await anyio.to_thread.run_sync(limits.retry_after, bucket, client)
        else:
            wait = bucket and limits.retry_after(bucket, client)
        if not wait:
            return await self.app(scope, receive, send)
        response = _error(request, 429, f"too many requests ({bucket}); try again in {wait} s")
        response.headers["Retry-After"] = str(wait)
        response.headers["Cache-Control"] = "no-store"
        await SiteHeaders(response)(scope, receive, send)


class SiteHeaders:
    """Security headers on every answer (pure ASGI: nothing is buffered)."""

    HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def _rate_bucket(request: Request) -> str | None:
    """Uploads count against `ingest`, every other API call against `api`; HTML pages and files are not limited."""
    path = request.url.path
    if request.method == "POST" and path.endswith("/ingest"):
        return "ingest"
    return "api" if path.startswith("/api/") else None


def _drop_empty_parameters(request: Request) -> None:
    """A GET form sends untouched fields as `year=`; an empty value means "no filter", not a bad value."""
    pairs = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if v != ""]
    if len(kept) != len(pairs):
        request.scope["query_string"] = urlencode(kept).encode("latin-1")


def _error(request: Request, status: int, message: str, problems: list[str] | None = None) -> Response:
    path = request.url.path
    if path.startswith("/api/") or path == "/api":
        return JSONResponse({"error": message, "status": status, "problems": problems or [message]}, status_code=status)
    lang = path.strip("/").split("/")[0]
    lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT
    html = render("error.html", lang, request, {"status": status, "message": message, "problems": problems or []})
    return HTMLResponse(html, status_code=status)
