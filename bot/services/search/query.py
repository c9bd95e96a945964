"""What is searched for: the user's text reduced to terms, and the kind of hit wanted."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 300
MAX_TERMS = 12

# Letters and digits only: underscores and punctuation are separators in both engines.
_TERM = re.compile(r"[^\W_]+")


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
