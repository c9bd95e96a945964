"""What /excerpt status shows: the schedule, its last post and last skipped day, and how
far each side has got through its rotation."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PostStatus
from bot.models import ExcerptPost
from bot.services.excerpts.read_models import (
    SideProgress,
    StatusView,
    post_view,
    schedule_view,
)
from bot.services.excerpts.rotation import read_rotation
from bot.services.excerpts.schedules import require_schedule


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
