"""One-word search and autocomplete from the heads (see heads.py), without ranking every match.

The order of a one-word search: sentences holding the word as typed (folded) first, then
those holding only another word of the same stem ("balance" for "balancing"); within
each, by the static score, best first, then by id. Each (scope, word) head is that word's
best sentences in that order, so the merged heads are the true order down to the first
point where a cut-off head could still hide a row: past it (or once the page needs more
than the heads hold) the caller falls back to the full-text engine, which then serves the
rest of the list in its own order, without the rows the heads already showed (`Page`).

Without a side or essay filter a page is one statement: the word's variants, their
frequencies and the first `n` rows of each head, by `place`. With one, each head is read
filtered, best first, up to `n` rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.search.heads import HEAD_SIZE, SHIPPED, fold, stem, words
from bot.services.search.query import Kind, Query
from bot.services.search.statements import Scope, hit_columns

# Autocomplete reads the heads of this many completions of the typed prefix, the most
# frequent first: a one-letter prefix has hundreds.
COMPLETIONS = 8
# A rank key above every real one: a head that was cut off and gave nothing.
_TOP = (float("inf"), 0)


@dataclass(frozen=True)
class Page:
    """Sentence ids in the search's order: `ids` from the heads; when `complete` they are
    the whole list, else the full-text engine follows without `ids` (see `search`)."""

    ids: tuple[int, ...]
    complete: bool
    # Whole hits (hit_columns) of the ids, when they were read with the heads.
    rows: dict[int, Any] = field(default_factory=dict)


def one_word(query: Query) -> str | None:
    """The folded word when the query is one plain word (no phrase like "u s")."""
    if len(query.terms) != 1 or " " in query.terms[0]:
        return None
    return fold(query.terms[0])


def scopes(scope: Scope, params: dict[str, object]) -> str:
    """The scopes a search reads, as SQL: the shipped essays', and the server's. A bound
    parameter, so that every server's search is the same prepared statement."""
    params["shipped"] = SHIPPED
    params["guild"] = SHIPPED if scope.guild_id is None else int(scope.guild_id)
    return ":shipped, :guild"


def _filters(scope: Scope, params: dict[str, object]) -> str:
    where = ""
    if scope.side is not None:
        where += " AND h.side = :side"
        params["side"] = scope.side.value
    if scope.essay_id is not None:
        where += " AND h.essay_id = :essay"
        params["essay"] = scope.essay_id
    return where


@dataclass
class _List:
    """One (scope, word) head as read: its rows best first, and how many it cut."""

    exact: bool
    df: int
    rows: list[tuple[float, int]]


async def _lists(
    connection: AsyncConnection, word: str, scope: Scope, n: int, rows_out: dict[int, Any]
) -> dict[tuple[int, int], _List]:
    """Each head of `word`'s variants, best first, up to `n` rows; with no side or essay
    filter, in one statement that also brings each row's whole hit (into `rows_out`)."""
    params: dict[str, object] = {"stem": stem(word), "n": n}
    variants = (
        "SELECT w.id AS word_id, w.word, d.scope, d.df FROM search_word w "
        f"JOIN search_df d ON d.word_id = w.id AND d.scope IN ({scopes(scope, params)}) "
        "WHERE w.stem = :stem"
    )
    lists: dict[tuple[int, int], _List] = {}
    if scope.side is None and scope.essay_id is None:
        columns, join = hit_columns(Kind.SENTENCE)
        rows = await connection.execute(
            text(
                f"SELECT v.word_id, v.word, v.scope, v.df, h.score, h.sentence_id, "
                f"e.active, {columns} FROM ({variants}) v JOIN search_head h "
                "ON h.scope = v.scope AND h.word_id = v.word_id AND h.place <= :n "
                f"JOIN sentence t ON t.id = h.sentence_id {join} "
                "JOIN essay e ON e.id = t.essay_id ORDER BY h.place"
            ),
            params,
        )
        for row in rows:
            item = lists.setdefault((row.scope, row.word_id), _List(row.word == word, row.df, []))
            item.rows.append((row.score, row.sentence_id))
            if row.active:
                rows_out[row.id] = row
        return lists
    found = list(await connection.execute(text(variants), params))
    where = _filters(scope, params)
    parts = []
    for index, row in enumerate(found):
        lists[(row.scope, row.word_id)] = _List(row.word == word, row.df, [])
        params[f"s{index}"], params[f"w{index}"] = row.scope, row.word_id
        parts.append(
            "SELECT * FROM (SELECT h.scope, h.word_id, h.score, h.sentence_id "
            f"FROM search_head h WHERE h.scope = :s{index} AND h.word_id = :w{index}{where} "
            f"ORDER BY h.place LIMIT :n) AS l{index}"
        )
    if parts:
        for row in await connection.execute(text(" UNION ALL ".join(parts)), params):
            lists[(row.scope, row.word_id)].rows.append((row.score, row.sentence_id))
    return lists


