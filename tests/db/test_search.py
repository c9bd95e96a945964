"""Full-text search and autocomplete over the corpus, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.db import Database
from bot.domain import Side
from bot.models import Essay
from bot.services import search as search_package
from bot.services.corpus_import import import_corpus
from bot.services.quotes import essay_choices
from bot.services.search import (
    MAX_QUERY_CHARS,
    MAX_SUGGESTIONS,
    SUGGESTION_CHARS,
    Kind,
    Query,
    SearchHit,
    search,
    sentence_by_id,
    suggest,
)

HOSTILE = [
    "",
    "   ",
    '"',
    '"unbalanced quote',
    "don't",
    "NEAR(",
    "NEAR(a b, 2)",
    "-self",
    "*",
    "a*",
    "AND OR NOT",
    "power AND",
    "^start",
    "col:term",
    "text: power",
    "{text}: x",
    "(((",
    "'; DROP TABLE essay; --",
    "power\x00balance",
    "\x00",
    "🔥🦅 realism 🕊️",
    "🔥",
    "Ünïcödé façade naïve",
    "U.S.",
    "x" * 10_000,
    "power " * 2_000,
    "&|!<->:*",
    "to_tsquery('x')",
    "\\",
    "%_%",
]


async def verbatim(db: Database, hit: SearchHit) -> bool:
    async with db.session() as s:
        essay = (await s.exec(select(Essay).where(Essay.id == hit.essay_id))).one()
    return essay.body[hit.start : hit.end] == hit.text


async def test_offshore_balancing_ranks_a_passage_containing_it_first(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        result = await search("offshore balancing", session=s, kind=Kind.PASSAGE)
    assert result.mode == "all" and result.hits
    top = result.hits[0]
    assert "offshore balancing" in top.text
    assert top.kind is Kind.PASSAGE and top.sentence is None
    assert all("offshore" in h.text.lower() and "balanc" in h.text.lower() for h in result.hits)
    assert "**offshore**" in top.snippet().lower() or "**offshore balancing**" in top.snippet()
    assert await verbatim(corpus_db, top)


async def test_sentence_hit_carries_attribution_and_matches(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        result = await search("liberal hegemony", session=s)
    hit = result.hits[0]
    assert hit.kind is Kind.SENTENCE and hit.sentence is not None and hit.paragraph >= 1
    assert hit.side is Side.REALIST
    assert hit.author == "Stephen M. Walt"
    assert hit.essay_slug == "walt-2018-alliance-against-the-establishment"
    marked = {hit.text[a:b].lower() for a, b in hit.matches}
    assert {"liberal", "hegemony"} <= marked
    for other in result.hits:
        assert await verbatim(corpus_db, other)


async def test_stemming_matches_other_forms(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        result = await search("balanced", session=s)
    assert any("balancing" in h.text for h in result.hits)


def _holds(word: str, text: str) -> bool:
    return re.search(rf"\b{word}\b", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("word", ["argued", "agreed", "achieve", "article"])
async def test_the_word_as_typed_ranks_above_its_stemmed_variants(
    corpus_db: Database, word: str
) -> None:
    # Each of these words also matches other forms ("arguing", "argues"), and the engines
    # rank at least one of those above the word itself: exact words must come first.
    async with corpus_db.session() as s:
        result = await search(word, session=s, limit=50)
    held = [_holds(word, h.text) for h in result.hits]
    assert any(held) and not all(held), "the word should match itself and other forms"
    assert held == sorted(held, reverse=True), [h.text[:60] for h in result.hits]
    assert result.hits[0].matches, "the top hit is still marked"


async def test_autocomplete_offers_the_word_as_typed_first(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        offered = await suggest("argued", session=s)
    held = [_holds("argued", x.label) for x in offered]
    assert held[0] and held == sorted(held, reverse=True)


async def test_pages_past_the_reordered_window_keep_the_engines_order(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small window, so that paging crosses it: no hit is lost or shown twice.
    async with corpus_db.session() as s:
        whole = await search("states", session=s, limit=50)
        monkeypatch.setattr(search_package, "WINDOW", 7)
        pages = [await search("states", session=s, limit=4, offset=n) for n in range(0, 48, 4)]
    paged = [h.id for page in pages for h in page.hits]
    assert len(whole.hits) > 12
    assert len(paged) == len(set(paged)) == len(whole.hits)
    windowed = [_holds("states", h.text) for page in pages for h in page.hits][:7]
    assert windowed == sorted(windowed, reverse=True)


async def test_side_and_essay_filters(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        everything = await search("security", session=s, limit=50)
        values = await search("security", session=s, side=Side.VALUES, limit=50)
        realist = await search("security", session=s, side=Side.REALIST, limit=50)
        one = await search(
            "security", session=s, essay="values-2023-values-based-approach", limit=50
        )
    assert {h.side for h in everything.hits} == {Side.VALUES, Side.REALIST}
    assert values.hits and {h.side for h in values.hits} == {Side.VALUES}
    assert realist.hits and {h.side for h in realist.hits} == {Side.REALIST}
    assert len(values.hits) + len(realist.hits) == len(everything.hits)
    assert one.hits and {h.essay_slug for h in one.hits} == {"values-2023-values-based-approach"}


async def test_paging(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        first = await search("states", session=s, limit=5)
        second = await search("states", session=s, limit=5, offset=5)
    assert first.has_more and len(first.hits) == 5 and len(second.hits) == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


async def test_widens_to_any_term_when_all_find_nothing(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        result = await search("offshore zzyzx", session=s)
    assert result.mode == "any" and result.hits
    assert all("offshore" in h.text.lower() for h in result.hits)


async def test_apostrophes_and_initialisms_match_as_phrases(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        curly = await search("can’t be serious", session=s)
        straight = await search("can't be serious", session=s)
        us = await search("U.S. strategy", session=s)
    assert curly.hits[0].text == "Walt can’t be serious."
    assert straight.hits[0].text == "Walt can’t be serious."
    assert us.mode == "all" and "U.S. strategy" in us.hits[0].text


async def test_suggest_for_autocomplete(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        prefix = await suggest("offshore bal", session=s)
        common = await suggest("pol", session=s)
        values_only = await suggest("wal", session=s, side=Side.VALUES)
    assert prefix and all(len(x.label) <= SUGGESTION_CHARS for x in prefix)
    assert any("offshore balancing" in x.label for x in prefix)
    assert len(common) == MAX_SUGGESTIONS
    assert all(0 < len(x.label) <= SUGGESTION_CHARS and "\n" not in x.label for x in common)
    assert values_only and all("wal" in x.label.lower() for x in values_only)


async def test_long_query_is_cut_not_sent_raw(corpus_db: Database) -> None:
    query = Query.parse("offshore balancing " + "filler " * 500)
    assert query.truncated and len(query.terms) <= 12
    async with corpus_db.session() as s:
        result = await search("x" * (MAX_QUERY_CHARS * 10), session=s)
    assert result.query.truncated and result.hits == ()


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_input_never_raises(corpus_db: Database, query: str) -> None:
    async with corpus_db.session() as s:
        result = await search(query, session=s)
        widened = await search(query, session=s, any_term=True, kind=Kind.PASSAGE)
        suggestions = await suggest(query, session=s)
    assert isinstance(result.hits, tuple) and isinstance(widened.hits, tuple)
    assert len(suggestions) <= MAX_SUGGESTIONS
    for hit in result.hits:
        assert await verbatim(corpus_db, hit)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=400) | st.text(alphabet="\"*()-:^{}+NEAROT \x00'’", max_size=60))
async def test_any_text_is_a_safe_query(corpus_db: Database, query: str) -> None:
    async with corpus_db.session() as s:
        result = await search(query, session=s)
        suggestions = await suggest(query, session=s)
    assert len(result.hits) <= 10
    assert all(len(x.label) <= SUGGESTION_CHARS for x in suggestions)


async def test_unknown_essay_finds_nothing(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        result = await search("security", session=s, essay="no-such-essay")
        suggestions = await suggest("secu", session=s, essay="no-such-essay")
    assert result.hits == () and suggestions == []


async def test_retired_essays_and_side_changes_reach_the_index(
    db: Database, corpus_copy: Path
) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    (corpus_copy / "slaughter-2005-response-to-walt.txt").unlink()
    walt = corpus_copy / "walt-2018-alliance-against-the-establishment.txt"
    walt.write_text(
        walt.read_text(encoding="utf-8").replace('side = "realist"', 'side = "values"'), "utf-8"
    )
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
        sharon = await search("Sharon", session=s)
        hegemony_values = await search("hegemony", session=s, side=Side.VALUES)
        hegemony_realist = await search("hegemony", session=s, side=Side.REALIST)
        sharon_suggestions = await suggest("Sharo", session=s)
    # Sharon is named only in the retired Slaughter response.
    assert sharon.hits == () and sharon_suggestions == []
    assert hegemony_values.hits and hegemony_realist.hits == ()
    assert all(h.essay_slug != "slaughter-2005-response-to-walt" for h in hegemony_values.hits)


async def test_hits_mark_an_inferred_author_and_date(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        slaughter = await search("offshore", session=s, essay="slaughter-2005-response-to-walt")
        values = await search("security", session=s, essay="values-2023-values-based-approach")
        walt = await search("hegemony", session=s, side=Side.REALIST)
        picked = await sentence_by_id(slaughter.hits[0].id, session=s)
    hit = slaughter.hits[0]
    assert hit.author == "Anne-Marie Slaughter" and hit.author_attributed
    assert hit.published == "2005" and hit.published_inferred
    assert picked == replace(hit, matches=())
    anonymous = values.hits[0]
    assert anonymous.author is None and not anonymous.author_attributed
    assert anonymous.published == "2023" and anonymous.published_inferred
    stated = walt.hits[0]
    assert stated.author == "Stephen M. Walt" and not stated.author_attributed
    assert stated.published is not None and not stated.published_inferred


async def test_essay_choices_show_labels_in_brackets_and_attributed_authors(
    corpus_db: Database,
) -> None:
    async with corpus_db.session() as s:
        choices = dict((slug, label) for label, slug in await essay_choices("", session=s))
        essay = (
            await s.exec(select(Essay).where(Essay.slug == "slaughter-2005-response-to-walt"))
        ).one()
        essay.title = "A descriptive label " * 10
        s.add(essay)
        await s.flush()
        cut = dict((slug, label) for label, slug in await essay_choices("label", session=s))
    assert choices["slaughter-2005-response-to-walt"] == (
        "[Response to Walt (Boston Review forum)] — Anne-Marie Slaughter (attributed)"
    )
    assert choices["values-2023-values-based-approach"].endswith(" — author unknown")
    long = cut["slaughter-2005-response-to-walt"]
    assert len(long) == 100 and long.startswith("[A descriptive label")
    assert long.endswith("…] — Anne-Marie Slaughter (attributed)")
