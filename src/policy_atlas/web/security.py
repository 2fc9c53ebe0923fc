"""Sessions, CSRF and log-in limits.

- The session is a signed cookie (itsdangerous, key made once per database) holding the account id; it is
  `HttpOnly`, `SameSite=Lax`, `Secure` over HTTPS, and expires after SESSION_HOURS. The account (and its role)
  is read from the database on every request, so a withdrawn role takes effect at once.
- CSRF: every visitor gets a random token in an `HttpOnly`, `SameSite=Strict` cookie; every state-changing
  request must send the same token in the form field `csrf_token` (or the `X-CSRF-Token` header), else 403.
- Log-in attempts are limited per account and per address, counted from the audit log's failed log-ins, so
  every process serving the same database agrees."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from fastapi import Form, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..curation import accounts
from ..store import curation as tables

SESSION_COOKIE = "atlas_session"
CSRF_COOKIE = "atlas_csrf"
SESSION_HOURS = 12
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_ACCOUNT = 5
MAX_FAILURES_ADDRESS = 20


def _serializer(request: Request) -> URLSafeTimedSerializer:
    app = request.app
    key = getattr(app.state, "session_key", None)
    if key is None:
        with engine(request).begin() as conn:
            key = app.state.session_key = tables.secret(conn)
    return URLSafeTimedSerializer(key, salt="policy-atlas-session")


def engine(request: Request):
    return request.app.state.atlas.engine


def address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_account(request: Request) -> dict | None:
    """The logged-in account (fresh from the database), or None."""
    if "account" in request.scope.get("state", {}):
        return request.state.account
    account = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            data = _serializer(request).loads(cookie, max_age=SESSION_HOURS * 3600)
            with engine(request).connect() as conn:
                account = accounts.by_id(conn, int(data["a"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            account = None
    request.state.account = account
    return account


def start_session(request: Request, response, account: dict) -> None:
    token = _serializer(request).dumps({"a": account["id"], "n": secrets.token_urlsafe(8)})
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def end_session(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The visitor's token (made on the first page that needs it; the middleware sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(24)
    return token


class LazyToken:
    """`request.state.csrf_token` for templates: the token (and its cookie) is made only when a form renders it,
    so a page without a form sets no cookie and stays publicly cacheable."""

    def __init__(self, request: Request):
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    __html__ = __str__


def set_csrf_cookie(request: Request, response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")


def check_csrf(request: Request, csrf_token: str = Form("", include_in_schema=False)) -> None:
    """A dependency for every state-changing route: the form's token must match the visitor's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = csrf_token or request.headers.get("x-csrf-token", "")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(403, "CSRF token missing or wrong: reload the form and send it again")


def login_allowed(conn, email: str, addr: str | None) -> bool:
    since = (dt.datetime.now(dt.timezone.utc) - LOGIN_WINDOW).isoformat(timespec="seconds")
    failed = select(func.count()).select_from(tables.audit_log).where(
        tables.audit_log.c.action == "login_failed", tables.audit_log.c.at >= since)
    if conn.execute(failed.where(tables.audit_log.c.actor == email.strip().lower()[:320])).scalar() >= MAX_FAILURES_ACCOUNT:
        return False
    return addr is None or conn.execute(failed.where(tables.audit_log.c.address == addr)).scalar() < MAX_FAILURES_ADDRESS
