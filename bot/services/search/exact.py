"""Exact words before stemmed variants.

Both engines match and rank on stems, so "balancing" also finds "balance", and a sentence
with "balance" three times can outrank one with "balancing" once. A searcher who typed a
word expects that word first. The engines' best WINDOW candidates are re-sorted by how many
of the typed words they hold exactly (whole words, case aside); the engine's score breaks
ties, and rows past the window keep the engine's order. Pages stay stable and the cost is
bounded by the window, whatever the number of matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.services.search.query import Query

WINDOW = 200

_Row = TypeVar("_Row")


def word_patterns(query: Query, *, prefix: bool = False) -> tuple[re.Pattern[str], ...]:
    """One pattern per term, matching it as whole words; with `prefix`, the last term may
    go on ("bal" as typed in "balance"), as autocomplete matches it."""
    patterns = []
    last = len(query.terms) - 1
    for index, term in enumerate(query.terms):
        body = r"[\W_]+".join(re.escape(part) for part in term.split())
        end = "" if prefix and index == last else r"(?![^\W_])"
        patterns.append(re.compile(rf"(?<![^\W_]){body}{end}", re.IGNORECASE))
    return tuple(patterns)


def exact_words(text: str, patterns: Sequence[re.Pattern[str]]) -> int:
    """How many of the typed words `text` holds as they were typed."""
    return sum(1 for pattern in patterns if pattern.search(text))


def exact_first(
    rows: Sequence[_Row], patterns: Sequence[re.Pattern[str]], text_of: Callable[[_Row], str]
) -> list[_Row]:
    """`rows` (in the engine's order) with those holding more typed words first; the
    sort is stable, so the engine's order decides among equals."""
    return sorted(rows, key=lambda row: -exact_words(text_of(row), patterns))
