"""Scores: seasons, each member's rating per track, the history behind it, and moderators'
adjustments.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain import Side
from bot.models.columns import StoredEnum, utcnow


class Season(SQLModel, table=True):
    """A server's scoring season; the current one has no end. Ratings restart each season
    (and also run on across all of them)."""

    __table_args__ = (UniqueConstraint("guild_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    number: int
    name: str = Field(max_length=100)
    started_at: datetime
    ended_at: datetime | None = None
    # The final standings, kept when the season ends (JSON).
    standings: str | None = Field(default=None, sa_type=Text)


# The rating track that spans every season.
ALL_TIME = 0


class MemberScore(SQLModel, table=True):
    """A member's record and rating in one track: a season, or ALL_TIME. Derived from the
    decided rounds (python -m bot scores rebuild recomputes it)."""

    __tablename__ = "member_score"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    track: int = Field(primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(max_length=100)
    mu: float
    sigma: float
    rounds: int = 0
    wins: int = 0
    losses: int = 0
    draws: int = 0
    realist_rounds: int = 0
    realist_wins: int = 0
    values_rounds: int = 0
    values_wins: int = 0
    points_total: float = 0.0
    points_count: int = 0
    # Positive: that many wins in a row; negative: losses; 0 after a draw.
    streak: int = 0
    last_at: datetime | None = None


class ScoreChange(SQLModel, table=True):
    """One member's result in one decided round, with the rating after it: the history
    behind periods and charts. Derived, like MemberScore."""

    __tablename__ = "score_change"
    __table_args__ = (Index("ix_score_change_guild_at", "guild_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    season_id: int | None = None
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(sa_type=BigInteger, index=True)
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    # win, loss or draw
    outcome: str = Field(max_length=8)
    points: float | None = None
    season_rating: float
    all_time_rating: float
    at: datetime


class ScoreAdjustment(SQLModel, table=True):
    """A moderator's change to a member's rating, with who and why. Source data: a rebuild
    keeps it."""

    __tablename__ = "score_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    season_id: int
    user_id: int = Field(sa_type=BigInteger)
    points: float
    reason: str = Field(max_length=300)
    by_id: int = Field(sa_type=BigInteger)
    by_name: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)
