"""Ranked full-text search over the corpus, one interface over SQLite and PostgreSQL.

SQLite uses the FTS5 tables `search_passage` / `search_sentence` ranked by bm25();
PostgreSQL uses the generated `search_vector` columns ranked by ts_rank_cd(). Either way
the user's text never reaches the query language raw: it is cut to MAX_QUERY_CHARS and
reduced to plain word terms, each quoted, so no input can be a syntax error.

A one-word search of sentences, and autocomplete on one word, read the impact-ordered
heads instead (heads.py, fast.py): a few dozen rows by index however common the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import is_inferred
from bot.domain import Side
from bot.services.search.exact import WINDOW
from bot.services.search.fast import head_page, hits_counted, one_word, spans, suggestions
from bot.services.search.heads import HEAD_SIZE
from bot.services.search.marks import mark_matches, marked_spans
from bot.services.search.query import MAX_QUERY_CHARS, MAX_TERMS, Kind, Query
from bot.services.search.statements import (
    Scope,
    count_statement,
    postgresql_statement,
    resolve_scope,
    rows_statement,
    sqlite_statement,
)

__all__ = [
    "MAX_COUNT",
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MAX_SUGGESTIONS",
    "MAX_TERMS",
    "SUGGESTION_CHARS",
    "HitCount",
    "Kind",
    "Query",
    "SearchHit",
    "SearchResult",
    "Suggestion",
    "count",
    "mark_matches",
    "marked_spans",
    "search",
    "sentence_by_id",
    "suggest",
    "suggestion_label",
]

MAX_LIMIT = 50
SUGGESTION_CHARS = 100  # Discord's limit on an autocomplete choice's name
MAX_SUGGESTIONS = 25  # Discord's limit on autocomplete choices
# Counting stops here: past it a pager says "of 1,000+", and a very common word costs
# no more to count than a rare one.
MAX_COUNT = 1000


@dataclass(frozen=True)
class SearchHit:
    """One verbatim sentence or passage, where it sits, and where the query matched."""

    kind: Kind
    id: int
    text: str
    matches: tuple[tuple[int, int], ...]
    essay_id: int
    essay_slug: str
    essay_title: str
    title_is_label: bool
    author: str | None
    # True when the essay does not name its author and we inferred who wrote it.
    author_attributed: bool
    published: str | None
    # True when the essay does not state its date and we inferred it from the text.
    published_inferred: bool
    side: Side
    source_url: str | None
    paragraph: int
    sentence: int | None
    start: int
    end: int

    def snippet(self, width: int = 300, mark: str = "**") -> str:
        """The text around the first match, with every match wrapped in `mark`."""
        return mark_matches(self.text, self.matches, width=width, mark=mark)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, and how the query was understood."""

    hits: tuple[SearchHit, ...]
    query: Query
    # "all" when every term had to match; "any" when that found nothing and we widened.
    mode: str
    has_more: bool


@dataclass(frozen=True)
class HitCount:
    """How many hits a search has: `number`, or at least that many when `capped`."""

    number: int
    capped: bool


@dataclass(frozen=True)
class Suggestion:
    """An autocomplete choice: a sentence id and a label that fits Discord's limit."""

    sentence_id: int
    label: str


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "the session must be bound to an engine"
    return bind.dialect.name


def _hit(kind: Kind, row: Any, matches: tuple[tuple[int, int], ...] | None = None) -> SearchHit:
    return SearchHit(
        kind=kind,
        id=row.id,
        text=row.text,
        matches=marked_spans(row.text, row.marked) if matches is None else matches,
        essay_id=row.essay_id,
        essay_slug=row.slug,
        essay_title=row.title,
        title_is_label=bool(row.title_is_label),
        author=row.author,
        author_attributed=row.author is not None and is_inferred(row.author_note),
        published=row.published,
        published_inferred=row.published is not None and is_inferred(row.published_note),
        side=Side(row.side),
        source_url=row.source_url,
        paragraph=row.paragraph,
        sentence=row.sentence,
        start=row.start,
        end=row.end,
    )


