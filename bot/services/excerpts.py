"""Daily excerpts: each server's schedule, fair rotation between the sides, claims, votes.

Every post is claimed in the database before anything is sent: a scheduled post is a row
unique per (server, local date), so two processes, a restart or a retried timer can never
post twice on one day. The timer that fires is only an alarm clock; this module decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.errors import MootError
from bot.models import (
    Essay,
    Excerpt,
    ExcerptPost,
    ExcerptSchedule,
    ExcerptVote,
    Passage,
    PostStatus,
    Rotation,
    ScheduleStatus,
    Side,
    Tally,
)
from bot.schedule import (
    discord_time,
    format_time_of_day,
    last_occurrence,
    next_occurrence,
    occurrence,
)
from bot.sharding import on_shards

# After this many failed scheduled posts in a row the schedule turns itself off.
MAX_FAILURES = 3
# A claim older than this whose post was never recorded is taken to be interrupted.
CLAIM_LEASE = timedelta(minutes=2)
# Missed days further back than this are not recorded one by one.
MAX_SKIPPED_DAYS = 31

NOT_SET_UP = "No daily excerpt is set up in this server. Start one with /excerpt setup."
_IN_FLIGHT = (PostStatus.CLAIMED.value, PostStatus.POSTED.value)


@dataclass(frozen=True)
class ScheduleView:
    """A server's excerpt schedule as plain data."""

    guild_id: int
    channel_id: int
    minute_of_day: int
    timezone: str
    ping_role_id: int | None
    thread: bool
    rotation: Rotation
    status: ScheduleStatus
    next_post_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None

    @property
    def local_time(self) -> str:
        return format_time_of_day(self.minute_of_day)


@dataclass(frozen=True)
class ExcerptView:
    """An excerpt with what its embed shows about the essay it comes from."""

    id: int
    side: Side
    text: str
    first_position: int
    last_position: int
    paragraphs: int
    essay_slug: str
    essay_title: str
    title_is_label: bool
    author: str | None
    published: str | None
    source_url: str | None

    @property
    def place(self) -> str:
        """Where it sits in the essay: "paragraphs 4-5 of 12"."""
        if self.first_position == self.last_position:
            return f"paragraph {self.first_position} of {self.paragraphs}"
        return f"paragraphs {self.first_position}-{self.last_position} of {self.paragraphs}"


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


@dataclass(frozen=True)
class SideProgress:
    """How far a side's rotation has got: `posted` of `total` excerpts in cycle `cycle`."""

    side: Side
    cycle: int
    posted: int
    total: int


@dataclass(frozen=True)
class PostView:
    id: int
    day: date | None
    status: PostStatus
    reason: str | None
    side: Side | None
    scheduled_for: datetime | None
    posted_at: datetime | None
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class StatusView:
    schedule: ScheduleView
    last_post: PostView | None
    last_skipped: PostView | None
    progress: list[SideProgress]


