"""Saved searches, for paging buttons that outlive a restart: a search is stored once and
each page runs it again (essays first, then members' quotes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Side
from bot.errors import MootError
from bot.models import QuoteSearch
from bot.services.quotes.essay_quotes import paragraph_count
from bot.services.quotes.member_quotes import QuoteHit, count_member_quotes, search_member_quotes
from bot.services.search import HitCount, Query, SearchHit, count, search


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
    # How many results the search has ("Result 3 of 12"), or at least that many.
    total: HitCount
    # How many paragraphs the essay of an essay hit has (its embed says "¶ 3 of 12").
    paragraphs: int = 0


async def page_of(saved: SavedSearch, index: int, *, session: AsyncSession) -> QuotePage | None:
    """Result number `index` of a saved search (essays first, then members for "all").

    Each page counts its search once (one statement per kind of quote searched) instead of
    remembering a count that new quotes would outdate. With "all", essay hits past the
    count's cap are left out, so that members' quotes still follow the essays.
    """
    index = max(0, index)
    essays, members, widened = HitCount(0, False), HitCount(0, False), False
    if saved.scope in ("essays", "all"):
        essays, widened = await _count_essay_hits(saved, session=session)
    if saved.scope in ("members", "all"):
        members = await count_member_quotes(saved.query, saved.guild_id, session=session)
    total = HitCount(essays.number + members.number, essays.capped or members.capped)
    if index < essays.number or (saved.scope == "essays" and essays.capped):
        result = await search(
            saved.query,
            session=session,
            side=saved.side,
            essay=saved.essay,
            limit=1,
            offset=index,
            any_term=widened,
            guild_id=saved.guild_id,
        )
        if not result.hits:
            return None
        hit = result.hits[0]
        more = result.has_more or index + 1 < total.number
        paragraphs = await paragraph_count(hit.essay_id, session=session)
        return QuotePage(index, hit, None, index > 0, more, widened, total, paragraphs)
    if saved.scope == "essays":
        return None
    hits, more = await search_member_quotes(
        saved.query, saved.guild_id, session=session, limit=1, offset=index - essays.number
    )
    if not hits:
        return None
    return QuotePage(index, None, hits[0], index > 0, more, widened, total)


async def _count_essay_hits(saved: SavedSearch, *, session: AsyncSession) -> tuple[HitCount, bool]:
    """How many essay hits the search has, and whether it had to widen to "any word" (as
    search() does when every word finds nothing), so every page of it widens alike."""

    async def essay_count(any_term: bool) -> HitCount:
        return await count(
            saved.query,
            session=session,
            side=saved.side,
            essay=saved.essay,
            any_term=any_term,
            guild_id=saved.guild_id,
        )

    found = await essay_count(False)
    if found.number or len(Query.parse(saved.query).terms) < 2:
        return found, False
    return await essay_count(True), True
