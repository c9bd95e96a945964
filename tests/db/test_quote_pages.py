"""The pages behind /quote search's buttons: each knows how many results its search has,
counted in one statement, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.services import search as search_module
from bot.services.quotes import MessageToSave, member_quotes, page_of, remember_search, save_message
from bot.services.search import HitCount, count, search

GUILD = 1_000_000_000_000_000_001


async def every_hit(db: Database, query: str, *, any_term: bool = False) -> int:
    """How many hits paging through the whole search finds (what the count must equal)."""
    found, offset, more = 0, 0, True
    async with db.session() as s:
        while more:
            result = await search(query, session=s, limit=50, offset=offset, any_term=any_term)
            found += len(result.hits)
            offset += 50
            more = result.has_more
    return found


async def save(db: Database, text: str, number: int) -> None:
    message = MessageToSave(
        text=text,
        has_attachments=False,
        author_id=7,
        author_name="Ada",
        channel_id=9,
        message_id=number,
        jump_url=f"https://discord.com/channels/{GUILD}/9/{number}",
        said_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with db.session() as s:
        await save_message(GUILD, message, saved_by=7, session=s)


async def test_count_equals_every_hit_of_the_search(corpus_db: Database) -> None:
    expected = await every_hit(corpus_db, "security")
    async with corpus_db.session() as s:
        assert await count("security", session=s) == HitCount(expected, False)
        assert await count("zzyzx", session=s) == HitCount(0, False)
        assert await count('NEAR( "x', session=s) == HitCount(0, False)
        widened = await count("offshore zzyzx", session=s, any_term=True)
    assert widened == HitCount(await every_hit(corpus_db, "offshore zzyzx", any_term=True), False)


async def test_a_count_past_the_cap_says_so(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await every_hit(corpus_db, "offshore balancing")
    async with corpus_db.session() as s:
        monkeypatch.setattr(search_module, "MAX_COUNT", expected)
        assert await count("offshore balancing", session=s) == HitCount(expected, False)
        monkeypatch.setattr(search_module, "MAX_COUNT", expected - 1)
        assert await count("offshore balancing", session=s) == HitCount(expected - 1, True)


async def test_each_page_knows_how_many_results_its_search_has(corpus_db: Database) -> None:
    expected = await every_hit(corpus_db, "security")
    async with corpus_db.session() as s:
        saved = await remember_search(
            GUILD, "security", side=None, essay=None, scope="essays", session=s
        )
        first = await page_of(saved, 0, session=s)
        last = await page_of(saved, expected - 1, session=s)
        beyond = await page_of(saved, expected, session=s)
    assert first is not None and first.total == HitCount(expected, False)
    assert last is not None and last.has_previous and not last.has_next
    assert beyond is None


async def test_a_widened_search_counts_its_widened_hits(corpus_db: Database) -> None:
    expected = await every_hit(corpus_db, "offshore zzyzx", any_term=True)
    async with corpus_db.session() as s:
        saved = await remember_search(
            GUILD, "offshore zzyzx", side=None, essay=None, scope="essays", session=s
        )
        second = await page_of(saved, 1, session=s)
    assert second is not None and second.widened and second.essay_hit is not None
    assert second.total == HitCount(expected, False)


async def test_both_scopes_count_essays_then_members_quotes(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await save(corpus_db, "Offshore balancing is cheap, Ada said.", 1)
    await save(corpus_db, "I doubt offshore balancing works.", 2)
    await save(corpus_db, "Nothing to see here.", 3)
    essays = await every_hit(corpus_db, "offshore balancing")
    async with corpus_db.session() as s:
        saved = await remember_search(
            GUILD, "offshore balancing", side=None, essay=None, scope="all", session=s
        )
        first = await page_of(saved, 0, session=s)
        last = await page_of(saved, essays + 1, session=s)
        members = await remember_search(
            GUILD, "offshore balancing", side=None, essay=None, scope="members", session=s
        )
        member_page = await page_of(members, 0, session=s)
        monkeypatch.setattr(member_quotes, "MAX_COUNT", 1)
        capped = await page_of(members, 0, session=s)
    assert first is not None and first.total == HitCount(essays + 2, False)
    assert last is not None and last.member_hit is not None and not last.has_next
    assert member_page is not None and member_page.total == HitCount(2, False)
    assert capped is not None and capped.total == HitCount(1, True)
