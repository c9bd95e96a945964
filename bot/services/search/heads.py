"""Impact-ordered heads: each word's best sentences, per scope, kept ready for top-k.

A full-text engine ranks a one-word query by scoring every sentence that holds the word:
a common word in a large corpus is tens of thousands of rows to score for a page of ten.
For one word, BM25's inverse document frequency is the same for every hit, so the order
is set by the term-frequency part alone, with length normalisation: a static score per
(word, sentence). `search_head` keeps each word's best HEAD_SIZE sentences by that score,
per scope (0 for the shipped essays, read by every server; a server's id for its own
reading list), with `search_df` counting how many sentences hold the word there and
`search_word` the vocabulary (each word and its stem), and `search_stem` how many
sentences hold a word of each stem (a one-word search's count). A one-word search then reads two
short index ranges (the shipped head and the server's) and merges them; see `fast.py`.

Words are cut and stemmed in Python (Snowball's English stemmer, as PostgreSQL's
'english' configuration), so both databases hold the same index and give the same hits.
A scope is rebuilt whole when its essays change: the corpus import (scope 0), and a
server's /corpus add, edit and remove (its scope). Only active essays are indexed.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Each word's best sentences kept per scope: ten pages of ten. Deeper pages fall back
# to the full-text engine (see fast.py).
HEAD_SIZE = 100
SHIPPED = 0  # the scope of the shipped essays; a server's scope is its id
# BM25's usual constants; a fixed average length keeps a sentence's score independent
# of the rest of the corpus, so heads of different scopes merge as they are.
K1, B, AVERAGE_LENGTH = 1.2, 0.75, 25.0
MAX_WORD = 100

INSERT_HEAD = (
    "INSERT INTO search_head (scope, word_id, place, score, sentence_id, essay_id, side) "
    "VALUES (:s, :w, :r, :score, :id, :e, :side)"
)

INSERT_STEM = "INSERT INTO search_stem (scope, stem, df) VALUES (:s, :stem, :df)"

_WORD = re.compile(r"[^\W_]+")
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """A word as the index holds it: lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:MAX_WORD]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of a folded word."""
    return str(_STEMMER.stemWord(word))


def words(sentence: str) -> Iterator[tuple[str, int, int]]:
    """Each word of `sentence`, folded, with where it sits in the verbatim text."""
    for found in _WORD.finditer(sentence):
        yield fold(found.group()), found.start(), found.end()


def score(frequency: int, length: int) -> float:
    """BM25's term-frequency part with length normalisation, rounded so that both
    databases store and order the same number."""
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    return round(frequency * (K1 + 1) / (frequency + norm), 9)


def head_rows(
    sentences: Iterable[tuple[int, int, str, str]],
) -> tuple[dict[str, int], dict[str, list[tuple[float, int, int, str]]], Counter[str]]:
    """For (id, essay_id, side, text) rows: each word's document frequency and its best
    HEAD_SIZE (score, sentence id, essay id, side), best first (ties: higher id first;
    a row's `place` in its head is its position in that list, from 1); and how many
    sentences hold a word of each stem (a one-word search's number of hits)."""
    postings: dict[str, list[tuple[float, int, int, str]]] = defaultdict(list)
    stems = Counter[str]()
    for sentence_id, essay_id, side, body in sentences:
        found = [word for word, _, _ in words(body)]
        counted = Counter(found)
        for word, count in counted.items():
            postings[word].append((score(count, len(found)), sentence_id, essay_id, side))
        stems.update({stem(word) for word in counted})
    frequency = {word: len(rows) for word, rows in postings.items()}
    best = {
        word: heapq.nlargest(HEAD_SIZE, rows, key=lambda row: (row[0], row[1]))
        for word, rows in postings.items()
    }
    return frequency, best, stems


async def word_ids(connection: AsyncConnection, vocabulary: Iterable[str]) -> dict[str, int]:
    """Ids of `vocabulary` in search_word, adding the words it lacks."""
    wanted = sorted(set(vocabulary))
    known: dict[str, int] = {}
    for chunk in _chunks(wanted, 500):
        rows = await connection.execute(
            text(f"SELECT word, id FROM search_word WHERE word IN ({_placeholders(len(chunk))})"),
            {f"v{i}": word for i, word in enumerate(chunk)},
        )
        known.update({row.word: row.id for row in rows})
    missing = [word for word in wanted if word not in known]
    if missing:
        await connection.execute(
            text("INSERT INTO search_word (word, stem) VALUES (:word, :stem)"),
            [{"word": word, "stem": stem(word)} for word in missing],
        )
        for chunk in _chunks(missing, 500):
            rows = await connection.execute(
                text(
                    f"SELECT word, id FROM search_word WHERE word IN ({_placeholders(len(chunk))})"
                ),
                {f"v{i}": word for i, word in enumerate(chunk)},
            )
            known.update({row.word: row.id for row in rows})
    return known


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(count: int) -> str:
    return ", ".join(f":v{i}" for i in range(count))


async def rebuild_scope(connection: AsyncConnection, scope: int) -> int:
    """Index the active essays of `scope` afresh (0: the shipped essays; else that
    server's reading list). Returns the number of head rows written."""
    owner = "e.guild_id IS NULL" if scope == SHIPPED else f"e.guild_id = {int(scope)}"
    rows = await connection.execute(
        text(
            "SELECT s.id, s.essay_id, s.side, s.text FROM sentence s "
            f"JOIN essay e ON e.id = s.essay_id WHERE e.active = true AND {owner}"
        )
    )
    frequency, best, stems = head_rows((r.id, r.essay_id, r.side, r.text) for r in rows)
    await connection.execute(text("DELETE FROM search_head WHERE scope = :s"), {"s": scope})
    await connection.execute(text("DELETE FROM search_df WHERE scope = :s"), {"s": scope})
    await connection.execute(text("DELETE FROM search_stem WHERE scope = :s"), {"s": scope})
    if not frequency:
        return 0
    await connection.execute(
        text(INSERT_STEM), [{"s": scope, "stem": key, "df": df} for key, df in stems.items()]
    )
    ids = await word_ids(connection, frequency)
    await connection.execute(
        text("INSERT INTO search_df (scope, word_id, df) VALUES (:s, :w, :df)"),
        [{"s": scope, "w": ids[word], "df": df} for word, df in frequency.items()],
    )
    heads = [
        {"s": scope, "w": ids[word], "r": rank, "score": row[0], "id": row[1], "e": row[2]}
        | {"side": row[3]}
        for word, rows in best.items()
        for rank, row in enumerate(rows, start=1)
    ]
    await connection.execute(text(INSERT_HEAD), heads)
    return len(heads)


async def rebuild_for(connection: AsyncConnection, guild_id: int | None) -> int:
    """Re-index the scope an essay of `guild_id` belongs to (None: the shipped essays)."""
    return await rebuild_scope(connection, SHIPPED if guild_id is None else guild_id)
