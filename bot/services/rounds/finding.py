"""Which round a command means: the one whose thread it is run in, else the server's only
round under way."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import Round
from bot.services.rounds.read_models import ACTIVE


async def round_here(guild_id: int, channel_id: int | None, *, session: AsyncSession) -> int:
    """The round whose thread `channel_id` is; else the server's only round under way."""
    if channel_id is not None:
        found = (
            await session.exec(
                select(Round.id)
                .where(Round.guild_id == guild_id, Round.thread_id == channel_id)
                .order_by(col(Round.id).desc())
            )
        ).first()
        if found is not None:
            return found
    active = (
        await session.exec(
            select(Round.id).where(Round.guild_id == guild_id, col(Round.status).in_(ACTIVE))
        )
    ).all()
    if len(active) == 1 and active[0] is not None:
        return active[0]
    if not active:
        raise MootError(
            "No round is open in this server. A moderator can open one with /debate start."
        )
    raise MootError("Several rounds are open: run this in the thread of the round you mean.")
