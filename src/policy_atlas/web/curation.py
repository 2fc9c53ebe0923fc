"""Curation on the web: log in, propose (from an entity or municipality page, a new entity, or a document),
the review queue, a proposal's diff and decision, accounts and the audit log for admins; and three public
pages with JSON twins: an entity's history, what changed in the world between two dates, what changed in the
atlas since a date or build (also as Atom)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Literal, Optional

import yaml
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from ..ingest import extract
from ..curation import accounts, forms, history, proposals
from ..curation.diff import contradictions, diff
from ..curation.roles import ROLES, Forbidden, can
from ..model import load_schema
from ..store import curation as tables
from . import security
from .models import Model
from .pages import Ctx, page
from .rendering import href, render

router = APIRouter(include_in_schema=False)
Lang = Literal["nl", "fr", "de", "en"]
CSRF = [Depends(security.check_csrf)]
MAX_UPLOAD = 20 * 1024 * 1024


def install(app) -> None:
    """Sessions on every request, a CSRF cookie on the pages that render a form, and the curation routes."""
    @app.middleware("http")
    async def curation_state(request: Request, call_next):
        request.state.csrf_token = security.LazyToken(request)
        security.current_account(request)
        response = await call_next(request)
        security.set_csrf_cookie(request, response)
        return response

    app.include_router(router)


def _engine(request: Request):
    return request.app.state.atlas.engine


def _atlas(request: Request):
    return request.app.state.atlas.pinned(request).atlas


def _html(template: str, lang: str, request: Request, data: dict, status: int = 200) -> HTMLResponse:
    return HTMLResponse(render(f"curation/{template}", lang, request, {"json_twin": False, **data}), status_code=status)


def _need(request: Request, action: str) -> dict:
    account = security.current_account(request)
    if account is None:
        raise HTTPException(403, "log in first")
    if not can(account.get("role"), action):
        raise HTTPException(403, f"your role ({account.get('role') or 'none'}) may not do this")
    return account


def _login_redirect(request: Request, lang: str) -> Optional[RedirectResponse]:
    if security.current_account(request) is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(href(lang, "/login", next=target), status_code=303)
    return None


def _safe_next(target: str, lang: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else f"/{lang}/proposals"


def _refresh(request: Request) -> None:
    """Have the running atlas look for the new version on the next request instead of after its pause."""
    request.app.state.atlas.expire()


# --- log in / out ---------------------------------------------------------------------------------------------

@router.get("/{lang}/login")
def login_form(request: Request, lang: Lang, next: str = Query("", max_length=500)):
    return _html("login.html", lang, request, {"next": next, "error": None, "email": ""})


@router.post("/{lang}/login", dependencies=CSRF)
def login(request: Request, lang: Lang, email: str = Form("", max_length=320), password: str = Form("", max_length=200),
          next: str = Form("", max_length=500)):
    addr = security.address(request)
    with _engine(request).begin() as conn:
        if not security.login_allowed(conn, email, addr):
            tables.record(conn, "login_refused", actor=email.strip().lower()[:320], address=addr)
            error, account = "too many failed log-ins: wait a quarter of an hour", None
        else:
            account = accounts.authenticate(conn, email, password, address=addr)
            error = None if account else "wrong e-mail or password"
    if account is None:
        return _html("login.html", lang, request, {"next": next, "error": error, "email": email},
                     status=429 if error.startswith("too many") else 401)
    response = RedirectResponse(_safe_next(next, lang), status_code=303)
    security.start_session(request, response, account)
    return response


@router.post("/{lang}/logout", dependencies=CSRF)
def logout(request: Request, lang: Lang):
    account = security.current_account(request)
    if account:
        with _engine(request).begin() as conn:
            tables.record(conn, "logout", actor=account["email"], address=security.address(request))
    response = RedirectResponse(f"/{lang}/", status_code=303)
    security.end_session(response)
    return response


# --- propose ----------------------------------------------------------------------------------------------------

def _propose_data(request: Request, lang: str, eid: str, prop: Optional[str], values: dict, errors: dict) -> dict:
    atlas = _atlas(request)
    if eid not in atlas.types:
        raise HTTPException(404, f"unknown entity {eid!r}")
    schema = load_schema()
    spec_type = schema.types[atlas.types[eid]]
    props = sorted(p for p in spec_type.properties)
    data = {"entity": {"id": eid, "label": atlas.label(eid, lang), "type": atlas.types[eid]},
            "props": [{"name": p, "label": schema.property_labels(p).get(lang, p), "type": spec_type.properties[p].type}
                      for p in props], "prop": prop, "values": values, "errors": errors,
            "sources": sorted(((k, v.get("title", k)) for k, v in atlas.sources.items()), key=lambda s: s[0]),
            "languages": schema.languages, "ranks": ("preferred", "normal", "deprecated")}
    if prop:
        if prop not in spec_type.properties:
            raise HTTPException(422, f"prop: {atlas.types[eid]} has no property {prop!r}")
        spec = spec_type.properties[prop]
        from ..queries import statement_view
        current = [s for s in atlas.by_subject.get(eid, ()) if s.prop == prop]
        data.update({"spec": {"name": spec.name, "type": spec.type, "label": spec.labels.get(lang, prop)},
                     "widget": forms.widget(atlas, spec, lang),
                     "current": [statement_view(atlas, s, lang) for s in current]})
    return data


@router.get("/{lang}/propose")
def propose_form(request: Request, lang: Lang, entity: str = Query(..., max_length=200),
                 prop: Optional[str] = Query(None, max_length=80)):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "propose")
    return _html("propose.html", lang, request, _propose_data(request, lang, entity, prop, {}, {}))


@router.post("/{lang}/propose", dependencies=CSRF)
async def propose(request: Request, lang: Lang):
    account = _need(request, "propose")
    form = await request.form()
    eid, prop = str(form.get("entity", "")), str(form.get("prop", ""))
    data = _propose_data(request, lang, eid, prop or None, {k: v for k, v in form.items()}, {})
    if not prop:
        raise HTTPException(422, "prop: choose the property to change")
    doc, problems = forms.document(_atlas(request), eid, prop, form)
    if not problems:
        try:
            pid = proposals.create(_engine(request), account, doc, origin="web", address=security.address(request))
        except proposals.ProposalError as exc:
            problems = exc.problems
        else:
            return RedirectResponse(href(lang, f"/proposals/{pid}"), status_code=303)
    data["errors"] = forms.field_errors(problems)
    return _html("propose.html", lang, request, data, status=422)


@router.get("/{lang}/propose-entity")
def propose_entity_form(request: Request, lang: Lang):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "propose")
    return _html("propose_entity.html", lang, request, _entity_form_data({}, {}))


def _entity_form_data(values: dict, errors: dict) -> dict:
    schema = load_schema()
    return {"types": [(t, schema.types[t].labels) for t in schema.concrete_types()
                      if t not in ("Municipality", "Arrondissement", "Province")],
            "languages": schema.languages, "values": values, "errors": errors}


@router.post("/{lang}/propose-entity", dependencies=CSRF)
async def propose_entity(request: Request, lang: Lang):
    account = _need(request, "propose")
    form = await request.form()
    doc = forms.new_entity_document(form)
    try:
        pid = proposals.create(_engine(request), account, doc, origin="web", address=security.address(request))
    except proposals.ProposalError as exc:
        errors: dict[str, list[str]] = {}
        for p in exc.problems:
            errors.setdefault(p["field"], []).append(p["message"])
        return _html("propose_entity.html", lang, request, _entity_form_data(dict(form.items()), errors), status=422)
    return RedirectResponse(href(lang, f"/proposals/{pid}"), status_code=303)


@router.get("/{lang}/propose-document")
def propose_document_form(request: Request, lang: Lang):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "propose")
    return _html("propose_document.html", lang, request, {"read": None, "values": {}, "errors": {},
                                                           "languages": load_schema().languages})


@router.post("/{lang}/propose-document", dependencies=CSRF)
async def propose_document(request: Request, lang: Lang, file: Optional[UploadFile] = File(None)):
    """Step 1 reads the upload (its proposed facts, and its text kept so quotes are checked); step 2 submits the
    facts ticked, with the document as the new source, as one proposal."""
    account = _need(request, "propose")
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    schema = load_schema()
    if file is not None and file.filename:
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise HTTPException(413, f"file: larger than {MAX_UPLOAD // 1_048_576} MB")
        try:
            doc = extract.extract(file.filename, data)
        except extract.ExtractError as exc:
            return _html("propose_document.html", lang, request, {"read": None, "values": values, "languages": schema.languages,
                                                                   "errors": {"file": [str(exc)]}}, status=422)
        text = "\n\f\n".join(p.text for p in doc.pages)
        report = request.app.state.atlas.ingester.read(file.filename, data)
        values.setdefault("new_title", file.filename)
        return _html("propose_document.html", lang, request, {
            "read": {"file": file.filename, "facts": report.get("proposals", []), "text": text},
            "values": values, "errors": {}, "languages": schema.languages})
    facts = json.loads(values.get("facts_json") or "[]")
    picked = [facts[int(i)] for i in form.getlist("pick") if i.isdigit() and int(i) < len(facts)]
    source = {k: values.get(f"new_{k}", "").strip() for k in forms.SOURCE_KEYS if values.get(f"new_{k}", "").strip()}
    sid = source.get("id", "")
    doc = {"title": values.get("title", "").strip(), "sources": [source], "texts": {sid: values.get("text", "")},
           "facts": [{"s": f["subject"], "p": f["property"], "v": f["value"], "src": sid, "q": f["quote"],
                      "loc": f"p. {f['page']}, l. {f['line']}",
                      **({"from": f["valid_from"]} if f.get("valid_from") else {}),
                      **({"to": f["valid_to"]} if f.get("valid_to") else {})} for f in picked]}
    if not picked:
        doc.pop("facts")
    try:
        pid = proposals.create(_engine(request), account, doc, origin="ingest", address=security.address(request))
    except proposals.ProposalError as exc:
        return _html("propose_document.html", lang, request, {
            "read": {"file": values.get("new_title", ""), "facts": facts, "text": values.get("text", "")},
            "values": values, "errors": forms.field_errors(exc.problems), "languages": schema.languages,
            "picked": [int(i) for i in form.getlist("pick") if i.isdigit()]}, status=422)
    return RedirectResponse(href(lang, f"/proposals/{pid}"), status_code=303)


# --- review -----------------------------------------------------------------------------------------------------

@router.get("/{lang}/proposals")
def queue(request: Request, lang: Lang, status: Literal["open", "changes_requested", "accepted", "rejected"] = "open",
          author: Optional[str] = Query(None, max_length=320), entity: Optional[str] = Query(None, max_length=200),
          government: Optional[str] = Query(None, max_length=200),
          older_than: Optional[int] = Query(None, ge=0, le=3650, description="days")):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "propose")
    atlas = _atlas(request)
    rows = proposals.queue(_engine(request), status=status, author=author)
    if entity:
        rows = [r for r in rows if entity in r["subjects"]]
    if government:
        rows = [r for r in rows if any(s == government or atlas.first(s, "government") == government
                                       or atlas.first(s, "funder") == government for s in r["subjects"])]
    if older_than is not None:
        limit = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=older_than)).isoformat()
        rows = [r for r in rows if r["created_at"] <= limit]
    for r in rows:
        r["subject_labels"] = [(s, atlas.label(s, lang) if s in atlas.types else s) for s in r["subjects"]]
    govs = [(g, atlas.label(g, lang)) for g in atlas.entities_of("Government")]
    return _html("queue.html", lang, request, {"rows": rows, "filters": {"status": status, "author": author, "entity": entity,
                                                                          "government": government, "older_than": older_than},
                                                "governments": govs})


@router.get("/{lang}/proposals/{pid}")
def proposal_page(request: Request, lang: Lang, pid: int):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    account = _need(request, "propose")
    return _html("proposal.html", lang, request, _proposal_data(request, lang, pid, account))


def _proposal_data(request: Request, lang: str, pid: int, account: dict) -> dict:
    try:
        p = proposals.get(_engine(request), pid)
    except LookupError:
        raise HTTPException(404, f"no proposal {pid}") from None
    atlas = _atlas(request)
    checked = p["checked"]
    doc = p["document"]
    return {"p": p, "diff": diff(atlas, checked, lang) if checked else None,
            "contradictions": contradictions(atlas, checked) if checked else [],
            "problems": checked.problems if checked else [],
            "new_sources": doc.get("sources") or [], "has_text": sorted((doc.get("texts") or {}).keys()),
            "own": p["author_id"] == account["id"], "may_review": can(account.get("role"), "review"),
            "yaml": yaml.safe_dump({k: v for k, v in doc.items() if k != "texts"}, allow_unicode=True, sort_keys=False)}


def _decision_error(request: Request, lang: str, pid: int, account: dict, status: int, message: str):
    data = _proposal_data(request, lang, pid, account)
    data["error"] = message
    return _html("proposal.html", lang, request, data, status=status)


@router.post("/{lang}/proposals/{pid}/review", dependencies=CSRF)
def review(request: Request, lang: Lang, pid: int, decision: Literal["accept", "reject", "changes"] = Form(...),
           revision: int = Form(...), comment: str = Form("", max_length=4000)):
    account = _need(request, "review")
    try:
        proposals.decide(_engine(request), pid, account, decision, revision=revision, comment=comment,
                         address=security.address(request))
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except LookupError:
        raise HTTPException(404, f"no proposal {pid}") from None
    except (proposals.Conflict, proposals.Stale) as exc:
        return _decision_error(request, lang, pid, account, 409, str(exc))
    except proposals.ProposalError as exc:
        return _decision_error(request, lang, pid, account, 422, str(exc))
    _refresh(request)
    return RedirectResponse(href(lang, f"/proposals/{pid}"), status_code=303)


@router.post("/{lang}/proposals/{pid}/revise", dependencies=CSRF)
def revise(request: Request, lang: Lang, pid: int, document: str = Form("", max_length=2_000_000)):
    """The author's new version, as the document in the dataset format (YAML); sent unchanged, it rebases."""
    account = _need(request, "propose")
    try:
        old = proposals.get(_engine(request), pid)
        doc = yaml.safe_load(document) if document.strip() else old["document"]
        if isinstance(doc, dict) and old["document"].get("texts"):
            doc["texts"] = old["document"]["texts"]
        proposals.revise(_engine(request), pid, account, doc, address=security.address(request))
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except LookupError:
        raise HTTPException(404, f"no proposal {pid}") from None
    except yaml.YAMLError as exc:
        return _decision_error(request, lang, pid, account, 422, f"document: broken YAML: {exc}")
    except proposals.Conflict as exc:
        return _decision_error(request, lang, pid, account, 409, str(exc))
    except proposals.ProposalError as exc:
        return _decision_error(request, lang, pid, account, 422, str(exc))
    return RedirectResponse(href(lang, f"/proposals/{pid}"), status_code=303)


