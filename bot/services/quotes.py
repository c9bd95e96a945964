"""Quotes: random essay sentences, members' saved quotes, their search, export and import."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import Essay, MemberQuote, Passage, QuoteSearch, Sentence, Side
from bot.services.search import (
    Query,
    SearchHit,
    SearchResult,
    marked_spans,
    search,
    sentence_by_id,
)

MAX_QUOTE_CHARS = 1500
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
EXPORT_FIELDS = (
    "id",
    "text",
    "author_id",
    "author_name",
    "channel_id",
    "message_id",
    "jump_url",
    "saved_by_id",
    "said_at",
    "saved_at",
)


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


def _text_fingerprint(author_id: int | None, quote: str) -> str:
    digest = hashlib.sha256(f"{author_id}|{' '.join(quote.split())}".encode()).hexdigest()
    return f"t:{digest[:64]}"


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
    params: dict[str, object] = {"guild": guild_id, "limit": limit + 1, "offset": offset}
    if connection.dialect.name == "sqlite":
        quoted = " AND ".join(f'"{term}"' for term in query.terms)
        params["q"] = f'text : ({quoted}) AND guild_id : "{guild_id}"'
        sql = (
            "SELECT q.id, highlight(search_member_quote, 0, char(2), char(3)) AS marked "
            "FROM search_member_quote JOIN member_quote q ON q.id = search_member_quote.rowid "
            "WHERE search_member_quote MATCH :q "
            "ORDER BY bm25(search_member_quote, 1.0, 0.0), q.id LIMIT :limit OFFSET :offset"
        )
    else:
        parts = [f"plainto_tsquery('english', :w{i})" for i in range(len(query.words))]
        params |= {f"w{i}": word for i, word in enumerate(query.words)}
        tsquery = "(" + " && ".join(parts) + ")"
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


# --- essay quotes ---------------------------------------------------------------------


def punchiness(length: int, ends_a_sentence: bool) -> float:
    """How much /quote random prefers a sentence of this length.

    Short, complete sentences make the best quotes: 40-220 characters weigh 1.0; longer
    ones fall off with length (a 440-character sentence weighs 0.25); very short ones
    (under 40) weigh 0.3, and anything that does not end like a sentence (a fragment
    or a heading) weighs a tenth of that.
    """
    if length < 40:
        weight = 0.3
    elif length <= 220:
        weight = 1.0
    else:
        weight = (220 / length) ** 2
    return weight if ends_a_sentence else weight * 0.1


async def random_essay_quote(
    *,
    session: AsyncSession,
    side: Side | None = None,
    essay: str | None = None,
    rng: random.Random | None = None,
) -> SearchHit:
    """A verbatim sentence drawn at random, weighted by `punchiness`."""
    statement = (
        select(Sentence.id, Sentence.text)
        .join(Essay, col(Essay.id) == Sentence.essay_id)
        .where(col(Essay.active))
    )
    if side is not None:
        statement = statement.where(Essay.side == side.value)
    if essay is not None:
        statement = statement.where(Essay.slug == essay)
    rows = (await session.exec(statement)).all()
    if not rows:
        raise MootError("No essay matches that choice. Try /quote random without filters.")
    weights = [punchiness(len(t), t.rstrip("”’\"')").endswith((".", "!", "?"))) for _, t in rows]
    chosen_id = (rng or random.SystemRandom()).choices([i for i, _ in rows], weights)[0]
    assert chosen_id is not None
    return await sentence_hit(chosen_id, session=session)


async def sentence_hit(sentence_id: int, *, session: AsyncSession) -> SearchHit:
    """A sentence by id (an autocomplete pick), or a MootError if it left the corpus."""
    hit = await sentence_by_id(sentence_id, session=session)
    if hit is None:
        raise MootError("That sentence is no longer in the corpus. Search again.")
    return hit


async def paragraph_count(essay_id: int, *, session: AsyncSession) -> int:
    """How many paragraphs an essay has (for "paragraph 4 of 12")."""
    statement = select(func.count()).select_from(Passage).where(Passage.essay_id == essay_id)
    return (await session.exec(statement)).one()


async def check_essay(slug: str, *, session: AsyncSession) -> str:
    """The slug of an active essay, or a MootError that says how to pick one."""
    found = (
        await session.exec(select(Essay.slug).where(Essay.slug == slug, col(Essay.active)))
    ).first()
    if found is None:
        raise MootError(f"There is no essay “{slug[:60]}”. Pick one from the list as you type.")
    return found


async def essay_choices(typed: str, *, session: AsyncSession) -> list[tuple[str, str]]:
    """(label, slug) of active essays whose title or slug contains `typed`, at most 25."""
    rows = (
        await session.exec(select(Essay).where(col(Essay.active)).order_by(col(Essay.slug)))
    ).all()
    wanted = typed.strip().lower()
    found = []
    for essay in rows:
        label = f"[{essay.title}]" if essay.title_is_label else essay.title
        if wanted in label.lower() or wanted in essay.slug:
            found.append((f"{label} — {essay.author or 'author unknown'}"[:100], essay.slug))
    return found[:25]


# --- saved searches (for buttons that outlive a restart) ------------------------------


@dataclass(frozen=True)
class SavedSearch:
    id: int
    guild_id: int
    query: str
    side: Side | None
    essay: str | None
    scope: str


async def remember_search(
    guild_id: int,
    query: str,
    *,
    side: Side | None,
    essay: str | None,
    scope: str,
    session: AsyncSession,
) -> SavedSearch:
    """Store a search so its paging buttons can run it again later."""
    row = QuoteSearch(
        guild_id=guild_id,
        query=Query.clean(query),
        side=side.value if side else None,
        essay=essay,
        scope=scope,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return SavedSearch(row.id, guild_id, row.query, side, essay, scope)


async def recall_search(search_id: int, guild_id: int, *, session: AsyncSession) -> SavedSearch:
    row = await session.get(QuoteSearch, search_id)
    if row is None or row.guild_id != guild_id:
        raise MootError("That search has expired. Run /quote search again.")
    side = Side(row.side) if row.side else None
    return SavedSearch(row.id or 0, row.guild_id, row.query, side, row.essay, row.scope)


@dataclass(frozen=True)
class QuotePage:
    """One result of a saved search: an essay hit or a member quote, and its neighbours."""

    index: int
    essay_hit: SearchHit | None
    member_hit: QuoteHit | None
    has_previous: bool
    has_next: bool
    widened: bool
    # How many paragraphs the essay of an essay hit has (its embed says "¶ 3 of 12").
    paragraphs: int = 0


async def page_of(saved: SavedSearch, index: int, *, session: AsyncSession) -> QuotePage | None:
    """Result number `index` of a saved search (essays first, then members for "all")."""
    index = max(0, index)
    essay_total = 0
    widened = False
    if saved.scope in ("essays", "all"):
        result = await _essay_page(saved, limit=1, offset=index, session=session)
        widened = result.mode == "any"
        if result.hits:
            more = result.has_more or saved.scope == "all"
            hit = result.hits[0]
            paragraphs = await paragraph_count(hit.essay_id, session=session)
            return QuotePage(index, hit, None, index > 0, more, widened, paragraphs)
        if saved.scope == "essays":
            return None
        essay_total = await _count_essay_hits(saved, session=session)
    hits, more = await search_member_quotes(
        saved.query, saved.guild_id, session=session, limit=1, offset=index - essay_total
    )
    if not hits:
        return None
    return QuotePage(index, None, hits[0], index > 0, more, widened)


async def _essay_page(
    saved: SavedSearch, *, limit: int, offset: int, session: AsyncSession
) -> SearchResult:
    """A page of essay hits. A search whose first page had to be widened to "any word"
    stays widened on later pages (search() widens only the first page by itself)."""

    async def run(offset: int, limit: int, any_term: bool = False) -> SearchResult:
        return await search(
            saved.query,
            session=session,
            side=saved.side,
            essay=saved.essay,
            limit=limit,
            offset=offset,
            any_term=any_term,
        )

    result = await run(offset, limit)
    if result.hits or offset == 0:
        return result
    first = await run(0, 1)
    return await run(offset, limit, any_term=True) if first.mode == "any" else result


async def _count_essay_hits(saved: SavedSearch, *, session: AsyncSession) -> int:
    total, offset, more = 0, 0, True
    while more:
        result = await _essay_page(saved, limit=50, offset=offset, session=session)
        total += len(result.hits)
        offset += 50
        more = result.has_more
    return total


# --- export and import ----------------------------------------------------------------


async def export_quotes(guild_id: int, *, session: AsyncSession) -> list[dict[str, Any]]:
    """Every quote of the server as plain rows, oldest first."""
    rows = (
        await session.exec(
            select(MemberQuote)
            .where(MemberQuote.guild_id == guild_id)
            .order_by(col(MemberQuote.id))
        )
    ).all()
    return [
        {
            "id": r.id,
            "text": r.text,
            "author_id": str(r.author_id) if r.author_id is not None else None,
            "author_name": r.author_name,
            "channel_id": str(r.channel_id) if r.channel_id is not None else None,
            "message_id": str(r.message_id) if r.message_id is not None else None,
            "jump_url": r.jump_url,
            "saved_by_id": str(r.saved_by_id),
            "said_at": r.said_at.isoformat() if r.said_at else None,
            "saved_at": r.saved_at.isoformat(),
        }
        for r in rows
    ]


def as_json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"quotes": rows}, ensure_ascii=False, indent=2).encode()


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in EXPORT_FIELDS})
    return buffer.getvalue().encode()


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0
    rejected: list[str] = field(default_factory=list)


def _snowflake(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise ValueError(f"{name} is not a Discord id") from None
    if not 0 < number < 2**63:
        raise ValueError(f"{name} is not a Discord id")
    return number


def _when(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} is not an ISO date") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} has no time zone")
    return moment


def parse_import(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of an export file (JSON or CSV), or a MootError if the file itself is bad."""
    if len(data) > MAX_IMPORT_BYTES:
        raise MootError(
            f"That file is {len(data) / 1024:,.0f} KiB; imports are limited to "
            f"{MAX_IMPORT_BYTES // 1024:,} KiB."
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MootError(
            "That file is not UTF-8 text. Export it again with /quote export."
        ) from None
    name = filename.lower()
    rows: Any
    if name.endswith(".json"):
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise MootError(f"That JSON file is malformed (line {exc.lineno}).") from None
        rows = parsed.get("quotes") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MootError(
                'That JSON file needs a "quotes" list of objects, as /quote export writes.'
            )
    elif name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(content))
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise MootError("That CSV file needs a header row with at least a text column.")
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise MootError(f"That CSV file is malformed: {exc}.") from None
    else:
        raise MootError("Import a .json or .csv file, as /quote export writes.")
    if len(rows) > MAX_IMPORT_ROWS:
        raise MootError(
            f"That file has {len(rows):,} quotes; imports take at most {MAX_IMPORT_ROWS:,}."
        )
    return list(rows)