def _statement(session: AsyncSession) -> Any:
    return sqlite_statement if _dialect(session) == "sqlite" else postgresql_statement


async def _rows(session: AsyncSession, sql: str, params: dict[str, object]) -> list[Any]:
    connection = await session.connection()
    return list((await connection.execute(text(sql), params)).all())


async def _run(
    session: AsyncSession,
    kind: Kind,
    query: Query,
    scope: Scope,
    *,
    any_term: bool,
    limit: int,
    offset: int,
) -> list[SearchHit]:
    """A page of hits: from the engine's best WINDOW, exact words first (see `exact`);
    past the window, in the engine's order. One statement, unless the page straddles."""
    build = _statement(session)
    hits: list[SearchHit] = []
    if offset < WINDOW:
        sql, params = build(kind, query, scope, any_term=any_term, prefix=False, window=WINDOW)
        within = min(limit, WINDOW - offset)
        rows = await _rows(session, sql, params | {"limit": within, "offset": offset})
        hits = [_hit(kind, row) for row in rows]
        if len(rows) < within or within == limit:
            return hits
        limit, offset = limit - within, WINDOW
    sql, params = build(kind, query, scope, any_term=any_term, prefix=False)
    rows = await _rows(session, sql, params | {"limit": limit, "offset": offset})
    return hits + [_hit(kind, row) for row in rows]


async def _head_run(
    session: AsyncSession, word: str, scope: Scope, *, limit: int, offset: int
) -> list[SearchHit]:
    """A page of a one-word search of sentences: from the heads (see fast.py) as far as
    they make the order certain, then the full-text engine's order without those rows."""
    connection = await session.connection()
    page = await head_page(connection, word, scope, wanted=offset + limit)
    if len(page.ids) < offset + limit and not page.complete and offset + limit < HEAD_SIZE:
        # Not certain that far with the page's depth: all that the heads can make certain.
        page = await head_page(connection, word, scope, wanted=HEAD_SIZE)
    ids = list(page.ids[offset : offset + limit])
    rows = page.rows
    if any(i not in rows for i in ids):
        statement = rows_statement(Kind.SENTENCE, ids, scope.guild_id)
        rows = {row.id: row for row in await _rows(session, statement, {})}
    hits = {i: _hit(Kind.SENTENCE, rows[i], spans(rows[i].text, word)) for i in ids if i in rows}
    found = [hits[i] for i in ids if i in hits]
    if len(ids) == limit or page.complete:
        return found
    build = _statement(session)
    sql, params = build(
        Kind.SENTENCE,
        Query.parse(word),
        scope,
        any_term=False,
        prefix=False,
        exclude=page.ids,
    )
    params |= {"limit": limit - len(ids), "offset": max(0, offset - len(page.ids))}
    return found + [_hit(Kind.SENTENCE, row) for row in await _rows(session, sql, params)]


async def sentence_by_id(
    sentence_id: int, *, session: AsyncSession, guild_id: int | None = None
) -> SearchHit | None:
    """One sentence of an essay the server can search, as a hit with nothing marked; None
    if it is gone (or on another server's reading list)."""
    rows = await _rows(session, rows_statement(Kind.SENTENCE, [sentence_id], guild_id), {})
    return _hit(Kind.SENTENCE, rows[0]) if rows else None


