"""Bounded work per request: a body limit answered before the body is read, and rate limits per client
address (`limit(request, bucket)`, for ingest, log-in and the API) answered 429 with Retry-After."""
from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse


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


class RateLimits:
    """Moving-window counters per (bucket, client address), in this process's memory."""

    def __init__(self, rates: dict[str, str]):
        self.rates = {bucket: parse(rate) for bucket, rate in rates.items() if rate not in ("", "0", "off")}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, bucket: str, client: str, rate: str | None = None) -> int | None:
        """Count one hit; None when allowed, else the seconds until the next one is."""
        item = parse(rate) if rate else self.rates.get(bucket)
        if item is None or self.limiter.hit(item, bucket, client):
            return None
        reset = self.limiter.get_window_stats(item, bucket, client).reset_time
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
