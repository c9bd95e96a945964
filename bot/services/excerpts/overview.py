"""What /excerpt status shows: the schedule, its last post and last skipped day, and how
far each side has got through its rotation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PostStatus, ScheduleStatus, Side
from bot.models import ExcerptPost
from bot.services.excerpts.read_models import (
    SideProgress,
    StatusView,
    post_view,
    schedule_view,
)
from bot.services.excerpts.rotation import choose_next, read_rotation
from bot.services.excerpts.schedules import get_schedule, require_schedule


async def _latest(guild_id: int, status: PostStatus, session: AsyncSession) -> ExcerptPost | None:
    return (
        await session.exec(
            select(ExcerptPost)
            .where(ExcerptPost.guild_id == guild_id, ExcerptPost.status == status.value)
            .order_by(col(ExcerptPost.id).desc())
            .limit(1)
        )
    ).first()


async def status(guild_id: int, *, session: AsyncSession) -> StatusView:
    """The schedule, its last post and last skipped day, and each side's rotation."""
    row = await require_schedule(guild_id, session)
    last_post = await _latest(guild_id, PostStatus.POSTED, session)
    last_skipped = await _latest(guild_id, PostStatus.SKIPPED, session)
    rotation = await read_rotation(guild_id, session)
    progress = [
        SideProgress(side, state.cycle, len(state.used & set(state.pool)), len(state.pool))
        for side, state in rotation.sides.items()
    ]
    return StatusView(
        schedule=schedule_view(row),
        last_post=post_view(last_post) if last_post else None,
        last_skipped=post_view(last_skipped) if last_skipped else None,
        progress=progress,
    )


@dataclass(frozen=True)
class SideOutlook:
    """How far a side's rotation has to go before its excerpts come round again."""

    side: Side
    excerpts: int
    # Excerpts of the side not yet posted in its current cycle.
    left: int
    # With a daily excerpt running: how many posts (of either side) come before the side's
    # first repeat (0: the next post repeats). None when no daily excerpt is running.
    posts_until_repeat: int | None


async def rotation_outlook(guild_id: int, *, session: AsyncSession) -> list[SideOutlook]:
    """Each side's excerpt count and when its rotation will next repeat, for the reading
    list: sides alternate (exactly for `alternate`, about for balanced and random), so a
    side with `left` excerpts to go repeats after about 2 x `left` posts, or `left` when it
    is the only side with excerpts."""
    rotation = await read_rotation(guild_id, session)
    schedule = await get_schedule(guild_id, session=session)
    running = schedule is not None and schedule.status is ScheduleStatus.ACTIVE
    with_pool = [side for side, state in rotation.sides.items() if state.pool]
    next_side = None
    if running and schedule is not None and with_pool:
        _, next_side, _ = await choose_next(guild_id, schedule.rotation, session)
    found = []
    for side, state in rotation.sides.items():
        pool = set(state.pool)
        left = len(pool - state.used)
        until = None
        if running and state.pool:
            until = left if len(with_pool) == 1 else 2 * left + (0 if side is next_side else 1)
        found.append(SideOutlook(side, len(pool), left, until))
    return found