def _merge(lists: Sequence[_List], n: int) -> tuple[list[int], set[int], bool]:
    """The merged, de-duplicated order of `lists` as far as it is certain, every id seen
    (certain or not), and whether that order is the lists' whole content."""
    best: dict[int, tuple[float, int]] = {}
    cutoff: tuple[float, int] | None = None
    for item in lists:
        for key in item.rows:
            if key[1] not in best or key > best[key[1]]:
                best[key[1]] = key
        # Rows past this list's last one are unknown when it was cut at `n`, or when the
        # head itself was cut at HEAD_SIZE and the filters left fewer than `n`.
        if len(item.rows) >= n or item.df > HEAD_SIZE:
            last = item.rows[-1] if item.rows else _TOP
            cutoff = last if cutoff is None else max(cutoff, last)
    ordered = sorted(best.values(), reverse=True)
    certain = [key[1] for key in ordered if cutoff is None or key >= cutoff]
    return certain, set(best), cutoff is None


async def head_page(connection: AsyncConnection, word: str, scope: Scope, *, wanted: int) -> Page:
    """The first `wanted` ids of a one-word search, or as many as the heads make certain
    (all of them, and `complete`, when the list is that short)."""
    n = max(1, min(wanted, HEAD_SIZE))
    rows: dict[int, Any] = {}
    lists = list((await _lists(connection, word, scope, n, rows)).values())
    first, seen, first_complete = _merge([item for item in lists if item.exact], n)
    if not first_complete:
        return Page(tuple(first), False, rows)
    rest, _, rest_complete = _merge([item for item in lists if not item.exact], n)
    # Rows of the rest that also hold the typed word are in `first` already.
    return Page(tuple(first + [i for i in rest if i not in seen]), rest_complete, rows)


async def suggestions(
    connection: AsyncConnection, prefix: str, scope: Scope, limit: int
) -> list[Any]:
    """(id, text) of autocomplete's sentences for one word typed so far: the best of the
    heads of its COMPLETIONS most frequent completions, in one statement."""
    params: dict[str, object] = {
        "low": prefix,
        "high": prefix + "\U0010ffff",
        "m": COMPLETIONS,
        "limit": limit,
    }
    where = _filters(scope, params)
    # Filtered, a head's first `limit` rows may hold none that pass: read it whole.
    params["n"] = limit if not where else HEAD_SIZE
    listed = scopes(scope, params)
    rows = await connection.execute(
        text(
            "WITH completion AS (SELECT w.id FROM search_word w "
            f"JOIN search_df d ON d.word_id = w.id AND d.scope IN ({listed}) "
            "WHERE w.word >= :low AND w.word < :high "
            "GROUP BY w.id, w.word ORDER BY sum(d.df) DESC, w.word LIMIT :m), "
            "best AS (SELECT h.sentence_id, max(h.score) AS score FROM completion c "
            f"JOIN search_head h ON h.word_id = c.id AND h.scope IN ({listed}) "
            f"AND h.place <= :n{where} GROUP BY h.sentence_id "
            "ORDER BY score DESC, h.sentence_id DESC LIMIT :limit) "
            "SELECT t.id, t.text FROM best JOIN sentence t ON t.id = best.sentence_id "
            "ORDER BY best.score DESC, best.sentence_id DESC"
        ),
        params,
    )
    return list(rows)


async def hits_counted(connection: AsyncConnection, word: str, scope: Scope) -> int | None:
    """How many sentences a one-word search finds, from the index; None with a side or
    essay filter (the index counts per scope only)."""
    if scope.side is not None or scope.essay_id is not None:
        return None
    params: dict[str, object] = {"stem": stem(word)}
    total = await connection.execute(
        text(
            "SELECT sum(df) FROM search_stem "
            f"WHERE stem = :stem AND scope IN ({scopes(scope, params)})"
        ),
        params,
    )
    return int(total.scalar() or 0)


def spans(sentence: str, word: str) -> tuple[tuple[int, int], ...]:
    """Where `sentence` holds a word of `word`'s stem: the matches a head hit shows."""
    wanted = stem(word)
    if sentence.isascii() and word.isascii():
        # Most sentences: only the words that start like the stem need a look.
        return tuple(
            (found.start(), found.end())
            for found in _starting(wanted[:1]).finditer(sentence)
            if stem(fold(found.group())) == wanted
        )
    return tuple((start, end) for found, start, end in words(sentence) if stem(found) == wanted)


@lru_cache(maxsize=4096)
def _starting(head: str) -> re.Pattern[str]:
    """ASCII words starting with `head`: a stem's first letter, which all its words share
    ("die" for "dying" shares no more)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(head)}[A-Za-z0-9]*", re.IGNORECASE)
