"""Members' saved quotes, and /quote searches kept for their buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain import Side
from bot.models.columns import StoredEnum, utcnow


class MemberQuote(SQLModel, table=True):
    """A member's message saved as a quote in one server."""

    __tablename__ = "member_quote"
    __table_args__ = (UniqueConstraint("guild_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    text: str = Field(sa_type=Text)
    author_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    author_name: str = Field(max_length=100)
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    jump_url: str | None = Field(default=None, max_length=200)
    saved_by_id: int = Field(sa_type=BigInteger)
    said_at: datetime | None = Field(default=None)
    saved_at: datetime = Field(default_factory=utcnow)
    # "m:<message id>" for a saved message, else a hash of author and text: what makes a
    # second save or an imported row a duplicate.
    fingerprint: str = Field(max_length=80)


class QuoteSearch(SQLModel, table=True):
    """A /quote search as asked, so its Previous/Next buttons work after a restart."""

    __tablename__ = "quote_search"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    query: str = Field(max_length=300)
    side: Side | None = Field(default=None, sa_type=StoredEnum(Side, 16))
    essay: str | None = Field(default=None, max_length=100)
    scope: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
