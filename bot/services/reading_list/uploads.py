"""An essay on its way onto a reading list: attached, described, its cleaning edits each
accepted or refused, then added on confirmation. The upload is a database row, so the
preview's buttons work after a restart; it lapses after PENDING_HOURS."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import paragraph_spans
from bot.domain import Side
from bot.errors import MootError
from bot.models import PendingEssay, utcnow
from bot.services.reading_list.cleaning import (
    Edit,
    apply_edits,
    dump_edits,
    load_edits,
    propose_edits,
    toggled,
)
from bot.services.reading_list.essays import (
    Description,
    EssayEntry,
    add_essay,
    check_description,
    check_room,
    note,
)
from bot.services.reading_list.limits import PENDING_HOURS
from bot.services.reading_list.reading import ReadFile, read_file


@dataclass(frozen=True)
class Preview:
    """What the moderator sees before confirming: the essay as it would be added."""

    id: int
    filename: str
    kind: str
    side: Side
    complete: bool
    described: bool
    title: str
    title_is_label: bool
    author: str | None
    author_note: str | None
    published: str | None
    published_note: str | None
    source_url: str | None
    edits: tuple[Edit, ...]
    paragraphs: int
    characters: int
    first: str
    last: str


def _prepare(filename: str, data: bytes) -> tuple[ReadFile, list[Edit], str]:
    """The file read, the cleaning edits proposed, and the text with them applied."""
    read = read_file(filename, data)
    edits = propose_edits(read.text, known=(read.title, read.author, read.published))
    body = apply_edits(read.text, edits)
    if not paragraph_spans(body) and not paragraph_spans(apply_edits(read.text, [])):
        raise MootError("I found no paragraphs of text in that file.")
    return read, edits, body


async def start_upload(
    guild_id: int,
    user_id: int,
    filename: str,
    data: bytes,
    *,
    side: Side,
    complete: bool,
    session: AsyncSession,
    title_is_label: bool = False,
    author_stated: bool = True,
    date_stated: bool = True,
) -> Preview:
    """Read an attached file and keep it as an upload waiting for its description.

    A file that cannot be read, or that the server's list has no room for, is refused
    with a MootError and nothing is kept."""
    # Extraction and cleaning take a while on a big page: off the event loop, so rounds'
    # alarms and floor changes keep their time meanwhile.
    read, edits, body = await asyncio.to_thread(_prepare, filename, data)
    await check_room(guild_id, len(body), session=session)
    # Uploads nobody confirmed in time go, so the table holds only live ones.
    lapsed = utcnow() - timedelta(hours=PENDING_HOURS)
    await session.exec(delete(PendingEssay).where(col(PendingEssay.created_at) < lapsed))
    row = PendingEssay(
        guild_id=guild_id,
        user_id=user_id,
        filename=filename[:200],
        kind=read.kind,
        source=read.text,
        edits=dump_edits(edits),
        side=side,
        complete=complete,
        title=(read.title or "")[:300],
        title_is_label=title_is_label,
        author=read.author[:200] if read.author else None,
        author_note=note(author_stated, None),
        published_note=note(date_stated, None),
        published=read.published[:32] if read.published else None,
        source_url=read.source_url[:500] if read.source_url else None,
    )
    session.add(row)
    await session.flush()
    return preview_of(row)


def preview_of(row: PendingEssay) -> Preview:
    assert row.id is not None
    edits = load_edits(row.edits)
    body = apply_edits(row.source, edits)
    spans = paragraph_spans(body)
    first = body[spans[0][0] : spans[0][1]] if spans else ""
    last = body[spans[-1][0] : spans[-1][1]] if spans else ""
    return Preview(
        id=row.id,
        filename=row.filename,
        kind=row.kind,
        side=Side(row.side),
        complete=row.complete,
        described=row.described,
        title=row.title,
        title_is_label=row.title_is_label,
        author=row.author,
        author_note=row.author_note,
        published=row.published,
        published_note=row.published_note,
        source_url=row.source_url,
        edits=tuple(edits),
        paragraphs=len(spans),
        characters=len(body),
        first=first,
        last=last,
    )


async def pending(
    upload_id: int, guild_id: int, user_id: int, session: AsyncSession
) -> PendingEssay:
    """The upload, if it is this moderator's in this server and has not lapsed."""
    row = await session.get(PendingEssay, upload_id)
    lapsed = utcnow() - timedelta(hours=PENDING_HOURS)
    if row is None or row.guild_id != guild_id or row.created_at < lapsed:
        raise MootError(
            "That upload is no longer waiting (it was added, cancelled, or left for more "
            f"than {PENDING_HOURS} hours). Attach the file again with /corpus add."
        )
    if row.user_id != user_id:
        raise MootError("Only the moderator who attached that essay can describe or add it.")
    return row


async def describe(
    upload_id: int,
    guild_id: int,
    user_id: int,
    described: Description,
    *,
    session: AsyncSession,
) -> Preview:
    """Record the form's answers (side and completeness come with the command)."""
    row = await pending(upload_id, guild_id, user_id, session)
    check_description(described)
    row.title = described.title.strip()
    row.title_is_label = described.title_is_label
    row.author = described.author
    row.author_note = described.author_note
    row.published = described.published
    row.published_note = described.published_note
    row.source_url = described.source_url
    row.described = True
    session.add(row)
    await session.flush()
    return preview_of(row)


async def toggle_edit(
    upload_id: int, guild_id: int, user_id: int, index: int, *, session: AsyncSession
) -> Preview:
    """Accept a refused cleaning edit, or refuse an accepted one."""
    row = await pending(upload_id, guild_id, user_id, session)
    edits = load_edits(row.edits)
    if not 0 <= index < len(edits):
        raise MootError("That cleaning edit is not part of this upload.")
    row.edits = dump_edits(toggled(edits, index))
    session.add(row)
    await session.flush()
    return preview_of(row)


async def confirm(
    upload_id: int, guild_id: int, user_id: int, *, session: AsyncSession
) -> EssayEntry:
    """Add the upload to the reading list, with the edits the moderator accepted."""
    row = await pending(upload_id, guild_id, user_id, session)
    if not row.described:
        raise MootError("Describe the essay first (the Describe button), then add it.")
    # Claimed before it is added: of two presses of Add, the second finds nothing to claim
    # (and if adding fails, the claim is rolled back with it).
    claimed = await (await session.connection()).execute(
        delete(PendingEssay).where(col(PendingEssay.id) == upload_id)
    )
    if claimed.rowcount != 1:
        raise MootError("That essay is already being added, or was added a moment ago.")
    body = apply_edits(row.source, load_edits(row.edits))
    entry = await add_essay(
        guild_id,
        body,
        Description(
            side=Side(row.side),
            title=row.title,
            title_is_label=row.title_is_label,
            author=row.author,
            author_note=row.author_note if row.author else None,
            published=row.published,
            published_note=row.published_note if row.published else None,
            source_url=row.source_url,
            complete=row.complete,
        ),
        added_by=user_id,
        source_file=row.filename,
        session=session,
    )
    session.expunge(row)
    return entry


async def cancel(upload_id: int, guild_id: int, user_id: int, *, session: AsyncSession) -> None:
    """Drop the upload; nothing was added."""
    row = await pending(upload_id, guild_id, user_id, session)
    await session.delete(row)
    await session.flush()
