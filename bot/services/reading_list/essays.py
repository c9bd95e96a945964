"""A server's reading list: adding an essay (after its preview was confirmed, or from the
command line), listing, showing, editing its description, and removing it.

Removing retires the essay (as the corpus import retires a shipped one whose file is
gone): its excerpts leave the rotation and its sentences leave search, while rounds that
named it and quotes taken from it keep their text and can still say where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import is_inferred, paragraph_spans
from bot.domain import Side
from bot.errors import MootError
from bot.models import Essay, Excerpt, utcnow
from bot.services.corpus_import import ImportReport, sync_excerpts, sync_spans
from bot.services.reading_list.limits import MAX_ESSAYS, MAX_TOTAL_CHARS
from bot.services.search.heads import rebuild_for

STATED = "Stated in the essay"
INFERRED = "Inferred by the moderator who added it"


@dataclass(frozen=True)
class Description:
    """What a moderator says of an essay: what the file cannot tell."""

    side: Side
    title: str
    title_is_label: bool = False
    author: str | None = None
    author_note: str | None = None
    published: str | None = None
    published_note: str | None = None
    source_url: str | None = None
    complete: bool = True


@dataclass(frozen=True)
class EssayEntry:
    """One essay on a server's list, as /corpus list and /corpus show give it."""

    slug: str
    side: Side
    title: str
    title_is_label: bool
    author: str | None
    author_attributed: bool
    published: str | None
    published_inferred: bool
    source_url: str | None
    complete: bool
    shipped: bool
    excerpts: int
    paragraphs: int
    characters: int
    source_file: str | None
    added_by: int | None


def visible_to(guild_id: int | None) -> ColumnElement[bool]:
    """The condition on Essay for what a server sees: the shipped essays and its own
    (only the shipped ones without a server, as on the command line)."""
    shipped = col(Essay.guild_id).is_(None)
    return shipped if guild_id is None else or_(shipped, Essay.guild_id == guild_id)


def note(stated: bool, detail: str | None) -> str:
    """An `author_note` or `published_note` that `bot.corpus.is_inferred` reads right:
    "Stated..." when the essay gives it, anything else when it was inferred."""
    detail = (detail or "").strip()
    if stated:
        return f"{STATED}: {detail}" if detail else STATED
    return f"Inferred: {detail}" if detail else INFERRED


def check_description(described: Description) -> None:
    """Refuse a description the corpus format would refuse, naming the field."""
    if not described.title.strip():
        raise MootError("The title can't be empty: give the essay's title or a label for it.")
    for name, value, limit in (
        ("title", described.title, 300),
        ("author", described.author, 200),
        ("where the name comes from", described.author_note, 500),
        ("publication date", described.published, 32),
        ("source URL", described.source_url, 500),
    ):
        if value is not None and len(value) > limit:
            raise MootError(f"The {name} is longer than {limit} characters.")
    url = described.source_url
    if url and not url.startswith(("https://", "http://")):
        raise MootError("The source URL must start with https:// or http://.")


async def check_room(guild_id: int, characters: int, *, session: AsyncSession) -> None:
    """Refuse an essay of `characters` the server's list has no room for, naming the limit."""
    count, total = (
        await session.exec(
            select(func.count(), func.coalesce(func.sum(func.length(Essay.body)), 0)).where(
                Essay.guild_id == guild_id, col(Essay.active)
            )
        )
    ).one()
    if count >= MAX_ESSAYS:
        raise MootError(
            f"This server's reading list already has {count} essays, the most it can hold "
            f"({MAX_ESSAYS}). Remove one with /corpus remove first."
        )
    if total + characters > MAX_TOTAL_CHARS:
        raise MootError(
            f"This essay's {characters:,} characters would bring the server's reading list "
            f"to {total + characters:,}, past its limit of {MAX_TOTAL_CHARS:,} characters. "
            "Remove an essay with /corpus remove first."
        )


def _slug_base(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:80].strip("-") or "essay"


async def add_essay(
    guild_id: int,
    body: str,
    described: Description,
    *,
    added_by: int | None,
    source_file: str | None,
    session: AsyncSession,
) -> EssayEntry:
    """Put an essay on the server's reading list: cut into passages, sentences and
    excerpts as the shipped essays are, so search, quotes and the rotation find it."""
    check_description(described)
    if not paragraph_spans(body):
        raise MootError("That essay has no paragraphs of text left to add.")
    await check_room(guild_id, len(body), session=session)
    essay = Essay(
        slug=f"pending-{utcnow().timestamp()}-{guild_id}",
        guild_id=guild_id,
        added_by=added_by,
        source_file=source_file,
        side=described.side,
        title=described.title.strip(),
        title_is_label=described.title_is_label,
        author=described.author,
        author_note=described.author_note,
        published=described.published,
        published_note=described.published_note,
        source_url=described.source_url,
        complete=described.complete,
        body=body,
        content_hash="",
    )
    session.add(essay)
    await session.flush()
    # A number after a dot: no corpus file name can end so, and it is unique.
    essay.slug = f"{_slug_base(essay.title)}.{essay.id}"
    session.add(essay)
    await sync_spans(essay, session=session, report=ImportReport())
    await sync_excerpts(essay, session=session)
    await session.flush()
    await rebuild_for(await session.connection(), guild_id)
    return await show_essay(guild_id, essay.slug, session=session)


