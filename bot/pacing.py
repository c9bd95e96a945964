"""How the bot's REST requests leave: paced under Discord's global rate limit (shared by
the bot's processes through the database on PostgreSQL), interaction answers retried
quickly, and discord.py's bucket bookkeeping kept cheap."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from discord.http import HTTPClient, Route
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import Database
from bot.services.budget import RESERVE_TIMEOUT, pace_engine, reserve
from bot.settings import Settings

log = logging.getLogger("moot.bot")

# How often discord.py may look for idle rate-limit buckets to drop (see throttle_bucket_sweep).
BUCKET_SWEEP_SECONDS = 60.0

# Answers to interactions: Discord must have one within 3 seconds of the interaction.
INTERACTION_ANSWER = re.compile(r"/interactions/\d+/[^/]+/callback$")
QUICK_RETRIES = (0.2, 0.4)


async def retry_answers_quickly(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """An aiohttp middleware: a server error in answer to an interaction is retried after
    0.2 and 0.4 seconds. discord.py waits 1, then 3 seconds, which after one rate-limited
    try lands past Discord's 3-second window, and the member is told the interaction
    failed though the bot answered at once."""
    response = await handler(request)
    if request.method != "POST" or not INTERACTION_ANSWER.search(request.url.path):
        return response
    for pause in QUICK_RETRIES:
        if response.status < 500:
            break
        response.release()
        await asyncio.sleep(pause)
        response = await handler(request)
    return response


def add_http_middleware(http: HTTPClient, middleware: Any) -> None:
    """Add an aiohttp middleware to the session discord.py made at login (it offers no
    way to pass one)."""
    session = getattr(http, "_HTTPClient__session", None)
    if isinstance(session, aiohttp.ClientSession):
        session._middlewares = (*session._middlewares, middleware)


class RequestPacer:
    """Paces the bot's REST requests at `post_rate` a second. On PostgreSQL every request
    has its instant reserved in the schedule the bot's processes share
    (bot/services/budget.py), so together they send at the bot's rate, evenly spaced; the
    requests waiting together are reserved in one statement, so a burst (hundreds of
    rounds changing turns at once) costs one round trip, not one each. On SQLite (one
    process), or while the database cannot be reached (logged once), the process paces
    itself at its shards' share of the rate."""

    # After a failed reservation, pace alone this long before asking the database again.
    RETRY_SECONDS = 5.0
    # At most this many instants in one statement.
    BATCH = 100

    def __init__(self, settings: Settings, db: Database) -> None:
        self.interval = 1 / settings.post_rate
        self.shared = pace_engine(db.url) if db.dialect == "postgresql" else None
        self.local = AsyncLimiter(1, 1 / settings.process_post_rate)
        # Requests waiting for their instant: each future gets its monotonic send time.
        self._waiting: list[asyncio.Future[float]] = []
        self._reserver: asyncio.Task[None] | None = None
        self._retry_at: float | None = None  # set while the database is unreachable

    async def __aenter__(self) -> None:
        if self.shared is None or (
            self._retry_at is not None and time.monotonic() < self._retry_at
        ):
            await self.local.acquire()
            return
        instant: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append(instant)
        if self._reserver is None or self._reserver.done():
            self._reserver = asyncio.create_task(self._reserve_waiting(self.shared))
        try:
            send_at = await instant
        except ConnectionError:
            await self.local.acquire()
            return
        # Pacing, not synchronisation: Discord counts requests in real time.
        await asyncio.sleep(max(0.0, send_at - time.monotonic()))

    async def __aexit__(self, *_: object) -> None:
        return None

    async def _reserve_waiting(self, shared: AsyncEngine) -> None:
        """Reserve instants for everyone waiting, a batch per statement, until nobody is.
        If that fails (or the pacer closes), everyone waiting paces alone instead."""
        batch: list[asyncio.Future[float]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.BATCH], self._waiting[self.BATCH :]
                batch = [instant for instant in batch if not instant.done()]  # cancelled
                if not batch:
                    continue
                async with asyncio.timeout(RESERVE_TIMEOUT), shared.connect() as connection:
                    # Timed from here, not before connecting: a slow connect must not move
                    # every instant of the batch earlier than the database reckoned it.
                    asked = time.monotonic()
                    wait = await reserve(connection, self.interval, len(batch))
                if self._retry_at is not None:
                    log.warning("the shared request budget is back")
                    self._retry_at = None
                for place, instant in enumerate(batch):
                    if not instant.done():  # its request may have been cancelled meanwhile
                        instant.set_result(asked + wait + place * self.interval)
        except Exception:
            if self._retry_at is None:
                log.exception("the shared request budget is unreachable; pacing alone")
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
        finally:
            for instant in [*batch, *self._waiting]:
                if not instant.done():
                    instant.set_exception(ConnectionError("no shared request budget"))
            self._waiting = []

    async def close(self) -> None:
        if self._reserver is not None:
            self._reserver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reserver
        if self.shared is not None:
            await self.shared.dispose()


def pace_requests(http: HTTPClient, pacer: RequestPacer) -> None:
    """Make every request of `http` wait its turn at `pacer` first. (discord.py's own
    retries after a 429 happen inside the request and take no second turn.)"""
    request = http.request

    async def paced(route: Route, **kwargs: Any) -> Any:
        async with pacer:
            return await request(route, **kwargs)

    http.request = paced  # type: ignore[method-assign]


def throttle_bucket_sweep(http: HTTPClient, every: float = BUCKET_SWEEP_SECONDS) -> None:
    """Once it holds 256 rate-limit buckets, discord.py walks all of them for idle ones each
    time it opens a new one. A bot posting in hundreds of threads opens new buckets all the
    time, and each walk covers thousands: walk at most once every `every` seconds (a bucket
    is only dropped after five idle minutes anyway)."""
    sweep = http._try_clear_expired_ratelimits
    last = -math.inf

    def throttled() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            sweep()

    http._try_clear_expired_ratelimits = throttled  # type: ignore[method-assign]
