"""Every page, declared once: `@page` registers `/{lang}/PATH` (HTML) and `/api/PATH` (JSON and exports)
with the same parameters, so the two can never drift apart."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from dataclasses import dataclass
from typing import Callable, Literal, Optional

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel

from .. import annex, coverage, export, gazetteer, landscape, network, store, svgmap, timeline
from ..model import load_schema
from ..queries import (FIRST_VIEW, PAGE_SIZE, PROFILE_LISTS, Atlas, paged, compare as compare_profiles, entity_view, profile,
                       profile_items)
from ..search import PER_PAGE, Index
from . import exports, i18n, models
from .rendering import href, render
from .security import check_csrf

router = APIRouter()
SCHEMA = load_schema()
Lang = Literal["nl", "fr", "de", "en"]
TypeName = Literal[tuple(SCHEMA.concrete_types())]
Tier = Literal[tuple(t["id"] for t in SCHEMA.tiers)]
Region = Literal["flanders", "wallonia", "brussels", "german"]
Relation = Literal[tuple(network.GROUPS)]
AS_OF = Query(None, description="show things as they stood on this day (YYYY-MM-DD)")
PAGE = Query(1, ge=1, le=1_000_000, description=f"which page ({PAGE_SIZE} a page) of the list named by the "
                                                 "parameter beside it")


@dataclass
class Ctx:
    atlas: Atlas
    index: Index
    lang: str
    request: Request
    format: str = "html"

    def listed(self, rows: list, limit: int = 500) -> list:
        """A page shows the first `limit` rows; a download (CSV, linked data) gets them all."""
        return rows if self.format not in ("html", "json") else rows[:limit]


def page(path: str, template: str, model: type[BaseModel], api_path: str | None = None,
         formats: dict[str, Callable] | None = None):
    def register(func: Callable[..., dict]):
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for n, p in inspect.signature(func).parameters.items() if n != "ctx"]
        request_param = inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        names = ("json", *(formats or {}))

        def html_view(request: Request, lang: Lang, **kwargs):
            data = func(_ctx(request, lang), **kwargs)
            if isinstance(data, Response):
                return data
            return HTMLResponse(render(template, lang, request, data))

        def api_view(request: Request, lang: Lang = "nl", format: Optional[str] = None, **kwargs):
            chosen = format or negotiate(request.headers.get("accept"), names)
            ctx = _ctx(request, lang, chosen)
            data = func(ctx, **kwargs)
            response = JSONResponse(data) if chosen == "json" else formats[chosen](data, ctx)
            if chosen != "json":
                response.headers["Content-Disposition"] = f'inline; filename="{download_name(request, chosen)}"'
            if len(names) > 1:
                response.headers["Vary"] = "Accept"
            return response

        html_view.__signature__ = inspect.Signature([
            request_param, inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, annotation=Lang), *own])
        api_view.__signature__ = inspect.Signature([
            request_param,
            inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, annotation=Lang, default="nl"),
            inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[Literal[names]],
                              default=Query(None, description="json (default), or a download; without it the "
                                            "Accept header chooses")), *own])
        html_view.__name__ = f"{func.__name__}_html"
        api_view.__name__ = func.__name__
        router.add_api_route("/api" + (api_path or path), api_view, methods=["GET"], summary=func.__doc__,
                             tags=["pages"], response_model=model,
                             responses=declared(*(formats or {}), errors=(404, 422) if "{" in path or "page" in
                                               inspect.signature(func).parameters else (422,)))
        router.add_api_route("/{lang}" + path, html_view, methods=["GET"], include_in_schema=False,
                             response_class=HTMLResponse)
        return func
    return register


def declared(*formats: str, errors: tuple[int, ...] = (422,)) -> dict:
    """OpenAPI responses: the downloads' media types beside JSON, and the error shape every error has."""
    out: dict = {status: {"model": models.Problem, "description": ERRORS[status]} for status in errors}
    if formats:
        out[200] = {"content": {exports.MEDIA[f].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                                for f in formats}}
    return out