# --- admin ------------------------------------------------------------------------------------------------------

@router.get("/{lang}/admin/accounts")
def accounts_page(request: Request, lang: Lang):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "manage")
    with _engine(request).connect() as conn:
        rows = accounts.listing(conn)
    return _html("accounts.html", lang, request, {"rows": rows, "roles": ROLES, "password": None, "error": None})


@router.post("/{lang}/admin/accounts", dependencies=CSRF)
def accounts_change(request: Request, lang: Lang, email: str = Form(..., max_length=320),
                    role: str = Form(..., max_length=20), action: Literal["add", "role"] = Form(...)):
    admin = _need(request, "manage")
    password, error = None, None
    try:
        with _engine(request).begin() as conn:
            if action == "add":
                password = accounts.add(conn, email, role, actor=admin["email"])
            else:
                accounts.set_role(conn, email, role or None if role != "none" else None, actor=admin["email"])
    except accounts.AccountError as exc:
        error = str(exc)
    with _engine(request).connect() as conn:
        rows = accounts.listing(conn)
    return _html("accounts.html", lang, request, {"rows": rows, "roles": ROLES, "password": password,
                                                  "new_email": email, "error": error}, status=422 if error else 200)


AUDIT_COLUMNS = ["seq", "at", "actor", "action", "target", "detail", "address"]


