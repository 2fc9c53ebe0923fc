"""The application: one atlas snapshot loaded per process, pages registered once as HTML and JSON."""
from __future__ import annotations

import os
import threading
import time
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import dataset, store
from ..queries import Atlas
from ..search import Index
from ..version import package_version
from . import i18n
from .rendering import render

STATIC = Path(__file__).parent.parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class AtlasState:
    """The atlas behind the app, reloaded when the store's version changes (checked at most every few seconds),
    so a build or an accepted proposal shows without a restart, also when another process made it. An empty
    database is built from the bundled dataset; an older one is upgraded to the current schema first."""

    CHECK_EVERY = 3.0

    def __init__(self, database_url: str | None = None):
        self.url = database_url or store.database_url()
        self.engine = store.connect(self.url)
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._checked = 0.0

    def _current(self) -> _Loaded:
        now = time.monotonic()
        if self._loaded is not None and now - self._checked < self.CHECK_EVERY:
            return self._loaded
        with self._lock:
            if self._loaded is not None and now - self._checked < self.CHECK_EVERY:
                return self._loaded
            if self._loaded is None:
                store.upgrade(self.engine)
                if not store.has_build(self.engine):
                    store.build(dataset.load(), self.engine)
            version = store.version(self.engine)
            if self._loaded is None or self._loaded.version != version:
                self._loaded = _Loaded(version, store.latest_build_id(self.engine),
                                       Atlas.from_snapshot(store.snapshot(self.engine)))
            self._checked = time.monotonic()
            return self._loaded

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
    """One build's snapshot and what is derived from it, made when first needed."""

    def __init__(self, version: str, build_id: int | None, atlas: Atlas):
        self.version, self.build_id, self.atlas = version, build_id, atlas

    @cached_property
    def index(self) -> Index:
        return Index.build(self.atlas)

    @cached_property
    def ingester(self):
        from ..ingest import Ingester

        return Ingester(self.atlas)


def create_app(database_url: str | None = None) -> FastAPI:
    app = FastAPI(title="Policy Atlas", version=package_version(), openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, description="Every page of the atlas as JSON: same data, same filters. "
                  "Add `format=` for CSV, GeoJSON, GraphML, SVG, PNG, JSON-LD, Turtle or N-Triples where a page "
                  "offers it. Errors are `{error, status, problems}`.")
    app.state.atlas = AtlasState(database_url or os.environ.get("ATLAS_DATABASE_URL"))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        _drop_empty_parameters(request)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.get("/", include_in_schema=False)
    def root(request: Request):
        return RedirectResponse(f"/{i18n.negotiate(request.headers.get('accept-language'))}/", status_code=307)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p not in ('query', 'path'))}: {e['msg']}"
                    for e in exc.errors()]
        return _error(request, 422, "; ".join(problems), problems)

    from .curation import install; install(app)  # noqa: E702  (before pages: its @page routes join that router)
    from .pages import router
    app.include_router(router)
    return app


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