async def import_quotes(
    guild_id: int, rows: list[dict[str, Any]], *, saved_by: int, session: AsyncSession
) -> ImportReport:
    """Add the valid rows, skip duplicates, report rejected rows with their reasons."""
    report = ImportReport()
    existing = set(
        (
            await session.exec(
                select(MemberQuote.fingerprint).where(MemberQuote.guild_id == guild_id)
            )
        ).all()
    )
    prepared: list[MemberQuote] = []
    for number, row in enumerate(rows, start=1):
        try:
            quote = str(row.get("text") or "").strip()
            if not quote:
                raise ValueError("text is empty")
            if len(quote) > MAX_QUOTE_CHARS:
                raise ValueError(f"text is longer than {MAX_QUOTE_CHARS:,} characters")
            author_id = _snowflake(row.get("author_id"), "author_id")
            message_id = _snowflake(row.get("message_id"), "message_id")
            author_name = str(row.get("author_name") or "unknown")[:100]
            jump_url = str(row.get("jump_url") or "") or None
            if jump_url and not jump_url.startswith("https://discord.com/channels/"):
                raise ValueError("jump_url is not a Discord message link")
            item = MemberQuote(
                guild_id=guild_id,
                text=quote,
                author_id=author_id,
                author_name=author_name,
                channel_id=_snowflake(row.get("channel_id"), "channel_id"),
                message_id=message_id,
                jump_url=jump_url[:200] if jump_url else None,
                saved_by_id=_snowflake(row.get("saved_by_id"), "saved_by_id") or saved_by,
                said_at=_when(row.get("said_at"), "said_at"),
                fingerprint=(
                    f"m:{message_id}" if message_id else _text_fingerprint(author_id, quote)
                ),
            )
        except ValueError as exc:
            report.rejected.append(f"row {number}: {exc}")
            continue
        if item.fingerprint in existing:
            report.skipped += 1
            continue
        existing.add(item.fingerprint)
        prepared.append(item)
    session.add_all(prepared)
    await session.flush()
    report.added = len(prepared)
    return report