def _audit_rows(request: Request, limit: int | None = 500) -> list[dict]:
    from sqlalchemy import select

    q = select(tables.audit_log).order_by(tables.audit_log.c.seq.desc())
    if limit:
        q = q.limit(limit)
    with _engine(request).connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


@router.get("/{lang}/admin/audit")
def audit_page(request: Request, lang: Lang):
    redirect = _login_redirect(request, lang)
    if redirect:
        return redirect
    _need(request, "audit")
    return _html("audit.html", lang, request, {"rows": _audit_rows(request)})


@router.get("/{lang}/admin/audit.csv")
def audit_csv(request: Request, lang: Lang):
    _need(request, "audit")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS)
    writer.writeheader()
    for row in reversed(_audit_rows(request, None)):
        writer.writerow({k: row[k] for k in AUDIT_COLUMNS})
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="policy-atlas-audit.csv"'})


# --- public pages (HTML + JSON) ---------------------------------------------------------------------------------

class LoggedChange(Model):
    action: Literal["add", "retract"]
    statement_id: str
    subject: str
    prop: str
    value: str
    source: str
    locator: Optional[str]
    quote: Optional[str]
    rank: str


class Event(Model):
    """One build from the dataset files or one accepted proposal, with what it added and retracted."""
    kind: Literal["build", "proposal"]
    id: Optional[int]
    at: str
    actor: Optional[str]
    reason: Optional[str]
    reviewer: Optional[str]
    changes: list[LoggedChange]


