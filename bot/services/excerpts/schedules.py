"""Each server's excerpt schedule: setting it up, pausing, resuming and disabling it, and
when it is next due, which is the first local day that has no post yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Rotation, ScheduleStatus
from bot.errors import MootError
from bot.models import ExcerptPost, ExcerptSchedule
from bot.services.excerpts.read_models import ScheduleView, schedule_view
from bot.sharding import on_shards
from bot.times import discord_time, next_occurrence

NOT_SET_UP = "No daily excerpt is set up in this server. Start one with /excerpt setup."


async def require_schedule(guild_id: int, session: AsyncSession) -> ExcerptSchedule:
    """The server's schedule row; MootError if it never set one up."""
    row = await session.get(ExcerptSchedule, guild_id)
    if row is None:
        raise MootError(NOT_SET_UP)
    return row


async def get_schedule(guild_id: int, *, session: AsyncSession) -> ScheduleView | None:
    """The server's schedule, or None if it never set one up."""
    row = await session.get(ExcerptSchedule, guild_id)
    return schedule_view(row) if row else None


async def latest_day(guild_id: int, session: AsyncSession) -> date | None:
    """The latest local date that has a scheduled post (posted, claimed, failed or skipped)."""
    return (
        await session.exec(
            select(func.max(ExcerptPost.day)).where(ExcerptPost.guild_id == guild_id)
        )
    ).one()


def next_free(row: ExcerptSchedule, now: datetime, last_day: date | None) -> datetime:
    """The first occurrence after `now` on a local day later than `last_day`."""
    after = now
    while True:
        day, at = next_occurrence(after, row.minute_of_day, row.timezone)
        if last_day is None or day > last_day:
            return at
        after = at


async def setup_schedule(
    guild_id: int,
    *,
    channel_id: int,
    minute_of_day: int,
    timezone: str,
    ping_role_id: int | None,
    thread: bool,
    rotation: Rotation,
    by: int,
    now: datetime,
    session: AsyncSession,
) -> ScheduleView:
    """Create or replace the server's schedule; it starts (again) from `now`.

    The rotation's history is kept, so setting up again never repeats excerpts early.
    """
    row = await session.get(ExcerptSchedule, guild_id)
    if row is None:
        row = ExcerptSchedule(
            guild_id=guild_id, channel_id=channel_id, minute_of_day=0, timezone=timezone
        )
    row.channel_id = channel_id
    row.minute_of_day = minute_of_day
    row.timezone = timezone
    row.ping_role_id = ping_role_id
    row.thread = thread
    row.rotation = rotation
    row.status = ScheduleStatus.ACTIVE
    row.active_since = now
    row.consecutive_failures = 0
    row.last_error = None
    row.last_error_at = None
    row.updated_by = by
    row.updated_at = now
    row.next_post_at = next_free(row, now, await latest_day(guild_id, session))
    session.add(row)
    await session.flush()
    return schedule_view(row)


async def set_status(
    guild_id: int, status: ScheduleStatus, *, by: int, now: datetime, session: AsyncSession
) -> ScheduleView:
    """Pause, resume or disable. Resuming starts from `now`: paused days are not made up."""
    row = await require_schedule(guild_id, session)
    current = ScheduleStatus(row.status)
    if current is status:
        raise MootError(
            {
                ScheduleStatus.ACTIVE: "The daily excerpt is already running.",
                ScheduleStatus.PAUSED: "The daily excerpt is already paused. "
                "Resume it with /excerpt resume.",
                ScheduleStatus.DISABLED: "The daily excerpt is already disabled. "
                "Turn it on again with /excerpt setup.",
            }[status]
        )
    if status is ScheduleStatus.ACTIVE and current is ScheduleStatus.DISABLED:
        raise MootError(
            "The daily excerpt is disabled. Turn it on again with /excerpt setup, "
            "which also lets you check the channel."
        )
    if status is ScheduleStatus.PAUSED and current is ScheduleStatus.DISABLED:
        raise MootError("The daily excerpt is disabled, so there is nothing to pause.")
    row.status = status
    row.updated_by = by
    row.updated_at = now
    if status is ScheduleStatus.ACTIVE:
        row.active_since = now
        row.consecutive_failures = 0
        row.next_post_at = next_free(row, now, await latest_day(guild_id, session))
    else:
        row.next_post_at = None
    session.add(row)
    await session.flush()
    return schedule_view(row)


async def upcoming(
    *, shard_count: int | None, shard_ids: Sequence[int] | None, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(server, next post time) of every running schedule on this process's shards."""
    rows = await session.exec(
        select(ExcerptSchedule.guild_id, ExcerptSchedule.next_post_at).where(
            ExcerptSchedule.status == ScheduleStatus.ACTIVE,
            col(ExcerptSchedule.next_post_at).is_not(None),
            on_shards(col(ExcerptSchedule.guild_id), shard_count, shard_ids),
        )
    )
    return [(guild_id, at) for guild_id, at in rows.all() if at is not None]


def describe_next(view: ScheduleView) -> str:
    """ "<t:...:F> (<t:...:R>)" for the next post, or why there is none."""
    if view.status is not ScheduleStatus.ACTIVE or view.next_post_at is None:
        return f"none: the schedule is {view.status.value}"
    return f"{discord_time(view.next_post_at)} ({discord_time(view.next_post_at, 'R')})"
