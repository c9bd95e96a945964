"""The REST API's plumbing: authorisation, routing, rate limits, injected faults, the
record of calls and the contract check of each. The routes themselves are in
emulator/routes/."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from aiohttp import web

from emulator.clock import ManualClock
from emulator.rules import DiscordError

if TYPE_CHECKING:
    from emulator.contract import Contract
    from emulator.server import Emulator

log = logging.getLogger("emulator")

API_PREFIX = "/api/v10"
# The JSON payload of a request, as read for its route: kept for the record of calls.
BODY = web.RequestKey("json_body", object)
# Discord's invalid-request limit: 10,000 401, 403 or 429 answers in 10 minutes.
INVALID_LIMIT, INVALID_WINDOW = 10_000, 600


@dataclass
class Faults:
    """Trouble to inject into REST calls; rates are fractions of calls (0.0 to 1.0)."""

    rate_limit: float = 0.0
    server_error: float = 0.0
    latency: float = 0.0
    retry_after: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)


@dataclass
class RateLimits:
    """Per-route buckets and a global limit, as Discord advertises them in headers."""

    per_route: int = 50
    window: float = 1.0
    global_per_second: int = 50
    # Count the windows in seconds of the system clock rather than the test's: for bots in
    # other processes that pace themselves by the system clock while the test's stands still.
    wall_clock: bool = False


@dataclass
class Call:
    """A REST call the bot made, kept for inspection (allowed_mentions, payload sizes)."""

    method: str
    path: str
    status: int
    body: dict[str, Any] | None
    at: float
    # A 429 of the token's global limit (not of one route's).
    global_limit: bool = False


# A route's handler answers (emulator, request, path match, JSON payload, files): with
# JSON data, None for a 204, or a response of its own.
Handler: TypeAlias = (
    "Callable[[Emulator, web.Request, re.Match[str], Any, dict[str, bytes]], Awaitable[Any]]"
)
# (method, path pattern under API_PREFIX, handler)
Route: TypeAlias = "tuple[str, str, Handler]"


class Rest:
    """What every REST call goes through, for one emulator, before and after its route."""

    def __init__(self, emulator: Emulator, routes: Iterable[Route]) -> None:
        self.emulator = emulator
        self.routes = [(re.compile(p), m, h) for m, p, h in routes]
        self._buckets: dict[str, list[float]] = defaultdict(list)
        self._global: list[float] = []
        self._started = time.monotonic()

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        emulator = self.emulator
        body = None
        status = 200
        answer: web.StreamResponse | None = None
        emulator.in_flight += 1
        try:
            answer = await handler(request)
            status = answer.status
            return answer
        except DiscordError as exc:
            status = exc.status
            answer = json_response({"message": exc.message, "code": exc.code}, exc.status)
            return answer
        except Exception:
            status = 500  # recorded as the bot saw it: aiohttp answers a 500
            raise
        finally:
            emulator.in_flight -= 1
            with contextlib.suppress(Exception):
                body = request.get(BODY)
            scope = answer.headers.get("X-RateLimit-Scope") if answer is not None else None
            emulator.calls.append(
                Call(
                    request.method,
                    request.path,
                    status,
                    body,
                    emulator.now(),
                    global_limit=status == 429 and scope == "global",
                )
            )
            shared = scope == "shared"
            if status in (401, 403) or (status == 429 and not shared):
                emulator.invalid.append(emulator.now())
            if emulator.contract is not None:
                self._check_call(emulator.contract, request, answer, status)

    def _check_call(
        self,
        spec: Contract,
        request: web.Request,
        answer: web.StreamResponse | None,
        status: int,
    ) -> None:
        """The request against the operation the spec gives its route, and the answer
        against that operation's documented statuses and schemas. Server errors (the
        faults a test injects) are not described by the spec and go unchecked."""
        path = request.path[len(API_PREFIX) :]
        query = dict(request.query)
        self.emulator.violations += spec.check_request(
            request.method, path, query, request.get(BODY), read=BODY in request
        )
        if status >= 500 or answer is None:
            return
        body = None
        if isinstance(answer, web.Response) and answer.body is not None and status != 204:
            raw = answer.body
            if isinstance(raw, bytes | bytearray) and raw:
                body = json.loads(raw)
        self.emulator.violations += spec.check_response(request.method, path, status, body)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :]
        method = request.method
        webhook = path.startswith(("/interactions/", "/webhooks/"))
        if not webhook and request.headers.get("Authorization") != f"Bot {self.emulator.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        for pattern, route_method, route_handler in self.routes:
            match = pattern.fullmatch(path)
            if match and method == route_method:
                handler = route_handler
                break
        else:
            log.warning("emulator: no route for %s %s", method, path)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        startup = path in ("/users/@me", "/oauth2/applications/@me", "/gateway/bot")
        bucket = f"{method} {pattern.pattern}:{_major(match)}"
        if not startup:
            injected = await self._inject_fault(bucket)
            if injected is not None:
                return injected
            limited = self._rate_limited(bucket, global_applies=not webhook)
            if limited is not None:
                return limited
        payload, files = await _read_body(request)
        request[BODY] = payload
        result = await handler(self.emulator, request, match, payload, files)
        if isinstance(result, web.StreamResponse):
            response = result
        else:
            response = json_response(result) if result is not None else web.Response(status=204)
        response.headers.update(self._bucket_headers(bucket))
        return response

    def _window_now(self) -> float:
        """The time rate-limit windows are measured in: the clock, plus, on a clock that
        stands still between moves, the real time since the start. discord.py waits out
        a reported reset in real time; on a still clock the window would never end."""
        emulator = self.emulator
        if emulator.rate_limits.wall_clock:
            return time.time()
        if isinstance(emulator.clock, ManualClock):
            return emulator.now() + time.monotonic() - self._started
        return emulator.now()

    async def _inject_fault(self, bucket: str) -> web.Response | None:
        faults = self.emulator.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        roll = faults.random.random()
        if roll < faults.rate_limit:
            return self._too_many(faults.retry_after, is_global=False, bucket=bucket)
        if roll < faults.rate_limit + faults.server_error:
            return json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        return None

    def _rate_limited(self, bucket: str, *, global_applies: bool) -> web.Response | None:
        now = self._window_now()
        limits = self.emulator.rate_limits
        if global_applies:
            # 50 requests in each second of the window clock. A refused request is told
            # to wait for the next second, when the whole allowance is back: a rolling
            # window would tell it to wait for one slot that a second process takes
            # first, and discord.py's five tries would be gone within milliseconds.
            second = math.floor(now)
            self._global = [t for t in self._global if math.floor(t) == second]
            if len(self._global) >= limits.global_per_second:
                return self._too_many(second + 1 - now, is_global=True, bucket=bucket)
            self._global.append(now)
        hits = self._buckets[bucket] = [t for t in self._buckets[bucket] if now - t < limits.window]
        if len(hits) >= limits.per_route:
            retry = limits.window - (now - hits[0])
            return self._too_many(retry, is_global=False, bucket=bucket)
        hits.append(now)
        return None

    def _bucket_headers(self, bucket: str) -> dict[str, str]:
        now = self._window_now()
        hits = self._buckets.get(bucket, [])
        limits = self.emulator.rate_limits
        reset_after = limits.window - (now - hits[0]) if hits else limits.window
        return {
            "X-RateLimit-Limit": str(limits.per_route),
            "X-RateLimit-Remaining": str(max(0, limits.per_route - len(hits))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": uuid.uuid5(uuid.NAMESPACE_URL, bucket).hex[:16],
        }

    def _too_many(self, retry_after: float, *, is_global: bool, bucket: str) -> web.Response:
        response = json_response(
            {
                "message": "You are being rate limited.",
                "code": 0,
                "retry_after": round(max(retry_after, 0.001), 3),
                "global": is_global,
            },
            429,
        )
        response.headers["Via"] = "1.1 google"
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        if is_global:
            response.headers["X-RateLimit-Global"] = "true"
            response.headers["X-RateLimit-Scope"] = "global"
        else:
            response.headers.update(self._bucket_headers(bucket))
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Scope"] = "user"
        return response


def json_response(data: Any, status: int = 200) -> web.Response:
    # Exactly application/json: with a charset discord.py would read the body as text.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _major(match: re.Match[str]) -> str:
    groups = match.groupdict()
    for key in ("channel", "guild", "token", "interaction"):
        if groups.get(key):
            return str(groups[key])
    return ""


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    if not request.can_read_body:
        return None, {}
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                data = await part.read()  # type: ignore[union-attr]
                files[part.filename or part.name or "file"] = bytes(data)  # type: ignore[union-attr]
        return payload, files
    text = await request.text()
    return (json.loads(text) if text else None), {}