ERRORS = {404: "Not found: an unknown id, name or source, or a page past the last",
          422: "A bad parameter: each problem names it"}


def no_such_page(page: int, total: int, size: int, what: str) -> None:
    """The one rule of every paged list: page 1 always exists (maybe empty); a page past the last is 404."""
    pages = max(1, -(-total // size))
    if page > pages:
        raise HTTPException(404, f"page: {what} has {total} items here, {size} a page ({pages} "
                                 f"page{'s' if pages > 1 else ''}); there is no page {page}")


def negotiate(accept: str | None, names: tuple[str, ...]) -> str:
    """The offered format the Accept header likes best (exact media types only); JSON unless one is named."""
    offered = {exports.MEDIA[n].split(";")[0]: n for n in names}
    best, best_q = "json", 0.0
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((float(v) for k, _, v in (p.partition("=") for p in params) if k == "q" and _is_float(v)), 1.0)
        if media in offered and q > best_q:
            best, best_q = offered[media], q
    return best


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def download_name(request: Request, fmt: str) -> str:
    """policy-atlas-PAGE[-PATH-PARAMETERS].EXT, e.g. policy-atlas-municipality-62063.csv."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", request.url.path.removeprefix("/api/")).strip("-.")
    return f"policy-atlas-{slug[:120] or 'atlas'}.{fmt}"


def _ctx(request: Request, lang: str, fmt: str = "html") -> Ctx:
    loaded = request.app.state.atlas.pinned(request)
    return Ctx(loaded.atlas, loaded.index, lang, request, fmt)


@page("/", "home.html", models.Home, api_path="/home")
def home(ctx: Ctx) -> dict:
    """Key figures and the ways in."""
    return {"figures": landscape.key_figures(ctx.atlas),
            "recommendations": [{"id": r, "label": ctx.atlas.label_lang(r, ctx.lang)[0],
                                 "number": ctx.atlas.first(r, "number")}
                                for r in ctx.atlas.entities_of("Recommendation")]}


@page("/search", "search.html", models.Search, formats={"csv": exports.csv_of("search", "results"), **{
    fmt: exports.linked(fmt, lambda data: [row["id"] for row in data["results"]]) for fmt in ("jsonld", "ttl", "nt")}})
def search(ctx: Ctx, q: str = Query("", max_length=200, description="words, any language, accents optional"),
           type: list[TypeName] = Query([], description="entity types"), tier: Optional[Tier] = None,
           region: Optional[Region] = None, year_from: Optional[int] = Query(None, ge=1900, le=2100),
           year_to: Optional[int] = Query(None, ge=1900, le=2100),
           government: Optional[str] = Query(None, description="a government id, e.g. gov/flanders"),
           page: int = Query(1, ge=1, le=100_000, description=f"{PER_PAGE} hits per page; downloads give all")) -> dict:
    """Search labels, aliases and descriptions; facets by type, government, tier (level), region and year range."""
    if year_from and year_to and year_from > year_to:
        raise HTTPException(422, f"year_from {year_from} is after year_to {year_to}")
    if government and ctx.atlas.types.get(government) != "Government":
        raise HTTPException(422, f"government: {government!r} is not a government in the atlas")
    query = (q, list(type), tier, region, year_from, year_to, government)
    hits = ctx.index.search(*query, page=page if ctx.format in ("html", "json") else None)
    ctx.atlas.prefetch([hit["id"] for hit in hits])
    for hit in hits:
        hit["label"], hit["label_lang"] = ctx.atlas.label_lang(hit["id"], ctx.lang)
    facets = ctx.index.facets(*query)
    count = sum(facets["type"].values())
    no_such_page(page, count, PER_PAGE, "the search")
    return {"q": q, "filters": {"type": list(type), "tier": tier, "region": region, "year_from": year_from,
                                "year_to": year_to, "government": government},
            "count": count, "page": page, "per_page": PER_PAGE, "facets": facets,
            "results": hits, "government_labels": {g: ctx.atlas.label(g, ctx.lang) for g in facets["government"]}}


@page("/entity/{eid:path}", "entity.html", models.Entity, formats={fmt: exports.linked(fmt) for fmt in ("jsonld", "ttl", "nt")})
def entity(ctx: Ctx, eid: str, as_of: Optional[dt.date] = AS_OF,
           prop: Optional[str] = Query(None, alias="property", max_length=100,
                                       description="page through this property's statements (with `page`)"),
           incoming: Optional[str] = Query(None, max_length=100, description="page through the relations of this "
                                           "property pointing to the entity (with `page`)"),
           page: int = PAGE) -> dict:
    """One entity: every statement grouped by property with validity and source, relations both ways; each group
    lists its first 25 statements with its total, `property` or `incoming` with `page` pages through one."""
    if eid not in ctx.atlas.types:
        raise HTTPException(404, f"unknown entity {eid!r}")
    if prop and incoming:
        raise HTTPException(422, "property, incoming: page through one group at a time")
    if page > 1 and not (prop or incoming):
        raise HTTPException(422, "page: give property or incoming too (the group to page through)")
    if eid.startswith("mun/") and ctx.request.url.path.startswith(f"/{ctx.lang}/"):
        return RedirectResponse(href(ctx.lang, f"/municipality/{eid[4:]}", as_of=as_of), status_code=307)
    view = entity_view(ctx.atlas, eid, ctx.lang, as_of, page_size=PAGE_SIZE, prop=prop, incoming=incoming, page=page)
    chosen = next((g for g in view["properties" if prop else "incoming"] if g["property"] == (prop or incoming)), None)
    if prop or incoming:
        no_such_page(page, chosen["total"] if chosen else 0, PAGE_SIZE,
                     f"property {prop!r}" if prop else f"incoming {incoming!r}")
    view["changes"] = changes(ctx.request.app.state.atlas.engine, eid)
    view["label_lang"] = ctx.atlas.label_lang(eid, ctx.lang)[1]
    view["span"] = ctx.atlas.period_of(eid)
    view["tier"] = ctx.atlas.tier_of(eid)
    return view


@router.get("/{lang}/municipality", include_in_schema=False)
def municipality_form(lang: Lang, name: str = Query(..., min_length=1, max_length=200)):
    """The home page's form: a name in any language goes to the profile (or to an error with suggestions); a
    name two municipalities bore (Hasselt before and after 2025) goes to today's."""
    try:
        nis = gazetteer.load().resolve(name, on=dt.date.today()).nis
    except gazetteer.UnknownPlace as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(href(lang, f"/municipality/{nis}"), status_code=303)


def changes(engine, eid: str) -> list[dict]:
    """What changed after the entity first entered the atlas: retractions and later additions, newest first."""
    log = store.history(engine, eid)
    first = min((h["build_id"] for h in log if h["build_id"] is not None), default=None)
    return [{**h, "at": str(h["at"])} for h in reversed(log) if not (h["action"] == "add" and h["build_id"] == first)]


@page("/municipality/{name}", "municipality.html", models.Profile,
      formats={"csv": exports.csv_rows("municipality", exports.profile_rows)})
def municipality(ctx: Ctx, name: str,
                 as_of: Optional[dt.date] = Query(None, description="only what applied on this day (YYYY-MM-DD); "
                                                                     "default: every period, each item with its dates"),
                 compare: Optional[dt.date] = Query(None, description="a second day: both days side by side "
                                                                       "(with as_of)"),
                 section: Optional[Literal[(*PROFILE_LISTS, "governments")]] = Query(None, description="page "
                                                                   "through this list "
                                                                   "(with `page`); the others show their first page"),
                 page: int = PAGE) -> dict:
    """What applies to a municipality, in every period (default) or on a day, or two days side by side; each
    item with its dates, status, why and source; a merged municipality includes its predecessors' grants. Each
    list shows its first 5 items (in every period, those in force today first) and its total; `section` with
    `page` pages through one list, 25 a page; the CSV has all."""
    try:
        mun = gazetteer.load().resolve(name, on=as_of or dt.date.today())
    except gazetteer.UnknownPlace as exc:
        raise HTTPException(404, str(exc)) from None
    if compare and not as_of:
        raise HTTPException(422, "compare: give as_of too (the first of the two days)")
    if page > 1 and not section:
        raise HTTPException(422, "page: give section too (the list to page through)")
    if name != mun.nis and ctx.request.url.path.startswith(f"/{ctx.lang}/"):
        return RedirectResponse(href(ctx.lang, f"/municipality/{mun.nis}", as_of=as_of, compare=compare,
                                     section=section, page=page if section else None), status_code=307)
    if ctx.format == "csv":
        return {"municipality": {"nis": mun.nis}, "as_of": as_of and as_of.isoformat(),
                "every": profile_items(ctx.atlas, mun, as_of, ctx.lang)}
    data = profile(ctx.atlas, mun, as_of, ctx.lang, page_size=PAGE_SIZE, section=section, page=page,
                   first=FIRST_VIEW)
    if section:
        no_such_page(page, data["sections"][section]["total"], PAGE_SIZE, section)
    if compare:
        data["compare"] = {"as_of": compare.isoformat(),
                           "lists": compare_profiles(ctx.atlas, mun, as_of, compare, ctx.lang)}
    year = 2025 if mun.valid_from else 2019
    geo = svgmap.load_geometry(year)
    data["locator"] = {"nis": mun.nis, "centre": geo.centres[mun.nis], "year": year}
    return data


@page("/overview", "overview.html", models.Overview, formats={"csv": exports.csv_rows("overview", annex.overview_rows)})
def overview(ctx: Ctx, as_of: Optional[dt.date] = AS_OF) -> dict:
    """The report's Annex II regenerated from data: governments × plans / services / subsidies / training."""
    return annex.overview(ctx.atlas, ctx.lang, as_of)


MAP_OPTIONS = 50  # the map's funder and subsidy filters list this many (most recipients first); the rest by URL
MAP_GRANTS_PAGE = 100  # grants per page of one municipality's list


def _map_filters(ctx: Ctx, funder: Optional[str], subsidy: Optional[str]) -> None:
    funders, subsidies = coverage.funders(ctx.atlas), coverage.subsidies(ctx.atlas)
    if funder and funder not in funders:
        shown = ", ".join(funders[:MAP_OPTIONS]) + (" …" if len(funders) > MAP_OPTIONS else "")
        raise HTTPException(422, f"funder: {funder!r} funds no mapped subsidy (known: {shown})")
    if subsidy and subsidy not in subsidies:
        raise HTTPException(422, f"subsidy: {subsidy!r} is not a subsidy with named recipients")


def _map_options(ctx: Ctx, funder: Optional[str], subsidy: Optional[str]) -> dict:
    """The filters' choices, at most MAP_OPTIONS each (those reaching most municipalities, plus the chosen one),
    in their usual order."""
    atlas, reach = ctx.atlas, coverage.recipients(ctx.atlas)
    funders, subsidies = coverage.funders(atlas), coverage.subsidies(atlas)
    weight = coverage.funder_reach(atlas)

    def top(ids: list[str], score: dict[str, int], chosen: Optional[str]) -> list[dict]:
        kept = set(sorted(ids, key=lambda i: (-score.get(i, 0), i))[:MAP_OPTIONS]) | {chosen}
        return [{"id": i, "label": atlas.label(i, ctx.lang)} for i in ids if i in kept]

    return {"funders": top(funders, weight, funder), "subsidies": top(subsidies, reach, subsidy)}


@page("/map", "map.html", models.Map, formats={"svg": exports.map_svg, "png": exports.map_png, "geojson": exports.map_geojson,
                                   "csv": exports.csv_rows("map", exports.map_rows)})
def subsidy_map(ctx: Ctx, view: Literal["subsidies", "livcr"] = "subsidies", funder: Optional[str] = None,
                tier: Optional[Tier] = None, subsidy: Optional[str] = None,
                year: Optional[int] = Query(None, ge=2001, le=2100),
                as_of: Optional[dt.date] = Query(None, description="draw the municipalities of this day (default: "
                                                                    "the report's 2019 map of 581; from 2025-01-01: 565)"),
                precision: Literal["simplified", "full"] = Query("simplified", description=(
                    "GeoJSON only: `simplified` (each border simplified to 0.0002° ≈ 22 m) or `full` (every source "
                    "vertex)"))) -> dict:
    """Annex III on a map: subsidies received per municipality (filters), or LIVC-R coverage per region. The page
    and its JSON carry each municipality's count; its grants come from /api/map/municipality/{nis}; the
    downloads (CSV, GeoJSON, SVG) carry every grant."""
    atlas = ctx.atlas
    _map_filters(ctx, funder, subsidy)
    filters = {"view": view, "funder": funder, "tier": tier, "subsidy": subsidy, "year": year,
               "as_of": as_of.isoformat() if as_of else None, "precision": precision}
    today = dt.date.today()
    maps = {"today": today.isoformat(), "today_count": coverage.municipality_count(today),
            "report": gazetteer.MAP_2019.isoformat()}
    if view == "livcr":
        layer = svgmap.livcr_layer(coverage.livcr(atlas, ctx.lang), ctx.lang, as_of)
        cites = [f["cites"] for f in layer["figures"]]
    else:
        grants = coverage.grants_by_map(coverage.grants(atlas, ctx.lang, funder, tier, subsidy, year), as_of)
        layer = svgmap.grant_layer(grants, ctx.lang, as_of, detail=ctx.format not in ("html", "json"))
        cites = [c for received in grants.values() for g in received for c in g["cites"]]
    years = {s: atlas.source_year(s) for s in {c["source"] for c in cites if c}}
    latest = max((y for y in years.values() if y), default=None)
    options_total = {"funders": len(coverage.funders(atlas)), "subsidies": len(coverage.subsidies(atlas)),
                     "listed": MAP_OPTIONS}
    return {"filters": filters, "options": _map_options(ctx, funder, subsidy), "options_total": options_total,
            "maps": maps, "shown_currency": {"latest_year": latest}, **layer}


@page("/map/municipality/{nis}", "map_municipality.html", models.MapMunicipality,
      formats={"csv": exports.csv_rows("map_municipality", exports.map_municipality_rows)})
def map_municipality(ctx: Ctx, nis: str, funder: Optional[str] = None, tier: Optional[Tier] = None,
                     subsidy: Optional[str] = None, year: Optional[int] = Query(None, ge=2001, le=2100),
                     as_of: Optional[dt.date] = Query(None, description="the municipalities of this day's map"),
                     page: int = Query(1, ge=1, le=100_000, description=f"{MAP_GRANTS_PAGE} grants per page")) -> dict:
    """The grants one municipality of the subsidy map received, with the map's filters (what the map shows on
    pointing at it), a page at a time; the CSV has them all."""
    municipalities = {m.nis: m for m in gazetteer.load().on(as_of)}
    if nis not in municipalities:
        day = as_of.isoformat() if as_of else "the 2019 map"
        raise HTTPException(404, f"nis: {nis!r} is not a municipality of {day}")
    _map_filters(ctx, funder, subsidy)
    grants = coverage.grants_by_map(coverage.grants(ctx.atlas, ctx.lang, funder, tier, subsidy, year), as_of)
    received = [svgmap.grant_detail(g) for g in grants.get(nis, [])]
    no_such_page(page, len(received), MAP_GRANTS_PAGE, f"the grants of {nis}")
    shown, where = paged(received, MAP_GRANTS_PAGE, page)
    if ctx.format not in ("html", "json"):
        shown = received
    return {"municipality": {"nis": nis, "name": municipalities[nis].name(ctx.lang)},
            "filters": {"funder": funder, "tier": tier, "subsidy": subsidy, "year": year,
                        "as_of": as_of.isoformat() if as_of else None},
            "count": len(received), "page": page, "pages": where["pages"], "per_page": MAP_GRANTS_PAGE, "grants": shown}


@page("/network", "network.html", models.Network, formats={"graphml": exports.network_graphml, "svg": exports.network_svg,
                                           "csv": exports.csv_rows("network", exports.network_rows)})
def network_page(ctx: Ctx, relation: list[Relation] = Query([], description="relation groups to draw"),
                 region: Optional[Region] = None, as_of: Optional[dt.date] = AS_OF) -> dict:
    """Governments, agencies, bodies and municipalities with their relations, in tiers by level; per tier the
    actors with most relations, the rest counted in a "+K more" node (`left_out`); GraphML and CSV have all."""
    return network.view(ctx.atlas, ctx.lang, list(relation) or None, region, as_of,
                        bounded=ctx.format not in ("graphml", "csv"))


@page("/timeline", "timeline.html", models.Timeline, formats={"csv": exports.csv_of("timeline", "items")})
def timeline_page(ctx: Ctx, tier: Optional[Tier] = None,
                  year_from: Optional[int] = Query(None, ge=1900, le=2100, description="items starting in or after"),
                  year_to: Optional[int] = Query(None, ge=1900, le=2100, description="items starting in or before"),
                  page: int = Query(1, ge=1, le=100_000, description=f"{timeline.PER_PAGE} items per page")) -> dict:
    """Events, plans, laws, subsidies and programmes from 2001 to today, by start, a page at a time, with the
    count per start year; the CSV has every item of the selection."""
    if year_from and year_to and year_from > year_to:
        raise HTTPException(422, f"year_from {year_from} is after year_to {year_to}")
    data = timeline.window(timeline.items(ctx.atlas, ctx.lang, tier), year_from, year_to,
                           None if ctx.format == "csv" else page)
    no_such_page(page, data["count"], timeline.PER_PAGE, "the timeline")
    return data


@page("/livcr", "livcr.html", models.Livcr)
def livcr(ctx: Ctx) -> dict:
    """How the LIVC-R works: tables, members, information rules, the information line, concerns, help."""
    return landscape.livcr(ctx.atlas, ctx.lang)


@page("/trainings", "trainings.html", models.Trainings, formats={"csv": exports.csv_of("trainings", "items")})
def trainings(ctx: Ctx, language: Optional[Lang] = Query(None, description="training language"),
              region: Optional[Literal["flanders", "wallonia", "brussels", "german", "federal", "international"]] = None
              ) -> dict:
    """The training offer and tools, with provider, audience, language, region, funding and evaluation."""
    return landscape.trainings(ctx.atlas, ctx.lang, language, region)


@page("/sources", "sources.html", models.Sources, formats={"csv": exports.csv_of("sources", "documents")})
def sources(ctx: Ctx) -> dict:
    """The bibliography: sources and cited documents with what rests on them."""
    return landscape.sources(ctx.atlas, ctx.lang)


@page("/sources/{sid}", "source.html", models.Source, formats={"csv": exports.csv_of("source", "statements")})
def source(ctx: Ctx, sid: str, fn: Optional[int] = Query(None, ge=1, le=999, description="only this footnote")) -> dict:
    """Every statement that rests on one source, or on one of its footnotes."""
    try:
        sts = landscape.source_statements(ctx.atlas, sid, ctx.lang, fn)
    except KeyError:
        raise HTTPException(404, f"unknown source {sid!r} (known: {', '.join(sorted(ctx.atlas.sources))})") from None
    note = landscape.held_footnotes(ctx.atlas, sid).get(fn) if fn else None
    return {"source": {"id": sid, **ctx.atlas.sources[sid]}, "count": len(sts), "statements": sts,
            "footnote": {"number": note.number, "line": note.line, "text": note.text} if note else None}


@router.get("/api/datapackage.zip", tags=["exports"], summary="The whole atlas as a Frictionless data package",
            response_class=Response, responses=declared("zip", errors=()))
def datapackage(request: Request) -> Response:
    return Response(export.datapackage(request.app.state.atlas.atlas), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="policy-atlas.zip"'})


@router.get("/api/statements.csv", tags=["exports"], summary="Every statement, one row each with all its qualifiers",
            response_class=Response, responses=declared("csv", errors=()))
def statements_csv(request: Request) -> Response:
    return StreamingResponse(export.csv_rows(request.app.state.atlas.atlas), media_type=exports.MEDIA["csv"],
                             headers={"Content-Disposition": 'attachment; filename="policy-atlas-statements.csv"'})


@router.get("/api/atlas.{fmt}", tags=["exports"], summary="The whole atlas as linked data: Turtle or N-Triples",
            response_class=Response, responses=declared("ttl", "nt", errors=(422,)))
def atlas_rdf(request: Request, fmt: Literal["ttl", "nt"]) -> Response:
    return StreamingResponse(export.serialize(request.app.state.atlas.atlas, fmt), media_type=exports.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="policy-atlas.{fmt}"'})


@router.get("/api", tags=["pages"], summary="What the API offers", response_model=models.ApiIndex)
def api_index(request: Request) -> dict:
    paths = request.app.openapi()["paths"]
    return {"openapi": "/api/openapi.json", "languages": list(i18n.LANGUAGES),
            "endpoints": {path: next(iter(ops.values())).get("summary", "") for path, ops in sorted(paths.items())}}


@router.get("/{lang}/ingest", include_in_schema=False)
def ingest_form(request: Request, lang: Lang):
    request.app.state.readers.warm()
    return HTMLResponse(render("ingest.html", lang, request, {"results": None, "summary": None, "json_twin": False}))


async def _read_uploads(request: Request, files: list[UploadFile]) -> list[tuple[str, bytes]]:
    limit = request.app.state.settings.max_file
    return [(upload.filename or "upload", await upload.read(limit + 1)) for upload in files]


async def _ingest(request: Request, uploads: list[tuple[str, bytes]]) -> dict:
    """Each file is read by the worker pool (web/readers.py), never in the event loop; waiting threads have their
    own small limiter, so a flood of uploads cannot take the threads that serve pages."""
    import asyncio

    import anyio

    from ..ingest import summary

    app = request.app
    limit = app.state.settings.max_file
    version = await anyio.to_thread.run_sync(lambda: app.state.atlas.version)

    async def one(name: str, data: bytes) -> dict:
        if len(data) > limit:
            return {"file": name, "error": f"{name}: larger than {limit / 1_048_576:g} MB"}
        return await anyio.to_thread.run_sync(app.state.readers.read, name, data, version,
                                              limiter=app.state.reader_threads)

    results = await asyncio.gather(*(one(name, data) for name, data in uploads))
    return {"summary": summary(results), "files": list(results)}


@router.post("/api/ingest", tags=["ingest"], summary="Read documents and propose facts (nothing is written)",
             response_model=models.IngestReport, responses=declared(errors=(422,)))
async def ingest_api(request: Request, files: list[UploadFile] = File(..., description="PDF, HTML, DOCX or text")):
    return JSONResponse(await _ingest(request, await _read_uploads(request, files)))


@router.post("/{lang}/ingest", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def ingest_upload(request: Request, lang: Lang, files: list[UploadFile] = File(...)):
    report = await _ingest(request, await _read_uploads(request, files))
    return HTMLResponse(render("ingest.html", lang, request, {"results": report["files"], "summary": report["summary"],
                                                               "report_json": json.dumps(report, ensure_ascii=False),
                                                               "json_twin": False}))