def _view(row: ExcerptSchedule) -> ScheduleView:
    return ScheduleView(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        minute_of_day=row.minute_of_day,
        timezone=row.timezone,
        ping_role_id=row.ping_role_id,
        thread=row.thread,
        rotation=Rotation(row.rotation),
        status=ScheduleStatus(row.status),
        next_post_at=row.next_post_at,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


def _post_view(row: ExcerptPost) -> PostView:
    assert row.id is not None
    return PostView(
        id=row.id,
        day=row.day,
        status=PostStatus(row.status),
        reason=row.reason,
        side=Side(row.side) if row.side else None,
        scheduled_for=row.scheduled_for,
        posted_at=row.posted_at,
        channel_id=row.channel_id,
        message_id=row.message_id,
    )


async def _schedule(guild_id: int, session: AsyncSession) -> ExcerptSchedule:
    row = await session.get(ExcerptSchedule, guild_id)
    if row is None:
        raise MootError(NOT_SET_UP)
    return row


async def get_schedule(guild_id: int, *, session: AsyncSession) -> ScheduleView | None:
    """The server's schedule, or None if it never set one up."""
    row = await session.get(ExcerptSchedule, guild_id)
    return _view(row) if row else None


async def _last_day(guild_id: int, session: AsyncSession) -> date | None:
    """The latest local date that has a scheduled post (posted, claimed, failed or skipped)."""
    return (
        await session.exec(
            select(func.max(ExcerptPost.day)).where(ExcerptPost.guild_id == guild_id)
        )
    ).one()


def _next_free(row: ExcerptSchedule, now: datetime, last_day: date | None) -> datetime:
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
    row.rotation = rotation.value
    row.status = ScheduleStatus.ACTIVE.value
    row.active_since = now
    row.consecutive_failures = 0
    row.last_error = None
    row.last_error_at = None
    row.updated_by = by
    row.updated_at = now
    row.next_post_at = _next_free(row, now, await _last_day(guild_id, session))
    session.add(row)
    await session.flush()
    return _view(row)


async def set_status(
    guild_id: int, status: ScheduleStatus, *, by: int, now: datetime, session: AsyncSession
) -> ScheduleView:
    """Pause, resume or disable. Resuming starts from `now`: paused days are not made up."""
    row = await _schedule(guild_id, session)
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
    row.status = status.value
    row.updated_by = by
    row.updated_at = now
    if status is ScheduleStatus.ACTIVE:
        row.active_since = now
        row.consecutive_failures = 0
        row.next_post_at = _next_free(row, now, await _last_day(guild_id, session))
    else:
        row.next_post_at = None
    session.add(row)
    await session.flush()
    return _view(row)


# --- rotation ------------------------------------------------------------------------


@dataclass(frozen=True)
class _SideState:
    side: Side
    cycle: int
    used: frozenset[int]
    pool: list[int]

    @property
    def remaining(self) -> list[int]:
        return [i for i in self.pool if i not in self.used]


@dataclass(frozen=True)
class _Rotation:
    """A server's rotation: each side's state, and the sides of its posts, newest first."""

    sides: dict[Side, _SideState]
    history: list[Side]


async def _rotation(guild_id: int, session: AsyncSession) -> _Rotation:
    """Read in two queries: the excerpt pool of active essays, and the server's posts."""
    pool_rows = await session.exec(
        select(Excerpt.id, Excerpt.side)
        .join(Essay, col(Essay.id) == Excerpt.essay_id)
        .where(col(Essay.active).is_(True))
        .order_by(col(Excerpt.id))
    )
    pools: dict[Side, list[int]] = {side: [] for side in Side}
    for excerpt_id, side in pool_rows.all():
        if excerpt_id is not None:
            pools[Side(side)].append(excerpt_id)
    post_rows = (
        await session.exec(
            select(ExcerptPost.side, ExcerptPost.cycle, ExcerptPost.excerpt_id)
            .where(ExcerptPost.guild_id == guild_id, col(ExcerptPost.status).in_(_IN_FLIGHT))
            .order_by(col(ExcerptPost.id).desc())
        )
    ).all()
    sides = {}
    for side in Side:
        mine = [(cycle, excerpt_id) for s, cycle, excerpt_id in post_rows if s == side.value]
        cycle = max((c for c, _ in mine), default=1)
        used = frozenset(e for c, e in mine if c == cycle and e is not None)
        sides[side] = _SideState(side, cycle, used, pools[side])
    history = [Side(s) for s, _, _ in post_rows if s]
    return _Rotation(sides, history)


def _stable_rank(guild_id: int, side: Side, cycle: int, excerpt_id: int) -> bytes:
    # A shuffle fixed per server and cycle: the order looks random to members, yet the
    # preview shows exactly what the next post will be.
    return hashlib.sha256(f"{guild_id}:{side.value}:{cycle}:{excerpt_id}".encode()).digest()


async def _choose(
    guild_id: int, rotation: Rotation, session: AsyncSession
) -> tuple[int, Side, int]:
    """(excerpt id, side, cycle) of the next excerpt for the server."""
    state = await _rotation(guild_id, session)
    sides = [side for side in Side if state.sides[side].pool]
    if not sides:
        raise MootError("The corpus has no excerpts to post. Import it with `corpus import`.")
    last = state.history[0] if state.history else None
    alternate = Side.VALUES if last is Side.REALIST else Side.REALIST
    if rotation is Rotation.BALANCED:
        counts = {side: state.history.count(side) for side in Side}
        fewest = min(counts[s] for s in sides)
        candidates = [s for s in sides if counts[s] == fewest]
        side = alternate if alternate in candidates else candidates[0]
    elif rotation is Rotation.RANDOM:
        coin = hashlib.sha256(f"{guild_id}:{len(state.history)}".encode()).digest()[0] % 2
        side = list(Side)[coin]
    else:
        side = alternate
    if side not in sides:
        side = sides[0]
    chosen_side = state.sides[side]
    cycle = chosen_side.cycle
    remaining = chosen_side.remaining
    if not remaining:
        cycle += 1
        remaining = chosen_side.pool
    chosen = min(remaining, key=lambda i: _stable_rank(guild_id, side, cycle, i))
    return chosen, side, cycle


async def excerpt_view(excerpt_id: int, *, session: AsyncSession) -> ExcerptView:
    """The excerpt with its essay's title, author, side and length in paragraphs."""
    paragraphs = (
        select(func.count())
        .where(Passage.essay_id == Excerpt.essay_id)
        .correlate(Excerpt)
        .scalar_subquery()
    )
    excerpt, essay, count = (
        await session.exec(
            select(Excerpt, Essay, paragraphs)
            .join(Essay, col(Essay.id) == Excerpt.essay_id)
            .where(Excerpt.id == excerpt_id)
        )
    ).one()
    assert excerpt.id is not None
    return ExcerptView(
        id=excerpt.id,
        side=Side(excerpt.side),
        text=excerpt.text,
        first_position=excerpt.first_position,
        last_position=excerpt.last_position,
        paragraphs=count,
        essay_slug=essay.slug,
        essay_title=essay.title,
        title_is_label=essay.title_is_label,
        author=essay.author,
        published=essay.published,
        source_url=essay.source_url,
    )


async def preview(guild_id: int, *, session: AsyncSession) -> ExcerptView:
    """The excerpt the next post would carry. Changes nothing."""
    row = await _schedule(guild_id, session)
    excerpt_id, _, _ = await _choose(guild_id, Rotation(row.rotation), session)
    return await excerpt_view(excerpt_id, session=session)


# --- claims --------------------------------------------------------------------------


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
    excerpt_id, side, cycle = await _choose(guild_id, Rotation(row.rotation), session)
    post = ExcerptPost(
        guild_id=row.guild_id,
        day=day,
        excerpt_id=excerpt_id,
        side=side.value,
        cycle=cycle,
        status=PostStatus.CLAIMED.value,
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
        schedule=_view(row),
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
    if row is None or row.status != ScheduleStatus.ACTIVE.value:
        return Due(None, None)
    day, at = last_occurrence(now, row.minute_of_day, row.timezone)
    last_day = await _last_day(guild_id, session)
    claim = None
    if at >= row.active_since and (last_day is None or last_day < day):
        _record_missed_days(row, last_day, day, now=now, session=session)
        if now - at <= grace:
            claim = await _claim(row, day=day, scheduled_for=at, now=now, by=None, session=session)
        else:
            session.add(_skipped(row, day, at, now, grace))
        last_day = day
    row.next_post_at = _next_free(row, now, last_day)
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
        status=PostStatus.SKIPPED.value,
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
    """Claim an extra post for /excerpt now; it counts toward the rotation."""
    row = await _schedule(guild_id, session)
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
                ExcerptPost.status == PostStatus.CLAIMED.value,
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
                col(ExcerptPost.status) == PostStatus.CLAIMED.value,
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
                    status=PostStatus.FAILED.value,
                    reason="Interrupted while posting and found again too late to post.",
                )
            )
            continue
        claims.append(
            Claim(
                post_id=post.id,
                schedule=_view(row),
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
                status=PostStatus.POSTED.value,
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
    post.status = PostStatus.FAILED.value
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
            row.status = ScheduleStatus.DISABLED.value
            row.next_post_at = None
            row.last_error = (
                f"{reason} Disabled after {MAX_FAILURES} failures in a row: "
                "fix it, then run /excerpt setup again."
            )[:500]
        session.add(row)
    await session.flush()
    return _view(row)


# --- what the timers need ------------------------------------------------------------


async def upcoming(
    *, shard_count: int | None, shard_ids: Sequence[int] | None, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(server, next post time) of every running schedule on this process's shards."""
    rows = await session.exec(
        select(ExcerptSchedule.guild_id, ExcerptSchedule.next_post_at).where(
            ExcerptSchedule.status == ScheduleStatus.ACTIVE.value,
            col(ExcerptSchedule.next_post_at).is_not(None),
            on_shards(col(ExcerptSchedule.guild_id), shard_count, shard_ids),
        )
    )
    return [(guild_id, at) for guild_id, at in rows.all() if at is not None]


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
    row = await _schedule(guild_id, session)
    last_post = await _latest(guild_id, PostStatus.POSTED, session)
    last_skipped = await _latest(guild_id, PostStatus.SKIPPED, session)
    rotation = await _rotation(guild_id, session)
    progress = [
        SideProgress(side, state.cycle, len(state.used & set(state.pool)), len(state.pool))
        for side, state in rotation.sides.items()
    ]
    return StatusView(
        schedule=_view(row),
        last_post=_post_view(last_post) if last_post else None,
        last_skipped=_post_view(last_skipped) if last_skipped else None,
        progress=progress,
    )


def describe_next(view: ScheduleView) -> str:
    """ "<t:...:F> (<t:...:R>)" for the next post, or why there is none."""
    if view.status is not ScheduleStatus.ACTIVE or view.next_post_at is None:
        return f"none: the schedule is {view.status.value}"
    return f"{discord_time(view.next_post_at)} ({discord_time(view.next_post_at, 'R')})"


# --- votes in the discussion thread ----------------------------------------------------


async def vote(
    post_id: int, user_id: int, side: Side, *, now: datetime, session: AsyncSession
) -> Tally:
    """Record or change a member's vote on which side the excerpt supports."""
    post = await session.get(ExcerptPost, post_id)
    if post is None or post.status != PostStatus.POSTED.value:
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
    return Tally(realist=counts.get(Side.REALIST.value, 0), values=counts.get(Side.VALUES.value, 0))
