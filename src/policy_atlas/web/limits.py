"""Bounded work per request: a body limit answered before the body is read, and rate limits per client
address (`limit(request, bucket)`, for ingest, log-in and the API) answered 429 with Retry-After; uploads and
the `login` bucket are counted in the database, by every process serving it together (the log-in form itself
refuses from the audit log's failed attempts: `web.security.login_allowed`)."""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from limits import parse
from limits.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..store.curation import secret
from ..store.schema import rate_hits


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit // 1_048_576} MB")


class BodyLimit:
    """Pure ASGI: a declared Content-Length over the limit is answered 413 without reading a byte; a body
    streamed without one is counted and cut off at the limit."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await _refuse(scope, send, BodyTooLarge(self.max_bytes))
        seen, started, refused = 0, False, False

        async def counted():
            """Past the limit: answer 413 here (if nothing was sent yet) and tell the app the client left, so no
            layer in between can turn the refusal into another answer."""
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await _refuse(scope, send, BodyTooLarge(self.max_bytes))
                    return {"type": "http.disconnect"}
            return message

        async def watched(message):
            nonlocal started
            if refused:
                return  # the 413 went out already
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise


async def _refuse(scope, send, exc: HTTPException) -> None:
    body = {"error": exc.detail, "status": exc.status_code, "problems": [exc.detail]}
    await JSONResponse(body, status_code=exc.status_code, headers={"Connection": "close"})(scope, _nothing, send)


async def _nothing():
    return {"type": "http.disconnect"}


log = logging.getLogger("policy_atlas.limits")
SHARED = ("login", "ingest")  # buckets counted in the database, by every process together


class DatabaseStorage(Storage, MovingWindowSupport):
    """Moving windows kept in the atlas database (table `rate_hits`), so that every worker process and machine
    serving one database counts a client's uploads (and `login` bucket) together (in memory, N workers would allow N
    times the rate). A key (bucket and client address) is stored as a keyed hash: no address is written down.
    A key's hits older than its window go when it is counted again; on PostgreSQL one key's count and insert are
    serialised by an advisory lock, on SQLite by the write lock the first DELETE takes."""

    STORAGE_SCHEME = ["atlas-database"]
    base_exceptions = SQLAlchemyError

    def __init__(self, engine: Engine, secret: str):
        super().__init__()
        self.engine, self.secret = engine, secret.encode()

    def _key(self, key: str) -> str:
        return hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now, hashed = time.time(), self._key(key)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": int(hashed[:15], 16)})
            conn.execute(rate_hits.delete().where(rate_hits.c.key == hashed, rate_hits.c.at <= now - expiry))
            used = conn.execute(select(func.count()).where(rate_hits.c.key == hashed)).scalar_one()
            if used + amount > limit:
                return False
            conn.execute(rate_hits.insert(), [{"key": hashed, "at": now}] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.engine.connect() as conn:
            oldest, count = conn.execute(select(func.min(rate_hits.c.at), func.count()).where(
                rate_hits.c.key == self._key(key), rate_hits.c.at > now - expiry)).one()
        return oldest or now, count

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(rate_hits.delete().where(rate_hits.c.key == self._key(key)))

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(rate_hits.delete()).rowcount

    def check(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(1)).scalar() == 1

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:  # fixed windows: not used (moving windows only)
        raise NotImplementedError

    def get(self, key: str) -> int:
        raise NotImplementedError

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError


class RateLimits:
    """Moving-window counters per (bucket, client address): the SHARED buckets in the database when an engine is
    given (every process counts together), the others (the API's, asked on every request) in this process's
    memory."""

    def __init__(self, rates: dict[str, str], engine: Engine | None = None):
        self.rates = {bucket: parse(rate) for bucket, rate in rates.items() if rate not in ("", "0", "off")}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.engine, self._shared = engine, None

    def _limiter(self, bucket: str) -> MovingWindowRateLimiter:
        if self.engine is None or bucket not in SHARED:
            return self.limiter
        if self._shared is None:
            with self.engine.begin() as conn:
                key = secret(conn)
            self._shared = MovingWindowRateLimiter(DatabaseStorage(self.engine, key))
        return self._shared

    def retry_after(self, bucket: str, client: str, rate: str | None = None) -> int | None:
        """Count one hit; None when allowed, else the seconds until the next one is."""
        item = parse(rate) if rate else self.rates.get(bucket)
        if item is None:
            return None
        try:
            return self._wait(self._limiter(bucket), item, bucket, client)
        except SQLAlchemyError as exc:  # the database cannot be written now (a build holds SQLite's lock): count here
            log.warning("rate limit %s counted in this process: %s", bucket, str(exc).splitlines()[0])
            return self._wait(self.limiter, item, bucket, client)

    @staticmethod
    def _wait(limiter: MovingWindowRateLimiter, item, bucket: str, client: str) -> int | None:
        if limiter.hit(item, bucket, client):
            return None
        reset = limiter.get_window_stats(item, bucket, client).reset_time
        return max(1, math.ceil(reset - time.time()))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, bucket: str, rate: str | None = None) -> None:
    """Raise 429 (with Retry-After) when this client used up `bucket` (its rate from the settings, e.g. "login",
    or `rate` like "5/minute"). Usable directly or as a FastAPI dependency via `Depends(limiter("login"))`."""
    wait = request.app.state.rate_limits.retry_after(bucket, client_address(request), rate)
    if wait is not None:
        raise HTTPException(429, f"too many requests ({bucket}); try again in {wait} s",
                            headers={"Retry-After": str(wait)})


def limiter(bucket: str, rate: str | None = None):
    def dependency(request: Request) -> None:
        limit(request, bucket, rate)
    return dependency