async def _entries(guild_id: int, session: AsyncSession, slug: str | None) -> list[EssayEntry]:
    excerpts = (
        select(func.count()).where(Excerpt.essay_id == Essay.id).correlate(Essay).scalar_subquery()
    )
    statement = (
        select(Essay, excerpts)
        .where(visible_to(guild_id), col(Essay.active))
        .order_by(col(Essay.guild_id).is_(None), col(Essay.side), col(Essay.title))
    )
    if slug is not None:
        statement = statement.where(Essay.slug == slug)
    found = []
    for essay, count in (await session.exec(statement)).all():
        found.append(
            EssayEntry(
                slug=essay.slug,
                side=Side(essay.side),
                title=essay.title,
                title_is_label=essay.title_is_label,
                author=essay.author,
                author_attributed=essay.author is not None and is_inferred(essay.author_note),
                published=essay.published,
                published_inferred=essay.published is not None
                and is_inferred(essay.published_note),
                source_url=essay.source_url,
                complete=essay.complete,
                shipped=essay.guild_id is None,
                excerpts=count,
                paragraphs=len(paragraph_spans(essay.body)),
                characters=len(essay.body),
                source_file=essay.source_file,
                added_by=essay.added_by,
            )
        )
    return found


async def list_essays(guild_id: int, *, session: AsyncSession) -> list[EssayEntry]:
    """The essays the server reads: its own first, then the shipped ones."""
    return await _entries(guild_id, session, None)


async def show_essay(guild_id: int, slug: str, *, session: AsyncSession) -> EssayEntry:
    """One essay the server reads, or a MootError that says how to pick one."""
    found = await _entries(guild_id, session, slug)
    if not found:
        raise MootError(
            f"There is no essay “{slug[:60]}” on this server's reading list. "
            "Pick one from the list as you type."
        )
    return found[0]


async def _own(guild_id: int, slug: str, session: AsyncSession) -> Essay:
    essay = (await session.exec(select(Essay).where(Essay.slug == slug, col(Essay.active)))).first()
    if essay is None or (essay.guild_id is not None and essay.guild_id != guild_id):
        raise MootError(
            f"There is no essay “{slug[:60]}” on this server's reading list. "
            "Pick one from the list as you type."
        )
    if essay.guild_id is None:
        raise MootError(
            "That essay ships with moot and every server reads it: it can't be edited or "
            "removed from here. Only essays added with /corpus add can."
        )
    return essay


async def edit_essay(
    guild_id: int, slug: str, changes: dict[str, object], *, session: AsyncSession
) -> EssayEntry:
    """Change an added essay's description (never its text). `changes` maps Description
    fields to new values; the side moves its excerpts to the other side's rotation."""
    essay = await _own(guild_id, slug, session)
    current = Description(
        side=Side(essay.side),
        title=essay.title,
        title_is_label=essay.title_is_label,
        author=essay.author,
        author_note=essay.author_note,
        published=essay.published,
        published_note=essay.published_note,
        source_url=essay.source_url,
        complete=essay.complete,
    )
    wanted = Description(**(current.__dict__ | changes))
    check_description(wanted)
    for name, value in wanted.__dict__.items():
        setattr(essay, name, value)
    session.add(essay)
    if wanted.side != current.side:
        # Search and the rotation read the side from each row: keep them in step.
        await sync_spans(essay, session=session, report=ImportReport())
        await sync_excerpts(essay, session=session)
        await session.flush()
        # The search index keeps each sentence's side too.
        await rebuild_for(await session.connection(), guild_id)
    await session.flush()
    return await show_essay(guild_id, slug, session=session)


async def remove_essay(guild_id: int, slug: str, *, session: AsyncSession) -> EssayEntry:
    """Take an added essay off the server's list: retired, not deleted (see the module)."""
    entry = await show_essay(guild_id, slug, session=session)
    essay = await _own(guild_id, slug, session)
    essay.active = False
    session.add(essay)
    await session.flush()
    await rebuild_for(await session.connection(), guild_id)
    return entry
