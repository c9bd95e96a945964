"""Ranked full-text search over the corpus, one interface over SQLite and PostgreSQL.

SQLite uses the FTS5 tables `search_passage` / `search_sentence` ranked by bm25();
PostgreSQL uses the generated `search_vector` columns ranked by ts_rank_cd(). Either way
the user's text never reaches the query language raw: it is cut to MAX_QUERY_CHARS and
reduced to plain word terms, each quoted, so no input can be a syntax error.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import is_inferred
from bot.domain import Side

MAX_QUERY_CHARS = 300
MAX_TERMS = 12
MAX_LIMIT = 50
SUGGESTION_CHARS = 100  # Discord's limit on an autocomplete choice's name
MAX_SUGGESTIONS = 25  # Discord's limit on autocomplete choices
# Counting stops here: past it a pager says "of 1,000+", and a very common word costs
# no more to count than a rare one.
MAX_COUNT = 1000

# Letters and digits only: underscores and punctuation are separators in both engines.
_TERM = re.compile(r"[^\W_]+")
# Markers the databases wrap matches in; control characters never occur in essays.
_OPEN, _CLOSE = "\x02", "\x03"


class Kind(enum.StrEnum):
    """What a hit is: one sentence, or a whole paragraph."""

    SENTENCE = "sentence"
    PASSAGE = "passage"


@dataclass(frozen=True)
class Query:
    """The user's text reduced to search terms.

    A term is one whitespace-separated word's letters and digits; a word that punctuation
    splits ("U.S.", "don't") becomes a phrase of its parts ("u s", "don t"), matched in order.
    """

    terms: tuple[str, ...]
    # The words the terms came from, as typed: PostgreSQL's parser reads these itself so
    # that "U.S." meets the "u.s" it indexed.
    words: tuple[str, ...]
    truncated: bool

    @staticmethod
    def clean(raw: str) -> str:
        """The text as it is searched: NUL characters removed, cut to MAX_QUERY_CHARS."""
        return raw.replace("\x00", "")[:MAX_QUERY_CHARS]

    @classmethod
    def parse(cls, raw: str) -> Query:
        cleaned = raw.replace("\x00", "")
        truncated = len(cleaned) > MAX_QUERY_CHARS
        terms, words = [], []
        for word in cleaned[:MAX_QUERY_CHARS].split():
            parts = _TERM.findall(word.lower())
            if parts:
                terms.append(" ".join(parts))
                words.append(word)
        truncated = truncated or len(terms) > MAX_TERMS
        return cls(tuple(terms[:MAX_TERMS]), tuple(words[:MAX_TERMS]), truncated)


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


@dataclass(frozen=True)
class _Scope:
    """Filters resolved to ids before the search runs, so the search itself needs no join."""

    side: Side | None
    essay_id: int | None


async def _scope(session: AsyncSession, side: Side | None, essay: str | None) -> _Scope | None:
    """Resolve an essay slug; None when it names no searchable essay (nothing can match)."""
    if essay is None:
        return _Scope(side, None)
    connection = await session.connection()
    essay_id = (
        await connection.execute(
            text("SELECT id FROM essay WHERE slug = :slug AND active = true"), {"slug": essay}
        )
    ).scalar()
    return None if essay_id is None else _Scope(side, essay_id)


def _fts5_match(query: Query, scope: _Scope, *, any_term: bool, prefix: bool) -> str:
    quoted = [f'"{term}"' for term in query.terms]
    if prefix:
        quoted[-1] += "*"
    match = f"text : ({(' OR ' if any_term else ' AND ').join(quoted)})"
    if scope.side is not None:
        match += f' AND side : "{scope.side.value}"'
    if scope.essay_id is not None:
        match += f' AND essay_id : "{scope.essay_id}"'
    return match


def _tsquery(query: Query, *, any_term: bool, prefix: bool) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {f"w{i}": word for i, word in enumerate(query.words)}
    parts = [f"plainto_tsquery('english', :w{i})" for i in range(len(query.words))]
    last = query.terms[-1]
    if prefix and " " not in last:
        params["p"] = f"{last}:*"
        parts[-1] = "to_tsquery('english', :p)"
    return "(" + (" || " if any_term else " && ").join(parts) + ")", params


def _columns(kind: Kind) -> tuple[str, str]:
    """The columns every hit needs, and the join that brings the paragraph number."""
    paragraph = "t.position" if kind is Kind.PASSAGE else "p.position"
    sentence = "NULL" if kind is Kind.PASSAGE else "t.position"
    join = "" if kind is Kind.PASSAGE else "JOIN passage p ON p.id = t.passage_id"
    columns = (
        f't.id, t.text, t.start, t."end", {paragraph} AS paragraph, {sentence} AS sentence, '
        "e.id AS essay_id, e.slug, e.title, e.title_is_label, e.author, e.author_note, "
        "e.published, e.published_note, e.side, e.source_url"
    )
    return columns, join


def _sqlite_statement(
    kind: Kind, query: Query, scope: _Scope, *, any_term: bool, prefix: bool, lean: bool = False
) -> tuple[str, dict[str, object]]:
    # Rank inside FTS5 first and join only the page's rows: ranking cost grows with the
    # number of matches, and joins would multiply it. Weights: only the text column counts.
    # highlight() runs per page row in a subquery: next to the join SQLite would otherwise
    # compute it for every match. Retired essays' rows are left out before ranking.
    # `lean` (autocomplete) wants only ids and text: no attribution, no highlight.
    fts = f"search_{kind.value}"
    table = kind.value
    page = (
        f"WITH page AS (SELECT rowid AS id, bm25({fts}, 1.0, 0.0, 0.0) AS score FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid NOT IN (SELECT x.id FROM essay r "
        f"JOIN {table} x ON x.essay_id = r.id WHERE r.active = false) "
        "ORDER BY score, rowid LIMIT :limit OFFSET :offset) "
    )
    params: dict[str, object] = {"q": _fts5_match(query, scope, any_term=any_term, prefix=prefix)}
    if lean:
        sql = f"SELECT t.id, t.text FROM page JOIN {table} t ON t.id = page.id "
        return page + sql + "ORDER BY page.score, page.id", params
    columns, join = _columns(kind)
    sql = (
        f"SELECT {columns}, (SELECT highlight({fts}, 0, char(2), char(3)) FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid = page.id) AS marked "
        f"FROM page JOIN {table} t ON t.id = page.id {join} "
        "JOIN essay e ON e.id = t.essay_id ORDER BY page.score, page.id"
    )
    return page + sql, params


def _postgresql_filters(scope: _Scope, params: dict[str, object]) -> str:
    """The side, essay and active-essay conditions, their values added to `params`."""
    filters = ["e.active"]
    if scope.side is not None:
        filters.append("t.side = :side")
        params["side"] = scope.side.value
    if scope.essay_id is not None:
        filters.append("t.essay_id = :essay_id")
        params["essay_id"] = scope.essay_id
    return " AND ".join(filters)


def _postgresql_statement(
    kind: Kind, query: Query, scope: _Scope, *, any_term: bool, prefix: bool, lean: bool = False
) -> tuple[str, dict[str, object]]:
    tsquery, params = _tsquery(query, any_term=any_term, prefix=prefix)
    columns, join = _columns(kind)
    filters = _postgresql_filters(scope, params)
    if lean:
        columns, join = "t.id, t.text", ""
    else:
        columns += (
            f", ts_headline('english', t.text, {tsquery}, "
            '\'HighlightAll=true, StartSel="\x02", StopSel="\x03"\') AS marked'
        )
    sql = (
        f"SELECT {columns} "
        f"FROM {kind.value} t {join} JOIN essay e ON e.id = t.essay_id "
        f"WHERE t.search_vector @@ {tsquery} AND {filters} "
        f"ORDER BY ts_rank_cd(t.search_vector, {tsquery}) DESC, t.id "
        "LIMIT :limit OFFSET :offset"
    )
    return sql, params


def _count_statement(
    dialect: str, kind: Kind, query: Query, scope: _Scope, *, any_term: bool
) -> tuple[str, dict[str, object]]:
    # The inner LIMIT stops the engine at MAX_COUNT + 1 matches: a count, unlike a page,
    # needs no ranking, and past the cap it needs no more rows either.
    if dialect == "sqlite":
        fts = f"search_{kind.value}"
        params: dict[str, object] = {
            "q": _fts5_match(query, scope, any_term=any_term, prefix=False)
        }
        inner = (
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q AND rowid NOT IN "
            f"(SELECT x.id FROM essay r JOIN {kind.value} x ON x.essay_id = r.id "
            "WHERE r.active = false)"
        )
    else:
        tsquery, params = _tsquery(query, any_term=any_term, prefix=False)
        filters = _postgresql_filters(scope, params)
        inner = (
            f"SELECT t.id FROM {kind.value} t JOIN essay e ON e.id = t.essay_id "
            f"WHERE t.search_vector @@ {tsquery} AND {filters}"
        )
    return f"SELECT count(*) FROM ({inner} LIMIT :cap) AS matched", params | {"cap": MAX_COUNT + 1}


def marked_spans(verbatim: str, marked: str | None) -> tuple[tuple[int, int], ...]:
    """Offsets of the marked spans, or none if the marked text is not the verbatim text."""
    if not marked or marked.replace(_OPEN, "").replace(_CLOSE, "") != verbatim:
        return ()
    spans = []
    position = 0
    start = 0
    for char in marked:
        if char == _OPEN:
            start = position
        elif char == _CLOSE:
            spans.append((start, _with_final_period(verbatim, start, position)))
        else:
            position += 1
    return tuple(spans)


def _with_final_period(verbatim: str, start: int, end: int) -> int:
    """The end of a match, taking in the final period of an abbreviation ("U.S."): the
    engines stop a word before it, and "**U.S**." reads as a typo."""
    if "." in verbatim[start:end] and verbatim[end : end + 1] == ".":
        return end + 1
    return end


def mark_matches(
    verbatim: str, matches: tuple[tuple[int, int], ...], *, width: int, mark: str = "**"
) -> str:
    """Wrap matches in `mark`, keeping a window of about `width` characters around the first."""
    begin, finish = 0, len(verbatim)
    if len(verbatim) > width:
        centre = matches[0][0] if matches else 0
        begin = max(0, min(centre - width // 3, len(verbatim) - width))
        finish = begin + width
    pieces = ["…" if begin else ""]
    cursor = begin
    for start, end in matches:
        if start < cursor or end > finish:
            continue
        pieces += [verbatim[cursor:start], mark, verbatim[start:end], mark]
        cursor = end
    pieces.append(verbatim[cursor:finish])
    if finish < len(verbatim):
        pieces.append("…")
    return "".join(pieces)


def _hit(kind: Kind, row: Any) -> SearchHit:
    return SearchHit(
        kind=kind,
        id=row.id,
        text=row.text,
        matches=marked_spans(row.text, row.marked),
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


async def _run(
    session: AsyncSession,
    kind: Kind,
    query: Query,
    scope: _Scope,
    *,
    any_term: bool = False,
    prefix: bool = False,
    limit: int,
    offset: int,
) -> list[SearchHit]:
    build = _sqlite_statement if _dialect(session) == "sqlite" else _postgresql_statement
    sql, params = build(kind, query, scope, any_term=any_term, prefix=prefix)
    connection = await session.connection()
    rows = (await connection.execute(text(sql), params | {"limit": limit, "offset": offset})).all()
    return [_hit(kind, row) for row in rows]


async def sentence_by_id(sentence_id: int, *, session: AsyncSession) -> SearchHit | None:
    """One sentence of an active essay, as a hit with nothing marked; None if gone."""
    columns, join = _columns(Kind.SENTENCE)
    sql = (
        f"SELECT {columns}, NULL AS marked FROM sentence t {join} "
        "JOIN essay e ON e.id = t.essay_id WHERE t.id = :id AND e.active = true"
    )
    connection = await session.connection()
    row = (await connection.execute(text(sql), {"id": sentence_id})).first()
    return None if row is None else _hit(Kind.SENTENCE, row)


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
) -> SearchResult:
    """Rank sentences (or passages) matching `raw_query`, best first.

    Every term must match; if that finds nothing on the first page, any term may (the
    result's `mode` says which; pass `any_term=True` to page through a widened search).
    `essay` is an essay slug. Returns at most `limit` hits (capped at MAX_LIMIT) and
    whether more follow. Any input is safe: text with no searchable word finds nothing.
    """
    query = Query.parse(raw_query)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    scope = await _scope(session, side, essay) if query.terms else None
    if scope is None:
        return SearchResult((), query, "any" if any_term else "all", False)

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
) -> HitCount:
    """How many hits `search` finds for the same arguments, in one statement.

    Counting stops past MAX_COUNT (the count is then `capped`). Unlike `search`, it never
    widens by itself: pass `any_term=True` to count a widened search.
    """
    query = Query.parse(raw_query)
    scope = await _scope(session, side, essay) if query.terms else None
    if scope is None:
        return HitCount(0, False)
    sql, params = _count_statement(_dialect(session), kind, query, scope, any_term=any_term)
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
) -> list[Suggestion]:
    """Sentences for autocomplete: every term matches, the last one as a prefix.

    Labels are cut to Discord's 100 characters around the first word that starts like a
    query term. Only ids and text are fetched: autocomplete runs at every keystroke.
    """
    query = Query.parse(raw_prefix)
    scope = await _scope(session, side, essay) if query.terms else None
    if scope is None:
        return []
    build = _sqlite_statement if _dialect(session) == "sqlite" else _postgresql_statement
    sql, params = build(Kind.SENTENCE, query, scope, any_term=False, prefix=True, lean=True)
    params |= {"limit": max(1, min(limit, MAX_SUGGESTIONS)), "offset": 0}
    connection = await session.connection()
    rows = (await connection.execute(text(sql), params)).all()
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