class EntityHistory(Model):
    id: str
    label: str
    events: list[Event]


class WorldChange(Model):
    date: str
    kind: Literal["began", "ended", "dated"]
    subject: str
    subject_label: str
    property: str
    value: str
    source: str
    locator: Optional[str]


class WorldChanges(Model):
    start: str
    end: str
    count: int
    items: list[WorldChange]


class AtlasChanges(Model):
    since: Optional[str]
    after_build: Optional[int]
    events: list[Event]


@page("/history/{eid:path}", "curation/history.html", EntityHistory)
def entity_history(ctx: Ctx, eid: str) -> dict:
    """Who changed what of one entity, when, why and on what evidence (record time), newest first."""
    if eid not in ctx.atlas.types:
        raise HTTPException(404, f"unknown entity {eid!r}")
    events = history.entity_history(ctx.request.app.state.atlas.engine, eid)
    return {"id": eid, "label": ctx.atlas.label(eid, ctx.lang), "events": events}


@page("/changes", "curation/changes.html", WorldChanges)
def world_changes(ctx: Ctx, start: dt.date = Query(dt.date(2016, 1, 1), alias="from", description="first day"),
                  end: dt.date = Query(dt.date(2018, 12, 31), alias="to", description="last day")) -> dict:
    """What changed in the world between two dates (valid time): what began, ended or happened, with sources."""
    if start > end:
        raise HTTPException(422, f"from: {start} is after to: {end}")
    items = history.between(ctx.atlas, start, end, ctx.lang)
    return {"start": start.isoformat(), "end": end.isoformat(), "count": len(items), "items": items}


