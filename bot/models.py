"""SQLModel tables. Created and changed only through the Alembic migrations."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Side(enum.StrEnum):
    """The two sides of every debate."""

    REALIST = "realist"
    VALUES = "values"

    @property
    def label(self) -> str:
        return "Realist" if self is Side.REALIST else "Values"


class Essay(SQLModel, table=True):
    """One essay of the corpus, with its body exactly as the corpus file holds it."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True)
    side: str = Field(max_length=16, index=True)
    title: str = Field(max_length=300)
    # True when `title` is a descriptive label we gave it, not the author's title.
    title_is_label: bool = False
    author: str | None = Field(default=None, max_length=200)
    author_note: str | None = Field(default=None, max_length=500)
    published: str | None = Field(default=None, max_length=32)
    published_note: str | None = Field(default=None, max_length=500)
    source_url: str | None = Field(default=None, max_length=500)
    # False when the text we hold is an excerpt of a longer piece.
    complete: bool = True
    notes: str | None = Field(default=None, sa_type=Text)
    body: str = Field(sa_type=Text)
    content_hash: str = Field(max_length=64)
    # False once the essay's file has left corpus/: kept for history, hidden from search.
    active: bool = Field(default=True, index=True)
    imported_at: datetime = Field(default_factory=utcnow)


class Passage(SQLModel, table=True):
    """A paragraph of an essay: `essay.body[start:end] == text`."""

    __table_args__ = (Index("ix_passage_essay_position", "essay_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False)
    )
    # The essay's side, copied here so full-text search can filter without a join.
    side: str = Field(max_length=16)
    # 1-based paragraph number within the essay.
    position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class Sentence(SQLModel, table=True):
    """A sentence of a passage: `essay.body[start:end] == text`."""

    __table_args__ = (Index("ix_sentence_passage_position", "passage_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    passage_id: int = Field(
        sa_column=Column(ForeignKey("passage.id", ondelete="CASCADE"), nullable=False)
    )
    # The essay's side, copied here so full-text search can filter without a join.
    side: str = Field(max_length=16)
    # 1-based sentence number within its passage.
    position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class GuildConfig(SQLModel, table=True):
    """Per-server settings; features add their own columns here or tables beside it."""

    __tablename__ = "guild_config"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    timezone: str = Field(default="UTC", max_length=64)
    moderator_role_id: int | None = Field(default=None, sa_type=BigInteger)
    debate_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommandSync(SQLModel, table=True):
    """The fingerprint of the command tree last synced per scope ("global" or a guild id)."""

    __tablename__ = "command_sync"

    scope: str = Field(primary_key=True, max_length=32)
    tree_hash: str = Field(max_length=64)
    synced_at: datetime = Field(default_factory=utcnow)


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
    side: str | None = Field(default=None, max_length=16)
    essay: str | None = Field(default=None, max_length=100)
    scope: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Excerpt(SQLModel, table=True):
    """One to three consecutive paragraphs of an essay, posted whole as a daily excerpt.

    `essay.body[start:end]` is the text; rebuilt by the corpus import, reusing ids by text.
    """

    __table_args__ = (Index("ix_excerpt_side_essay", "side", "essay_id"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    side: str = Field(max_length=16)
    # 1-based numbers of its first and last paragraph within the essay.
    first_position: int
    last_position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class ScheduleStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


class Rotation(enum.StrEnum):
    """How the next excerpt's side is chosen."""

    ALTERNATE = "alternate"
    BALANCED = "balanced"
    RANDOM = "random"


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
    rotation: str = Field(default=Rotation.ALTERNATE.value, max_length=16)
    status: str = Field(default=ScheduleStatus.ACTIVE.value, max_length=16, index=True)
    # Occurrences before this instant are never due (set on setup and resume).
    active_since: datetime = Field(default_factory=utcnow)
    next_post_at: datetime | None = Field(default=None, index=True)
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: datetime | None = None
    updated_by: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)


class PostStatus(enum.StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
    SKIPPED = "skipped"


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
    side: str | None = Field(default=None, max_length=16)
    # The rotation round of this side the post belongs to: no excerpt repeats within one.
    cycle: int = 1
    status: str = Field(max_length=16)
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
    side: str = Field(max_length=16)
    voted_at: datetime = Field(default_factory=utcnow)
