"""Debate rounds: the round, its seats, its running order of turns, what was said, the
audience's votes, the judges' ballots and the record of events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain import RoundStatus, Side, TurnStatus, Winner
from bot.models.columns import StoredEnum, utcnow


class Round(SQLModel, table=True):
    """A debate round: its motion, format, thread, where it is, and when it next needs action."""

    __tablename__ = "debate_round"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    channel_id: int = Field(sa_type=BigInteger)
    thread_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    lobby_message_id: int | None = Field(default=None, sa_type=BigInteger)
    motion: str = Field(max_length=300)
    format_key: str = Field(max_length=64)
    pace: float = 1.0
    # The essay the motion is drawn from (its slug), when the moderator says so: the side
    # standings then show how each essay's rounds go.
    essay_slug: str | None = Field(default=None, max_length=100)
    # The side that argues for the motion (the other argues against it): the moderator's
    # choice, since a motion may be worded for either side.
    proposition: Side = Field(
        default=Side.REALIST,
        sa_type=StoredEnum(Side, 16),
        sa_column_kwargs={"server_default": Side.REALIST.value},
    )
    status: RoundStatus = Field(
        default=RoundStatus.LOBBY, sa_type=StoredEnum(RoundStatus, 16), index=True
    )
    # 1-based position of the turn under way (or paused); None before the start.
    current: int | None = None
    # The next instant something must happen (warning, end of turn, end of voting): what
    # the timers and the sweeper look for.
    due_at: datetime | None = Field(default=None, index=True)
    voting_ends_at: datetime | None = None
    voting_message_id: int | None = Field(default=None, sa_type=BigInteger)
    winner: Winner | None = Field(default=None, sa_type=StoredEnum(Winner, 16))
    result: str | None = Field(default=None, sa_type=Text)
    result_message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The point of information holding the floor with the speaker: who offered it, and
    # when its time is up (one of the instants due_at looks after).
    point_by: int | None = Field(default=None, sa_type=BigInteger)
    point_ends_at: datetime | None = None
    # Preparation drawn from a side's pool while the current turn's clock stands still:
    # the side, who called it, when its clock last started, and when the pool runs out
    # (None while the round is paused: the prep clock stands still too).
    prep_side: Side | None = Field(default=None, sa_type=StoredEnum(Side, 16))
    prep_by: int | None = Field(default=None, sa_type=BigInteger)
    prep_started_at: datetime | None = None
    prep_ends_at: datetime | None = None
    # Seconds of each side's pool used so far.
    realist_prep_used: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    values_prep_used: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class Participant(SQLModel, table=True):
    """A member in a round: a speaker of a side, the audience, or a judge."""

    __tablename__ = "round_participant"

    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # realist, values, audience or judge.
    role: str = Field(max_length=16)
    name: str = Field(max_length=100)
    joined_at: datetime = Field(default_factory=utcnow)


class Turn(SQLModel, table=True):
    """One step of a round's running order, with absolute times while it runs."""

    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    kind: str = Field(max_length=24)
    side: Side | None = Field(default=None, sa_type=StoredEnum(Side, 16))
    role: str = Field(max_length=100)
    seconds: int
    # Warning marks (seconds before the end), comma-separated, largest first.
    warnings: str = Field(default="", max_length=100)
    warnings_sent: int = 0
    speaker_id: int | None = Field(default=None, sa_type=BigInteger)
    answerer_id: int | None = Field(default=None, sa_type=BigInteger)
    status: TurnStatus = Field(default=TurnStatus.PENDING, sa_type=StoredEnum(TurnStatus, 16))
    started_at: datetime | None = None
    ends_at: datetime | None = None
    # Seconds left when paused.
    remaining: float | None = None
    ended_at: datetime | None = None
    # time, yield, skip, removed or ended.
    end_reason: str | None = Field(default=None, max_length=16)
    announce_message_id: int | None = Field(default=None, sa_type=BigInteger)


class Speech(SQLModel, table=True):
    """What a speaker said in their turn: one row per message (or modal submission)."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    turn_id: int = Field(
        sa_column=Column(ForeignKey("turn.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_type=BigInteger)
    content: str = Field(sa_type=Text)
    message_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    posted_at: datetime = Field(default_factory=utcnow)


class RoundVote(SQLModel, table=True):
    """An audience vote: before the round (Oxford-style) or after it; one per member."""

    __tablename__ = "round_vote"

    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # "pre" or "post".
    phase: str = Field(sa_column=Column(String(8), primary_key=True, nullable=False))
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    voted_at: datetime = Field(default_factory=utcnow)


class Ballot(SQLModel, table=True):
    """A judge's (or moderator's) decision: winner, speaker points, and the reason."""

    __table_args__ = (UniqueConstraint("round_id", "judge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False)
    )
    judge_id: int = Field(sa_type=BigInteger)
    judge_name: str = Field(max_length=100)
    winner: Side = Field(sa_type=StoredEnum(Side, 16))
    # JSON object: speaker user id -> points.
    points: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
    submitted_at: datetime = Field(default_factory=utcnow)


class RoundEvent(SQLModel, table=True):
    """Something that happened in a round, for the record and the transcript."""

    __tablename__ = "round_event"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow)