async def search(
    raw_query: str,
    *,
    session: AsyncSession,
    kind: Kind = Kind.SENTENCE,
    side: Side | None = None,
    essay: str | None = None,
    limit: int = 10,
    offset: int = 0,
    any_term: bool = False,
    guild_id: int | None = None,
) -> SearchResult:
    """Rank sentences (or passages) matching `raw_query`, best first.

    Every term must match; if that finds nothing on the first page, any term may (the
    result's `mode` says which; pass `any_term=True` to page through a widened search).
    `essay` is an essay slug. `guild_id` is the server searching: it finds the shipped
    essays and its own reading list (without one, the shipped essays only). Returns at
    most `limit` hits (capped at MAX_LIMIT) and whether more follow. Any input is safe:
    text with no searchable word finds nothing.
    """
    query = Query.parse(raw_query)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    scope = await resolve_scope(session, side, essay, guild_id) if query.terms else None
    if scope is None:
        return SearchResult((), query, "any" if any_term else "all", False)

    word = one_word(query) if kind is Kind.SENTENCE else None
    if word is not None:
        hits = await _head_run(session, word, scope, limit=limit + 1, offset=offset)
        mode = "any" if any_term else "all"
        return SearchResult(tuple(hits[:limit]), query, mode, len(hits) > limit)

    async def page(widen: bool) -> list[SearchHit]:
        return await _run(
            session, kind, query, scope, any_term=widen, limit=limit + 1, offset=offset
        )

    hits = await page(any_term)
    widened = any_term
    if not hits and not any_term and offset == 0 and len(query.terms) > 1:
        hits = await page(True)
        widened = True
    return SearchResult(tuple(hits[:limit]), query, "any" if widened else "all", len(hits) > limit)


async def count(
    raw_query: str,
    *,
    session: AsyncSession,
    kind: Kind = Kind.SENTENCE,
    side: Side | None = None,
    essay: str | None = None,
    any_term: bool = False,
    guild_id: int | None = None,
) -> HitCount:
    """How many hits `search` finds for the same arguments, in one statement.

    Counting stops past MAX_COUNT (the count is then `capped`). Unlike `search`, it never
    widens by itself: pass `any_term=True` to count a widened search.
    """
    query = Query.parse(raw_query)
    scope = await resolve_scope(session, side, essay, guild_id) if query.terms else None
    if scope is None:
        return HitCount(0, False)
    word = one_word(query) if kind is Kind.SENTENCE else None
    if word is not None:
        number = await hits_counted(await session.connection(), word, scope)
        if number is not None:
            return HitCount(min(number, MAX_COUNT), number > MAX_COUNT)
    sql, params = count_statement(
        _dialect(session), kind, query, scope, any_term=any_term, cap=MAX_COUNT + 1
    )
    connection = await session.connection()
    number = (await connection.execute(text(sql), params)).scalar_one()
    return HitCount(min(number, MAX_COUNT), number > MAX_COUNT)


async def suggest(
    raw_prefix: str,
    *,
    session: AsyncSession,
    side: Side | None = None,
    essay: str | None = None,
    limit: int = MAX_SUGGESTIONS,
    guild_id: int | None = None,
) -> list[Suggestion]:
    """Sentences for autocomplete: every term matches, the last one as a prefix.

    Labels are cut to Discord's 100 characters around the first word that starts like a
    query term. Only ids and text are fetched: autocomplete runs at every keystroke. As in
    `search`, sentences holding the words as typed come first.
    """
    query = Query.parse(raw_prefix)
    scope = await resolve_scope(session, side, essay, guild_id) if query.terms else None
    if scope is None:
        return []
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    word = one_word(query)
    if word is not None:
        rows = await suggestions(await session.connection(), word, scope, limit)
        return [Suggestion(row.id, suggestion_label(row.text, query)) for row in rows]
    build = _statement(session)
    sql, params = build(
        Kind.SENTENCE, query, scope, any_term=False, prefix=True, lean=True, window=WINDOW
    )
    params |= {"limit": limit, "offset": 0}
    rows = await _rows(session, sql, params)
    return [Suggestion(row.id, suggestion_label(row.text, query)) for row in rows]


def suggestion_label(sentence: str, query: Query) -> str:
    """One line of at most SUGGESTION_CHARS characters, around the first query word."""
    flat = sentence.replace("\n", " ")
    if len(flat) <= SUGGESTION_CHARS:
        return flat
    # Stems, roughly: "balancing" should find "balance". Exactness is not needed here,
    # only a good place to cut the label.
    stems = [term.split()[0][: max(3, len(term.split()[0]) - 3)] for term in query.terms]
    found = re.search(r"\b(?:" + "|".join(map(re.escape, stems)) + ")", flat, re.IGNORECASE)
    spans = ((found.start(), found.end()),) if found else ()
    return mark_matches(flat, spans, width=SUGGESTION_CHARS - 2, mark="")
