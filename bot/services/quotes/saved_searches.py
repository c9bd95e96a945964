"""Saved searches, for paging buttons that outlive a restart: a search is stored once and
each page runs it again (essays first, then members' quotes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Side
from bot.errors import MootError
from bot.models import QuoteSearch
from bot.services.quotes.essay_quotes import paragraph_count
from bot.services.quotes.member_quotes import QuoteHit, search_member_quotes
from bot.services.search import Query, SearchHit, SearchResult, search


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
        side=side,
        essay=essay,
        scope=scope,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return SavedSearch(row.id, guild_id, row.query, side, essay, scope)


async def recall_search(search_id: int, guild_id: int, *, session: AsyncSession) -> SavedSearch:
    """A search stored for this server, or a MootError saying to search again."""
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
