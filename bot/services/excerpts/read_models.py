"""What the daily excerpt looks like to the rest of the bot: frozen views of a server's
schedule, of an excerpt with its essay, of a post, and of what /excerpt status shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain import PostStatus, Rotation, ScheduleStatus, Side
from bot.models import ExcerptPost, ExcerptSchedule
from bot.times import format_time_of_day


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
    # The author's name is inferred (from the source address, say), not in the essay.
    author_attributed: bool
    published: str | None
    # The date is inferred from the text, not stated in it.
    published_inferred: bool
    source_url: str | None

    @property
    def place(self) -> str:
        """Where it sits in the essay: "paragraphs 4-5 of 12"."""
        if self.first_position == self.last_position:
            return f"paragraph {self.first_position} of {self.paragraphs}"
        return f"paragraphs {self.first_position}-{self.last_position} of {self.paragraphs}"


@dataclass(frozen=True)
class SideProgress:
    """How far a side's rotation has got: `posted` of `total` excerpts in cycle `cycle`."""

    side: Side
    cycle: int
    posted: int
    total: int


@dataclass(frozen=True)
class PostView:
    """One of a server's posts (or skipped days) as plain data."""

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
    """What /excerpt status shows."""

    schedule: ScheduleView
    last_post: PostView | None
    last_skipped: PostView | None
    progress: list[SideProgress]


def schedule_view(row: ExcerptSchedule) -> ScheduleView:
    """The schedule row as plain data."""
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


def post_view(row: ExcerptPost) -> PostView:
    """The post row as plain data."""
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
