"""A round's voice venue (a Stage or a voice channel) and every change moot made there to
hold the floor, so that it undoes its own changes, and only those, after any crash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.columns import utcnow


class RoundVenue(SQLModel, table=True):
    """Where a round is heard: a Stage (kind "stage") or a voice channel ("voice")."""

    __tablename__ = "round_venue"

    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    guild_id: int = Field(sa_type=BigInteger, index=True)
    channel_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=8)
    # holding: moot holds the floor there; text: it cannot (note says why), so the round
    # runs as a text round; released: the round is over and moot has let the venue go.
    state: str = Field(default="holding", max_length=16, index=True)
    note: str = Field(default="", max_length=300)
    # The planned round's Stage event, linked to the Stage instance moot opens.
    event_id: int | None = Field(default=None, sa_type=BigInteger)
    # Set before moot asks Discord for a Stage instance, cleared if one was live already
    # (then it is not moot's to close); an instance is closed at the end only if set.
    opens_instance: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class FloorChange(SQLModel, table=True):
    """A member moot changed in a round's venue: what (suppress on a Stage, mute in a voice
    channel) and its state before moot's first change, written before the change is made.
    Settled once the member is back as the round found them, or nothing is left to undo."""

    __tablename__ = "floor_change"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "what"),
        Index("ix_floor_change_owed", "guild_id", "settled"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    guild_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    # suppress or mute.
    what: str = Field(max_length=8)
    before: bool
    settled: bool = False
    changed_at: datetime = Field(default_factory=utcnow)
