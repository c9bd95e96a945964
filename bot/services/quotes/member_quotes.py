"""Members' quotes: saving a message, finding one (by id, at random, by search) and
deleting one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import MemberQuote
from bot.services.search import MAX_COUNT, HitCount, Query, marked_spans

MAX_QUOTE_CHARS = 1500


@dataclass(frozen=True)
class QuoteView:
    """A member quote as plain data."""

    id: int
    guild_id: int
    text: str
    author_id: int | None
    author_name: str
    channel_id: int | None
    message_id: int | None
    jump_url: str | None
    saved_by_id: int
    said_at: datetime | None
    saved_at: datetime


def _view(row: MemberQuote) -> QuoteView:
    assert row.id is not None
    return QuoteView(
        row.id,
        row.guild_id,
        row.text,
        row.author_id,
        row.author_name,
        row.channel_id,
        row.message_id,
        row.jump_url,
        row.saved_by_id,
        row.said_at,
        row.saved_at,
    )


@dataclass(frozen=True)
class MessageToSave:
    """What the context menu passes in: the message as Discord described it."""

    text: str
    has_attachments: bool
    author_id: int
    author_name: str
    channel_id: int
    message_id: int
    jump_url: str
    said_at: datetime


async def save_message(
    guild_id: int, message: MessageToSave, *, saved_by: int, session: AsyncSession
) -> QuoteView:
    """Save a message as a quote, refusing empty, oversized or already saved messages."""
    quote = message.text.strip()
    if not quote:
        if message.has_attachments:
            raise MootError("That message has only attachments; only text can be saved.")
        raise MootError("That message has no text to save.")
    if len(quote) > MAX_QUOTE_CHARS:
        raise MootError(
            f"That message is {len(quote):,} characters long; quotes are limited to "
            f"{MAX_QUOTE_CHARS:,}."
        )
    fingerprint = f"m:{message.message_id}"
    existing = (
        await session.exec(
            select(MemberQuote).where(
                MemberQuote.guild_id == guild_id, MemberQuote.fingerprint == fingerprint
            )
        )
    ).first()
    if existing is not None:
        raise MootError(f"That message is already saved as quote #{existing.id}.")
    row = MemberQuote(
        guild_id=guild_id,
        text=quote,
        author_id=message.author_id,
        author_name=message.author_name[:100],
        channel_id=message.channel_id,
        message_id=message.message_id,
        jump_url=message.jump_url[:200],
        saved_by_id=saved_by,
        said_at=message.said_at,
        fingerprint=fingerprint,
    )
    session.add(row)
    await session.flush()
    return _view(row)


async def get_quote(guild_id: int, quote_id: int, *, session: AsyncSession) -> QuoteView:
    """One of this server's quotes, or a MootError naming the id."""
    row = await session.get(MemberQuote, quote_id)
    if row is None or row.guild_id != guild_id:
        raise MootError(f"There is no quote #{quote_id} in this server.")
    return _view(row)


async def pick_member_quote(
    guild_id: int,
    *,
    session: AsyncSession,
    author_id: int | None = None,
    latest: bool = False,
    rng: random.Random | None = None,
) -> QuoteView:
    """A random (or the latest) saved quote, optionally by one member."""
    where = [MemberQuote.guild_id == guild_id]
    if author_id is not None:
        where.append(MemberQuote.author_id == author_id)
    ids = (
        await session.exec(select(MemberQuote.id).where(*where).order_by(col(MemberQuote.id)))
    ).all()
    if not ids:
        who = "that member" if author_id is not None else "anyone"
        raise MootError(
            f"No quotes from {who} yet. Save one with the “Save as quote” message menu."
        )
    chosen = ids[-1] if latest else (rng or random.SystemRandom()).choice(ids)
    assert chosen is not None
    return await get_quote(guild_id, chosen, session=session)


