"""The bot's share of Discord's global rate limit, kept in the database its processes
share: Discord counts requests per bot across every process and shard, so a process
pacing only itself lets four processes send four times the allowance.

One row holds the earliest instant at which the bot's next request may leave. Before each
request a process reserves an instant with one atomic statement that moves the row on by
one interval (1 / rate): the requests of every process leave one after another, evenly
spaced, as a single process pacing itself would send them (the generic cell rate
algorithm, with no burst). No second ever holds more than the rate, and nobody's requests
bunch at the start of a second waiting for a new count. The instant is reckoned on the
database's clock and handed back as a wait, so the processes' own clocks need not agree."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.models import RequestPace

GLOBAL = "global"
# Seconds a reservation may take (connecting included) before the process paces alone.
RESERVE_TIMEOUT = 2.0


def pace_engine(url: str) -> AsyncEngine:
    """The connection reservations are made on (PostgreSQL): its own, so a request waiting
    for its instant never waits for a connection held by the session making the request,
    and in autocommit, so a reservation is one round trip (no BEGIN, COMMIT or pre-ping)."""
    return create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,
        # A database that stops answering must not hold every request up for asyncpg's
        # 60-second default: the pacer falls back to pacing alone instead.
        connect_args={"timeout": RESERVE_TIMEOUT, "command_timeout": RESERVE_TIMEOUT},
    )


async def reserve(
    connection: AsyncConnection, interval: float, count: int = 1, scope: str = GLOBAL
) -> float:
    """Reserve the bot's next `count` free instants, `interval` seconds apart and after
    the instant reserved before them; the seconds to wait for the first (0 when the bot is
    idle). The others follow it one interval apart."""
    table = RequestPace.__table__  # type: ignore[attr-defined]
    now = func.extract("epoch", func.statement_timestamp())
    span = interval * count
    statement = (
        postgresql.insert(table)
        .values(scope=scope, next_at=now + span)
        .on_conflict_do_update(
            index_elements=["scope"],
            set_={"next_at": func.greatest(table.c.next_at, now) + span},
        )
        .returning(table.c.next_at - span - now)
    )
    wait = (await connection.execute(statement)).scalar_one()
    return max(0.0, float(wait))
