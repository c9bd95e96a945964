"""The corpus as the database holds it: essays, their paragraphs and sentences (what
search finds), and the excerpts posted whole; rebuilt by the corpus import, or added to
one server's reading list by its moderators (`/corpus add`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from bot.domain import Side
from bot.models.columns import StoredEnum, utcnow


class Essay(SQLModel, table=True):
    """One essay of the corpus, with its body exactly as the corpus file holds it."""

    id: int | None = Field(default=None, primary_key=True)
    # Unique across servers. A shipped essay's is its file name; an added essay's ends in
    # ".<number>", which no file name can, so the two never meet.
    slug: str = Field(max_length=100, unique=True)
    # The server whose reading list it is on; NULL for the shipped essays (corpus/), which
    # every server reads.
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    # Who added it (a moderator's id) and the name of the file they attached.
    added_by: int | None = Field(default=None, sa_type=BigInteger)
    source_file: str | None = Field(default=None, max_length=200)
    side: Side = Field(sa_type=StoredEnum(Side, 16), index=True)
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
    # False once the essay's file has left corpus/, or a moderator removed it from the
    # reading list: kept for history (rounds and quotes cite it), hidden from search.
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
    side: Side = Field(sa_type=StoredEnum(Side, 16))
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
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    # 1-based sentence number within its passage.
    position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class Excerpt(SQLModel, table=True):
    """One to three consecutive paragraphs of an essay, posted whole as a daily excerpt.

    `essay.body[start:end]` is the text; rebuilt by the corpus import, reusing ids by text.
    """

    __table_args__ = (Index("ix_excerpt_side_essay", "side", "essay_id"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    # 1-based numbers of its first and last paragraph within the essay.
    first_position: int
    last_position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class PendingEssay(SQLModel, table=True):
    """An essay a moderator attached to /corpus add, waiting for its description and for
    the moderator to accept or refuse each proposed cleaning edit and confirm. Kept in the
    database so that the preview's buttons work after a restart."""

    __tablename__ = "pending_essay"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    # The moderator who attached it: only they can describe, edit or confirm it.
    user_id: int = Field(sa_type=BigInteger)
    filename: str = Field(max_length=200)
    # What the file was read as: "html", "markdown" or "text".
    kind: str = Field(max_length=16)
    # The text as read from the file, before any cleaning edit.
    source: str = Field(sa_type=Text)
    # The proposed cleaning edits as JSON: [{"kind", "line", "reason", "text", "accepted"}].
    edits: str = Field(sa_type=Text)
    side: Side = Field(sa_type=StoredEnum(Side, 16))
    complete: bool = True
    title: str = Field(default="", max_length=300)
    title_is_label: bool = False
    author: str | None = Field(default=None, max_length=200)
    author_note: str | None = Field(default=None, max_length=500)
    published: str | None = Field(default=None, max_length=32)
    published_note: str | None = Field(default=None, max_length=500)
    source_url: str | None = Field(default=None, max_length=500)
    # True once the form was filled in: the preview can then be confirmed.
    described: bool = False
    created_at: datetime = Field(default_factory=utcnow)
