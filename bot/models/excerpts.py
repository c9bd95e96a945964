"""The daily excerpt: each server's schedule, its posts (which also drive the rotation),
and the votes on them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain import PostStatus, Rotation, ScheduleStatus, Side
from bot.models.columns import StoredEnum, utcnow


class ExcerptSchedule(SQLModel, table=True):
    """A server's daily excerpt: where, when (local time), and how it is going."""

    __tablename__ = "excerpt_schedule"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    channel_id: int = Field(sa_type=BigInteger)
    # Local time of day as minutes after midnight, in `timezone`.
    minute_of_day: int
    timezone: str = Field(max_length=64)
    ping_role_id: int | None = Field(default=None, sa_type=BigInteger)
    thread: bool = False
    rotation: Rotation = Field(default=Rotation.ALTERNATE, sa_type=StoredEnum(Rotation, 16))
    status: ScheduleStatus = Field(
        default=ScheduleStatus.ACTIVE, sa_type=StoredEnum(ScheduleStatus, 16), index=True
    )
    # Occurrences before this instant are never due (set on setup and resume).
    active_since: datetime = Field(default_factory=utcnow)
    next_post_at: datetime | None = Field(default=None, index=True)
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: datetime | None = None
    updated_by: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)


class ExcerptPost(SQLModel, table=True):
    """One excerpt posted (or claimed, failed, skipped) in a server.

    `day` is the server's local date for scheduled posts and NULL for /excerpt now: the
    unique (guild_id, day) makes a second scheduled post on one day impossible.
    """

    __tablename__ = "excerpt_post"
    __table_args__ = (
        UniqueConstraint("guild_id", "day"),
        Index("ix_excerpt_post_rotation", "guild_id", "side", "cycle"),
        Index("ix_excerpt_post_status", "status", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    day: date | None = None
    excerpt_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("excerpt.id", ondelete="SET NULL"), nullable=True),
    )
    side: Side | None = Field(default=None, sa_type=StoredEnum(Side, 16))
    # The rotation round of this side the post belongs to: no excerpt repeats within one.
    cycle: int = 1
    status: PostStatus = Field(sa_type=StoredEnum(PostStatus, 16))
    reason: str | None = Field(default=None, max_length=500)
    scheduled_for: datetime | None = None
    claimed_at: datetime = Field(default_factory=utcnow)
    posted_at: datetime | None = None
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    thread_id: int | None = Field(default=None, sa_type=BigInteger)
    requested_by: int | None = Field(default=None, sa_type=BigInteger)


class ExcerptVote(SQLModel, table=True):
    """A member's answer to "which side does this passage support?"; one per member."""

    __tablename__ = "excerpt_vote"

    post_id: int = Field(
        sa_column=Column(
            ForeignKey("excerpt_post.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    voted_at: datetime = Field(default_factory=utcnow)
