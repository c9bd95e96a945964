"""The scores' calendar: a server's seasons (the first is created when first needed) and the
season an instant falls in."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Season

# Where the first season of a server starts: before any round it can have.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


async def seasons(guild_id: int, *, session: AsyncSession) -> list[Season]:
    """The server's seasons, oldest first; the first is created when first needed."""
    found = list(
        (
            await session.exec(
                select(Season).where(Season.guild_id == guild_id).order_by(col(Season.number))
            )
        ).all()
    )
    if not found:
        first = Season(guild_id=guild_id, number=1, name="Season 1", started_at=BEGINNING)
        session.add(first)
        await session.flush()
        found = [first]
    return found


def season_at(all_seasons: list[Season], at: datetime) -> Season:
    """The season an instant falls in."""
    for season in reversed(all_seasons):
        if season.started_at <= at:
            return season
    return all_seasons[0]


async def current_season(guild_id: int, *, session: AsyncSession) -> Season:
    """The server's latest season (its first, created if it has none)."""
    return (await seasons(guild_id, session=session))[-1]
