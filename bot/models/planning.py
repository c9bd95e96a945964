"""Rounds planned ahead: a schedule (one round or a series), its occurrences and their
sign-ups.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain import PlannedStatus, Side
from bot.models.columns import StoredEnum, utcnow


class PlannedSeries(SQLModel, table=True):
    """Rounds a moderator planned ahead: one, or a series that repeats at the same local
    time. Its occurrences are PlannedRound rows; a series keeps only its next one."""

    __tablename__ = "round_schedule"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    channel_id: int = Field(sa_type=BigInteger)
    motion: str = Field(max_length=300)
    format_key: str = Field(max_length=64)
    pace: float = 1.0
    # The side that argues for the motion in every round of the series.
    proposition: Side = Field(
        default=Side.REALIST,
        sa_type=StoredEnum(Side, 16),
        sa_column_kwargs={"server_default": Side.REALIST.value},
    )
    # The Stage or voice channel its rounds are heard in (a Stage gets a Stage event).
    venue_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    venue_kind: str | None = Field(default=None, max_length=8)
    # The server's zone when it was planned: the series keeps this local time.
    timezone: str = Field(max_length=64)
    first_at: datetime
    # none, daily, weekly, fortnightly or monthly.
    repeat: str = Field(default="none", max_length=16)
    # A series ends after its last occurrence on or before `until` (local date), or after
    # `count` occurrences, whichever comes first.
    until: date | None = None
    count: int | None = None
    # Reminder marks, minutes before the start, largest first ("1440,15").
    reminders: str = Field(default="1440,15", max_length=100)
    # When a side has nobody at start time: postpone (by postpone_minutes) or cancel.
    when_short: str = Field(default="postpone", max_length=16)
    postpone_minutes: int = 30
    # active, or cancelled (no occurrence after the current ones).
    status: str = Field(default="active", max_length=16)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


class PlannedRound(SQLModel, table=True):
    """One occurrence of a schedule: its time, sign-ups, reminders, Discord event and, once
    it starts, its round."""

    __tablename__ = "planned_round"
    __table_args__ = (UniqueConstraint("schedule_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(
        sa_column=Column(
            ForeignKey("round_schedule.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    guild_id: int = Field(sa_type=BigInteger, index=True)
    # 0 for the first occurrence of the schedule, then 1, 2...
    number: int
    starts_at: datetime
    status: PlannedStatus = Field(
        default=PlannedStatus.UPCOMING, sa_type=StoredEnum(PlannedStatus, 16), index=True
    )
    # The next instant the timers must act (a reminder, then the start); None after.
    due_at: datetime | None = Field(default=None, index=True)
    # How many of the schedule's reminder marks are behind it (sent, or already past
    # when the time was set).
    reminders_done: int = 0
    postponed: int = 0
    event_id: int | None = Field(default=None, sa_type=BigInteger)
    signup_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # The round this occurrence became at its start.
    round_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("debate_round.id", ondelete="SET NULL"), nullable=True),
    )
    # Why it was skipped or cancelled, for /round info.
    note: str = Field(default="", max_length=300)


class Signup(SQLModel, table=True):
    """A member's answer to an occurrence's sign-up: realist, values, audience or absent."""

    __tablename__ = "round_signup"

    planned_id: int = Field(
        sa_column=Column(
            ForeignKey("planned_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    choice: str = Field(max_length=16)
    name: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)