def _atom(data: dict, ctx: Ctx) -> Response:
    base = str(ctx.request.base_url).rstrip("/")
    updated = data["events"][0]["at"] if data["events"] else data["since"] or "1970-01-01"
    return Response(history.atom(data["events"], base=base, title="Policy Atlas: what changed in the atlas",
                                 updated=updated), media_type="application/atom+xml")


@page("/atlas-changes", "curation/atlas_changes.html", AtlasChanges, formats={"atom": _atom})
def atlas_changes(ctx: Ctx, since: Optional[dt.date] = Query(None, description="record time: changes on or after this day"),
                  build: Optional[int] = Query(None, ge=1, description="changes after this build")) -> dict:
    """What changed in the atlas (record time) since a day or a build: builds and accepted proposals, newest first."""
    events = history.since(ctx.request.app.state.atlas.engine, day=since, build=build)
    for ev in events:
        for c in ev["changes"]:
            c["subject_label"] = ctx.atlas.label(c["subject"], ctx.lang) if c["subject"] in ctx.atlas.types else c["subject"]
    return {"since": since.isoformat() if since else None, "after_build": build, "events": events[:200]}


class SectionChange(Model):
    section: str
    only_first: list[dict]
    both: list[dict]
    only_second: list[dict]
    totals: dict[str, int] = Field(description="each group's number of items (the lists show the first 25 of each)")


class Comparison(Model):
    municipality: dict
    first: str
    second: str
    sections: list[SectionChange]
    livcr: dict


@page("/compare/{name}", "curation/compare.html", Comparison)
def compare_dates(ctx: Ctx, name: str, first: dt.date = Query(dt.date(2015, 12, 31), description="the first day"),
                  second: dt.date = Query(dt.date(2018, 6, 30), description="the second day")) -> dict:
    """What applied to a municipality on two days, side by side: only then, on both, only later; each group
    lists its first 25 items and gives its total."""
    from .. import gazetteer
    from ..queries import compare_groups, livcr_status

    try:
        mun = gazetteer.load().resolve(name)
    except gazetteer.UnknownPlace as exc:
        raise HTTPException(404, str(exc)) from None
    return {"municipality": {**mun.as_dict(), "id": mun.entity_id, "label": mun.name(ctx.lang)},
            "first": first.isoformat(), "second": second.isoformat(),
            "sections": compare_groups(ctx.atlas, mun, first, second, ctx.lang, history.COMPARED),
            "livcr": {"first": livcr_status(ctx.atlas, mun, first)["status"],
                      "second": livcr_status(ctx.atlas, mun, second)["status"]}}
