"""Claims: every post is claimed in the database before anything is sent, then recorded as
posted or failed. A scheduled post is a row unique per (server, local date), so two
processes, a restart or a retried timer can never post twice on one day; a claim whose
process died is taken over once its lease runs out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PostStatus, Rotation, ScheduleStatus
from bot.errors import MootError
from bot.models import ExcerptPost, ExcerptSchedule
from bot.services.excerpts.read_models import ExcerptView, ScheduleView, schedule_view
from bot.services.excerpts.rotation import choose_next, excerpt_view
from bot.services.excerpts.schedules import latest_day, next_free, require_schedule
from bot.sharding import on_shards
from bot.times import format_time_of_day, last_occurrence, occurrence

# After this many failed scheduled posts in a row the schedule turns itself off.
MAX_FAILURES = 3
# A claim older than this whose post was never recorded is taken to be interrupted.
CLAIM_LEASE = timedelta(minutes=2)
# Missed days further back than this are not recorded one by one.
MAX_SKIPPED_DAYS = 31


@dataclass(frozen=True)
class Claim:
    """A post this process has claimed and must now send, then record."""

    post_id: int
    schedule: ScheduleView
    excerpt: ExcerptView
    day: date | None
    scheduled_for: datetime | None
    # Sent after its time because the bot was down or busy.
    late: bool

    @property
    def nonce(self) -> str:
        """Discord drops a second message with the same nonce: a resent claim posts once."""
        return f"excerpt{self.post_id}"


class ClaimedElsewhere(Exception):
    """Another process claimed the same day's post at the same moment; the claim is void
    and its transaction must roll back."""


async def _claim(
    row: ExcerptSchedule,
    *,
    day: date | None,
    scheduled_for: datetime | None,
    now: datetime,
    by: int | None,
    session: AsyncSession,
) -> Claim:
    guild_id = row.guild_id  # read now: a failed flush expires the row
    excerpt_id, side, cycle = await choose_next(guild_id, Rotation(row.rotation), session)
    post = ExcerptPost(
        guild_id=row.guild_id,
        day=day,
        excerpt_id=excerpt_id,
        side=side,
        cycle=cycle,
        status=PostStatus.CLAIMED,
        scheduled_for=scheduled_for,
        claimed_at=now,
        channel_id=row.channel_id,
        requested_by=by,
    )
    session.add(post)
    try:
        # A second claim of the same day fails here, on the unique (guild_id, day).
        await session.flush()
    except IntegrityError as error:
        raise ClaimedElsewhere(guild_id) from error
    assert post.id is not None
    late = scheduled_for is not None and now - scheduled_for > timedelta(minutes=1)
    return Claim(
        post_id=post.id,
        schedule=schedule_view(row),
        excerpt=await excerpt_view(excerpt_id, session=session),
        day=day,
        scheduled_for=scheduled_for,
        late=late,
    )


@dataclass(frozen=True)
class Due:
    """What a timer found: a post to send (or None), and when the schedule is next due."""

    claim: Claim | None
    next_post_at: datetime | None


async def claim_due(
    guild_id: int, *, now: datetime, grace: timedelta, session: AsyncSession
) -> Due:
    """Claim the latest occurrence's post if it is due and nobody claimed that day yet.

    A post missed by more than `grace` (the bot was down) is recorded as skipped, with
    why, as is each whole day missed before it. Raises ClaimedElsewhere when another
    process claimed the same day at the same moment: the caller's transaction must roll
    back.
    """
    row = await session.get(ExcerptSchedule, guild_id)
    if row is None or row.status != ScheduleStatus.ACTIVE:
        return Due(None, None)
    day, at = last_occurrence(now, row.minute_of_day, row.timezone)
    last_day = await latest_day(guild_id, session)
    claim = None
    if at >= row.active_since and (last_day is None or last_day < day):
        _record_missed_days(row, last_day, day, now=now, session=session)
        if now - at <= grace:
            claim = await _claim(row, day=day, scheduled_for=at, now=now, by=None, session=session)
        else:
            session.add(_skipped(row, day, at, now, grace))
        last_day = day
    row.next_post_at = next_free(row, now, last_day)
    session.add(row)
    await session.flush()
    return Due(claim, row.next_post_at)


def _skipped(
    row: ExcerptSchedule, day: date, at: datetime, now: datetime, grace: timedelta
) -> ExcerptPost:
    hours = (now - at).total_seconds() / 3600
    return ExcerptPost(
        guild_id=row.guild_id,
        day=day,
        status=PostStatus.SKIPPED,
        reason=(
            f"The bot was offline at {format_time_of_day(row.minute_of_day)} and came back "
            f"{hours:.1f} h later, past the {grace.total_seconds() / 3600:g} h grace window."
        ),
        scheduled_for=at,
        claimed_at=now,
        channel_id=row.channel_id,
    )


def _record_missed_days(
    row: ExcerptSchedule,
    last_day: date | None,
    due_day: date,
    *,
    now: datetime,
    session: AsyncSession,
) -> None:
    """Skipped rows for whole days between the last recorded day and `due_day`."""
    first = due_day - timedelta(days=MAX_SKIPPED_DAYS)
    day = max(first, last_day + timedelta(days=1)) if last_day else first
    while day < due_day:
        at = occurrence(day, row.minute_of_day, row.timezone)
        if at >= row.active_since:
            session.add(_skipped(row, day, at, now, timedelta(0)))
        day += timedelta(days=1)


async def claim_now(guild_id: int, *, by: int, now: datetime, session: AsyncSession) -> Claim:
    """Claim an extra post for /excerpt now; it counts toward the rotation.

    A disabled schedule posts nothing, on request either: MootError says how to turn it
    on again. (A paused one still posts on request: pausing holds the daily posts only.)
    """
    row = await require_schedule(guild_id, session)
    if row.status == ScheduleStatus.DISABLED:
        raise MootError(
            "The daily excerpt is disabled, so nothing was posted. Turn it on again with "
            "/excerpt setup, then /excerpt now posts at once."
        )
    return await _claim(row, day=None, scheduled_for=None, now=now, by=by, session=session)


async def reclaim_interrupted(
    *,
    now: datetime,
    grace: timedelta,
    shard_count: int | None,
    shard_ids: Sequence[int] | None,
    session: AsyncSession,
) -> list[Claim]:
    """Take over claims whose process died before recording the post.

    Each is resent with the same nonce, so a message that did go out is not doubled. One
    too old to be worth posting any more is marked failed instead.
    """
    stale = (
        await session.exec(
            select(ExcerptPost).where(
                ExcerptPost.status == PostStatus.CLAIMED,
                col(ExcerptPost.claimed_at) < now - CLAIM_LEASE,
                on_shards(col(ExcerptPost.guild_id), shard_count, shard_ids),
            )
        )
    ).all()
    claims = []
    for post in stale:
        taken = await session.exec(
            update(ExcerptPost)
            .where(
                col(ExcerptPost.id) == post.id,
                col(ExcerptPost.status) == PostStatus.CLAIMED,
                col(ExcerptPost.claimed_at) == post.claimed_at,
            )
            .values(claimed_at=now)
        )
        if taken.rowcount != 1:
            continue  # another process took it over first
        row = await session.get(ExcerptSchedule, post.guild_id)
        if row is None or post.excerpt_id is None:
            continue
        assert post.id is not None
        if post.scheduled_for is not None and now - post.scheduled_for > grace:
            await session.exec(
                update(ExcerptPost)
                .where(col(ExcerptPost.id) == post.id)
                .values(
                    status=PostStatus.FAILED,
                    reason="Interrupted while posting and found again too late to post.",
                )
            )
            continue
        claims.append(
            Claim(
                post_id=post.id,
                schedule=schedule_view(row),
                excerpt=await excerpt_view(post.excerpt_id, session=session),
                day=post.day,
                scheduled_for=post.scheduled_for,
                late=True,
            )
        )
    return claims


async def record_posted(
    post_id: int,
    *,
    message_id: int,
    thread_id: int | None,
    warning: str | None,
    now: datetime,
    session: AsyncSession,
) -> None:
    """The post went out. A scheduled one clears the run of failures; `warning` is shown
    in /excerpt status (for example when the discussion thread could not be opened)."""
    guild_id, day = (
        await session.exec(
            update(ExcerptPost)
            .where(col(ExcerptPost.id) == post_id)
            .values(
                status=PostStatus.POSTED,
                message_id=message_id,
                thread_id=thread_id,
                posted_at=now,
                reason=warning,
            )
            .returning(col(ExcerptPost.guild_id), col(ExcerptPost.day))
        )
    ).one()
    changes: dict[str, object] = {}
    if day is not None:
        changes["consecutive_failures"] = 0
    if warning:
        changes |= {"last_error": warning[:500], "last_error_at": now}
    if changes:
        await session.exec(
            update(ExcerptSchedule)
            .where(col(ExcerptSchedule.guild_id) == guild_id)
            .values(**changes)
        )


async def record_failure(
    post_id: int, *, reason: str, now: datetime, session: AsyncSession
) -> ScheduleView | None:
    """The post could not be sent. Its excerpt goes back into the rotation.

    A scheduled post counts toward MAX_FAILURES, after which the schedule is disabled;
    a manual one (/excerpt now) is reported to the moderator and counts for nothing.
    """
    post = await session.get(ExcerptPost, post_id)
    assert post is not None
    post.status = PostStatus.FAILED
    post.reason = reason[:500]
    session.add(post)
    row = await session.get(ExcerptSchedule, post.guild_id)
    if row is None:
        await session.flush()
        return None
    if post.day is not None:
        row.consecutive_failures += 1
        row.last_error, row.last_error_at = reason[:500], now
        if row.consecutive_failures >= MAX_FAILURES and row.status == ScheduleStatus.ACTIVE:
            row.status = ScheduleStatus.DISABLED
            row.next_post_at = None
            row.last_error = (
                f"{reason} Disabled after {MAX_FAILURES} failures in a row: "
                "fix it, then run /excerpt setup again."
            )[:500]
        session.add(row)
    await session.flush()
    return schedule_view(row)