async def delete_quote(
    guild_id: int, quote_id: int, *, by: int, is_moderator: bool, session: AsyncSession
) -> QuoteView:
    """Delete a quote: its saver or a moderator only."""
    row = await session.get(MemberQuote, quote_id)
    if row is None or row.guild_id != guild_id:
        raise MootError(f"There is no quote #{quote_id} in this server.")
    if row.saved_by_id != by and not is_moderator:
        raise MootError(
            f"Only the member who saved quote #{quote_id} or a moderator can delete it."
        )
    view = _view(row)
    await session.delete(row)
    await session.flush()
    return view


@dataclass(frozen=True)
class QuoteHit:
    """A member quote found by search, with where the query matched."""

    quote: QuoteView
    matches: tuple[tuple[int, int], ...]


async def search_member_quotes(
    raw_query: str,
    guild_id: int,
    *,
    session: AsyncSession,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[QuoteHit], bool]:
    """This server's quotes matching every word of `raw_query`, best first; and if more follow."""
    query = Query.parse(raw_query)
    if not query.terms:
        return [], False
    connection = await session.connection()
    params = _match_params(query, guild_id) | {"limit": limit + 1, "offset": offset}
    if connection.dialect.name == "sqlite":
        sql = (
            "SELECT q.id, highlight(search_member_quote, 0, char(2), char(3)) AS marked "
            "FROM search_member_quote JOIN member_quote q ON q.id = search_member_quote.rowid "
            "WHERE search_member_quote MATCH :q "
            "ORDER BY bm25(search_member_quote, 1.0, 0.0), q.id LIMIT :limit OFFSET :offset"
        )
    else:
        tsquery = _tsquery(query)
        sql = (
            f"SELECT q.id, ts_headline('english', q.text, {tsquery}, "
            '\'HighlightAll=true, StartSel="\x02", StopSel="\x03"\') AS marked '
            f"FROM member_quote q WHERE q.guild_id = :guild AND q.search_vector @@ {tsquery} "
            f"ORDER BY ts_rank_cd(q.search_vector, {tsquery}) DESC, q.id "
            "LIMIT :limit OFFSET :offset"
        )
    rows = (await connection.execute(text(sql), params)).all()
    hits = []
    page = rows[:limit]
    found = await session.exec(
        select(MemberQuote).where(col(MemberQuote.id).in_([row.id for row in page]))
    )
    by_id = {quote.id: _view(quote) for quote in found.all()}
    for row in page:
        quote = by_id[row.id]
        hits.append(QuoteHit(quote, marked_spans(quote.text, row.marked)))
    return hits, len(rows) > limit


async def count_member_quotes(raw_query: str, guild_id: int, *, session: AsyncSession) -> HitCount:
    """How many of this server's quotes `search_member_quotes` finds, in one statement;
    counting stops past MAX_COUNT (the count is then `capped`)."""
    query = Query.parse(raw_query)
    if not query.terms:
        return HitCount(0, False)
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        inner = "SELECT rowid FROM search_member_quote WHERE search_member_quote MATCH :q"
    else:
        inner = (
            "SELECT q.id FROM member_quote q "
            f"WHERE q.guild_id = :guild AND q.search_vector @@ {_tsquery(query)}"
        )
    sql = f"SELECT count(*) FROM ({inner} LIMIT :cap) AS matched"
    params = _match_params(query, guild_id) | {"cap": MAX_COUNT + 1}
    number = (await connection.execute(text(sql), params)).scalar_one()
    return HitCount(min(number, MAX_COUNT), number > MAX_COUNT)


def _match_params(query: Query, guild_id: int) -> dict[str, object]:
    """The values both engines' statements need: the server, the FTS5 match (every term,
    quoted) and the words PostgreSQL parses."""
    quoted = " AND ".join(f'"{term}"' for term in query.terms)
    return {
        "guild": guild_id,
        "q": f'text : ({quoted}) AND guild_id : "{guild_id}"',
    } | {f"w{i}": word for i, word in enumerate(query.words)}


def _tsquery(query: Query) -> str:
    """Every typed word must match, each parsed by PostgreSQL as plain text."""
    parts = [f"plainto_tsquery('english', :w{i})" for i in range(len(query.words))]
    return "(" + " && ".join(parts) + ")"
