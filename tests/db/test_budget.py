"""The schedule the bot's processes share for Discord's global limit (PostgreSQL): every
reservation gets an instant of its own, one interval after the one before, whichever
process made it, and a bot that has been idle may send at once; requests waiting together
are reserved in one statement."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from sqlalchemy import event, update

from bot.db import Database
from bot.models import RequestPace
from bot.pacing import RequestPacer
from bot.services.budget import GLOBAL, pace_engine, reserve
from bot.settings import load_settings

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

PROCESSES = 3
EACH = 8
# Long enough that the time the reservations themselves take (milliseconds, or a second
# on a loaded machine) is small beside it: the spacing is then plain to see.
INTERVAL = 30.0


async def test_processes_reserving_at_once_get_evenly_spaced_instants(db: Database) -> None:
    engines = [pace_engine(db.url) for _ in range(PROCESSES)]
    try:

        async def process(number: int) -> list[float]:
            async def one() -> float:
                async with engines[number].connect() as connection:
                    return await reserve(connection, INTERVAL)

            return await asyncio.gather(*(one() for _ in range(EACH)))

        waits = sorted(
            w for ws in await asyncio.gather(*map(process, range(PROCESSES))) for w in ws
        )
    finally:
        for engine in engines:
            await engine.dispose()
    # The first goes at once; each of the others one interval after the one before (less
    # the moments that passed between the reservations), none sharing an instant.
    assert waits[0] == pytest.approx(0.0, abs=INTERVAL / 2)
    steps = [b - a for a, b in itertools.pairwise(waits)]
    assert len(steps) == PROCESSES * EACH - 1
    assert all(step == pytest.approx(INTERVAL, abs=INTERVAL / 2) for step in steps), steps


async def test_an_idle_bot_sends_at_once(db: Database) -> None:
    engine = pace_engine(db.url)
    try:
        async with engine.connect() as connection:
            await reserve(connection, INTERVAL)
            assert await reserve(connection, INTERVAL) > INTERVAL / 2  # queued behind
            # The schedule's last instant long past, as after a quiet hour:
            table = RequestPace.__table__  # type: ignore[attr-defined]
            await connection.execute(
                update(table).where(table.c.scope == GLOBAL).values(next_at=time.time() - 3600)
            )
            assert await reserve(connection, INTERVAL) == 0.0
    finally:
        await engine.dispose()


async def test_a_reservation_of_several_instants_spans_them_all(db: Database) -> None:
    engine = pace_engine(db.url)
    try:
        async with engine.connect() as connection:
            assert await reserve(connection, INTERVAL, count=5) == pytest.approx(0.0, abs=1)
            # The next request waits behind all five.
            assert await reserve(connection, INTERVAL) == pytest.approx(5 * INTERVAL, abs=1)
    finally:
        await engine.dispose()


async def test_requests_waiting_together_are_reserved_in_one_statement(db: Database) -> None:
    """A burst (hundreds of rounds changing turns at once) costs one round trip to the
    database, not one per request; each request still gets an instant of its own."""
    pacer = RequestPacer(load_settings(post_rate=10_000), db)
    assert pacer.shared is not None
    statements: list[str] = []
    event.listen(
        pacer.shared.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: statements.append(statement),
    )
    sent: list[float] = []

    async def request() -> None:
        async with pacer:
            sent.append(time.monotonic())

    try:
        await asyncio.gather(*(request() for _ in range(50)))
    finally:
        await pacer.close()
    assert len(sent) == 50
    assert len([s for s in statements if "request_pace" in s]) == 1
