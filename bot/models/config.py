"""Per-server settings, and what the command tree was last synced as."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.models.columns import utcnow


class GuildConfig(SQLModel, table=True):
    """Per-server settings; features add their own columns here or tables beside it."""

    __tablename__ = "guild_config"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    timezone: str = Field(default="UTC", max_length=64)
    moderator_role_id: int | None = Field(default=None, sa_type=BigInteger)
    debate_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    # The Stage or voice channel rounds are heard in unless /debate start names another.
    venue_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommandSync(SQLModel, table=True):
    """The fingerprint of the command tree last synced per scope ("global" or a guild id)."""

    __tablename__ = "command_sync"

    scope: str = Field(primary_key=True, max_length=32)
    tree_hash: str = Field(max_length=64)
    synced_at: datetime = Field(default_factory=utcnow)
