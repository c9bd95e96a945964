"""Votes in the discussion thread: which side members say the excerpt supports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.domain import PostStatus, Side, Tally
from bot.errors import MootError
from bot.models import ExcerptPost, ExcerptVote


async def vote(
    post_id: int, user_id: int, side: Side, *, now: datetime, session: AsyncSession
) -> Tally:
    """Record or change a member's vote on which side the excerpt supports."""
    post = await session.get(ExcerptPost, post_id)
    if post is None or post.status != PostStatus.POSTED:
        raise MootError("That excerpt is no longer open for votes.")
    values = {"post_id": post_id, "user_id": user_id, "side": side.value, "voted_at": now}
    await upsert(session, ExcerptVote, values, ["post_id", "user_id"])
    return await tally(post_id, session=session)


async def tally(post_id: int, *, session: AsyncSession) -> Tally:
    """How many members say the excerpt supports each side."""
    rows = await session.exec(
        select(ExcerptVote.side, func.count())
        .where(ExcerptVote.post_id == post_id)
        .group_by(col(ExcerptVote.side))
    )
    counts = dict(rows.all())
    return Tally(realist=counts.get(Side.REALIST, 0), values=counts.get(Side.VALUES, 0))
