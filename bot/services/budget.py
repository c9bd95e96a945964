"""The bot's share of Discord's global rate limit, kept in the database its processes
share: Discord counts requests per bot across every process and shard, so a process
pacing only itself lets four processes send four times the allowance.

Each second of the system clock has one row counting the requests sent in it; a process
takes a slot with one atomic statement before each request and, when the second is full,
waits for the next. Requests leave in the second they were counted in, which is the
second Discord counts them in (less the network's latency)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import RequestBudget

# Seconds of rows kept behind the current one (only the current one is ever read).
KEEP_SECONDS = 60


async def take_slot(session: AsyncSession, second: int, limit: int) -> bool:
    """Count one request in `second` unless `limit` are counted there already (PostgreSQL).
    True when the slot was taken."""
    table = RequestBudget.__table__  # type: ignore[attr-defined]
    statement = (
        postgresql.insert(table)
        .values(second=second, used=1)
        .on_conflict_do_update(
            index_elements=["second"],
            set_={"used": table.c.used + 1},
            where=table.c.used < limit,
        )
        .returning(table.c.used)
    )
    used = (await session.exec(statement)).scalar_one_or_none()
    if used == 1:  # the first request of a new second: forget old ones
        await session.exec(delete(table).where(table.c.second < second - KEEP_SECONDS))
    return used is not None
