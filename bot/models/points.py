"""Points of information: offers made to a speaker during their speech, and what became of
each (waiting, accepted, declined, lapsed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey
from sqlmodel import Field, SQLModel

from bot.models.columns import utcnow


class RoundPoint(SQLModel, table=True):
    """One point of information offered in a speech."""

    __tablename__ = "round_point"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    turn_id: int = Field(
        sa_column=Column(ForeignKey("turn.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_type=BigInteger)
    # waiting, accepted, declined, lapsed or heard (an accepted point whose time is over).
    status: str = Field(default="waiting", max_length=16)
    offered_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    # The message showing it to the speaker (with Accept and Decline), once shown.
    message_id: int | None = Field(default=None, sa_type=BigInteger)
