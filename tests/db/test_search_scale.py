"""The search heads (bot/services/search/heads.py) on SQLite and PostgreSQL: one-word search
and autocomplete read them, so they must give the right hits in the right order, page
without losing or repeating a hit past the heads, and stay right when essays are
imported, added, retired or change side."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import migrate
from bot.db import Database
from bot.domain import Side
from bot.services import reading_list
from bot.services import search as search_package
from bot.services.corpus_import import import_corpus
from bot.services.search import count, fast, search, suggest
from bot.services.search.heads import stem, words
from tests.db.test_reading_list import BODY, CLUB, OTHER, add

WORD = "states"


async def expected(db: Database, word: str, guild_id: int | None) -> list[int]:
    """A one-word search's order, computed from scratch: every visible sentence holding
    a word of `word`'s stem; those holding `word` itself first; then by the static score,
    best first, then by id, highest first (heads.py)."""
    from bot.services.search.heads import score

    visible = "e.guild_id IS NULL" + (f" OR e.guild_id = {guild_id}" if guild_id else "")
    async with db.session() as s:
        connection = await s.connection()
        rows = await connection.execute(
            text(
                "SELECT t.id, t.text FROM sentence t JOIN essay e ON e.id = t.essay_id "
                f"WHERE e.active = true AND ({visible})"
            )
        )
        ranked = []
        for row in rows:
            found = [w for w, _, _ in words(row.text)]
            mine = [w for w in set(found) if stem(w) == stem(word)]
            if not mine:
                continue
            exact = word in mine
            best = max(score(found.count(w), len(found)) for w in ([word] if exact else mine))
            ranked.append((exact, best, row.id))
    return [row_id for _, _, row_id in sorted(ranked, reverse=True)]


async def paged(db: Database, word: str, size: int, **options: object) -> list[int]:
    ids: list[int] = []
    async with db.session() as s:
        while True:
            page = await search(word, session=s, limit=size, offset=len(ids), **options)  # type: ignore[arg-type]
            ids += [hit.id for hit in page.hits]
            if not page.has_more:
                return ids


async def test_one_word_search_is_the_heads_order_with_hits_marked(corpus_db: Database) -> None:
    await add(corpus_db, body=BODY + "\n\nThe states argued; states of the United States.")
    want = await expected(corpus_db, WORD, CLUB)
    assert len(want) > 25
    async with corpus_db.session() as s:
        result = await search(WORD, session=s, limit=20, guild_id=CLUB)
        elsewhere = await search(WORD, session=s, limit=50, guild_id=OTHER)
    assert [hit.id for hit in result.hits] == want[:20]
    for hit in result.hits:
        assert hit.matches and all(stem(hit.text[a:b].lower()) == "state" for a, b in hit.matches)
    # Another server sees the shipped essays' sentences only, in the same order.
    club_only = set(want) - set(await expected(corpus_db, WORD, None))
    assert club_only and not club_only & {hit.id for hit in elsewhere.hits}


@pytest.mark.parametrize("head_size", [2, 7, 100])
async def test_paging_past_the_heads_loses_and_repeats_nothing(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch, head_size: int
) -> None:
    # Small heads: the order is certain only a little way, then the full-text engine
    # serves the rest without the rows already shown.
    await add(corpus_db)
    monkeypatch.setattr(fast, "HEAD_SIZE", head_size)
    monkeypatch.setattr(search_package, "HEAD_SIZE", head_size)
    async with corpus_db.session() as s:
        connection = await s.connection()
        from bot.services.search.heads import rebuild_scope

        await rebuild_scope(connection, 0)
        await rebuild_scope(connection, CLUB)
    want = await expected(corpus_db, WORD, CLUB)
    ids = await paged(corpus_db, WORD, 4, guild_id=CLUB)
    assert len(ids) == len(set(ids))
    assert set(want) <= set(ids)
    assert ids[: min(head_size, len(want))] == want[: min(head_size, len(want))]
    realist = await paged(corpus_db, WORD, 3, guild_id=CLUB, side=Side.REALIST)
    values = await paged(corpus_db, WORD, 3, guild_id=CLUB, side=Side.VALUES)
    assert len(realist) == len(set(realist)) and len(values) == len(set(values))
    assert sorted(realist + values) == sorted(ids)


async def test_autocomplete_reads_the_heads_of_the_prefix_in_scope(corpus_db: Database) -> None:
    await add(corpus_db)
    async with corpus_db.session() as s:
        club = await suggest("zanzib", session=s, guild_id=CLUB)
        other = await suggest("zanzib", session=s, guild_id=OTHER)
        common = await suggest("s", session=s, guild_id=CLUB)
        values = await suggest("s", session=s, guild_id=CLUB, side=Side.VALUES)
    assert len(club) == 1 and "Zanzibarian diplomats" in club[0].label
    assert other == []
    assert len(common) == search_package.MAX_SUGGESTIONS
    assert all(any(w.startswith("s") for w, _, _ in words(x.label)) for x in common)
    async with corpus_db.session() as s:
        sides = [
            (await search_package.sentence_by_id(x.sentence_id, session=s, guild_id=CLUB))
            for x in values
        ]
    assert values and {hit.side for hit in sides if hit} == {Side.VALUES}


async def test_the_index_follows_added_edited_and_removed_essays(corpus_db: Database) -> None:
    slug = await add(corpus_db)

    async def found(word: str, **options: object) -> int:
        async with corpus_db.session() as s:
            page = await search(word, session=s, guild_id=CLUB, limit=50, **options)  # type: ignore[arg-type]
        return len(page.hits)

    assert await found("zanzibarian") == 1
    assert await found("zanzibarian", side=Side.REALIST) == 1
    assert await found("zanzibarian", side=Side.VALUES) == 0
    async with corpus_db.session() as s:
        await reading_list.edit_essay(CLUB, slug, {"side": Side.VALUES}, session=s)
    assert await found("zanzibarian", side=Side.VALUES) == 1
    assert await found("zanzibarian", side=Side.REALIST) == 0
    async with corpus_db.session() as s:
        await reading_list.remove_essay(CLUB, slug, session=s)
        connection = await s.connection()
        left = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM search_head h JOIN essay e ON e.id = h.essay_id "
                    "WHERE e.slug = :slug"
                ),
                {"slug": slug},
            )
        ).scalar_one()
    assert left == 0
    assert await found("zanzibarian") == 0
    async with corpus_db.session() as s:
        assert await suggest("zanzib", session=s, guild_id=CLUB) == []


async def test_the_index_follows_the_corpus_import(db: Database, corpus_copy: Path) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    extra = corpus_copy / "zz-extra.txt"
    # A second copy of the essay holding "can’t be serious".
    source = corpus_copy / "slaughter-2005-response-to-walt.txt"
    await asyncio.to_thread(extra.write_bytes, await asyncio.to_thread(source.read_bytes))

    async def hits(word: str) -> list[str]:
        async with db.session() as s:
            return [hit.essay_slug for hit in (await search(word, session=s, limit=50)).hits]

    before = await hits("serious")
    async with db.session() as s:
        report = await import_corpus(corpus_copy, session=s)
    assert report.added == ["zz-extra"]
    assert await hits("serious") == ["zz-extra", *before]
    await asyncio.to_thread(extra.unlink)
    async with db.session() as s:
        report = await import_corpus(corpus_copy, session=s)
    assert report.retired == ["zz-extra"]
    assert await hits("serious") == before


async def test_count_is_the_one_word_searchs_number_of_hits(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add(corpus_db, body=BODY + "\n\nThe states argued; states of the United States.")
    want = await expected(corpus_db, WORD, CLUB)
    async with corpus_db.session() as s:
        club = await count(WORD, session=s, guild_id=CLUB)
        shipped = await count(WORD, session=s)
        mine = await count("zanzibarian", session=s, guild_id=CLUB)
        theirs = await count("zanzibarian", session=s, guild_id=OTHER)
        monkeypatch.setattr(search_package, "MAX_COUNT", 5)
        capped = await count(WORD, session=s, guild_id=CLUB)
    assert (club.number, club.capped) == (len(want), False)
    assert shipped.number == len(await expected(corpus_db, WORD, None)) < club.number
    assert (mine.number, theirs.number) == (1, 0)
    assert (capped.number, capped.capped) == (5, True)


async def test_the_migration_indexes_essays_already_there(
    corpus_db: Database, database_url: str
) -> None:
    await add(corpus_db)
    async with corpus_db.session() as s:
        before = [h.id for h in (await search(WORD, session=s, limit=30, guild_id=CLUB)).hits]
    await corpus_db.close()
    await migrate.downgrade(database_url, "0015")
    await migrate.upgrade(database_url)
    again = Database(database_url)
    try:
        async with again.session() as s:
            after = [h.id for h in (await search(WORD, session=s, limit=30, guild_id=CLUB)).hits]
            zanzibar = await search("zanzibarian", session=s, guild_id=CLUB)
    finally:
        await again.close()
    assert after == before and len(after) == 30
    assert len(zanzibar.hits) == 1
