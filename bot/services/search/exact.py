"""Exact words before stemmed variants.

Both engines match and rank on stems, so "balancing" also finds "balance", and a sentence
with "balance" three times can outrank one with "balancing" once. A searcher who typed a
word expects that word first. So the engine's best WINDOW candidates are ordered first by
how many of the typed words they hold exactly (whole words, case aside), then by the
engine's score; rows past the window keep the engine's order. Pages stay stable, and the
cost is bounded by the window whatever the number of matches. The test runs inside the
database, on the window's rows only: GLOB on SQLite, a regular expression on PostgreSQL.
"""

from __future__ import annotations

from bot.services.search.query import Query

WINDOW = 200

# SQLite's lower() folds ASCII letters only, and GLOB classes are bytes: a word boundary
# is anything but an ASCII letter or digit. Terms are letters and digits only (see
# Query), so they hold no GLOB or regular-expression syntax.
_SQLITE_GAP = "[^a-z0-9]"


def sqlite_exact(query: Query, params: dict[str, object], *, prefix: bool = False) -> str:
    """An expression counting the typed words `t.text` holds whole; with `prefix`, the
    last may go on ("bal" as typed in "balance"), as autocomplete matches it."""
    tests = []
    last = len(query.terms) - 1
    for index, term in enumerate(query.terms):
        end = "*" if prefix and index == last else f"{_SQLITE_GAP}*"
        params[f"x{index}"] = f"*{_SQLITE_GAP}{_SQLITE_GAP.join(term.split())}{end}"
        tests.append(f"((' ' || lower(t.text) || ' ') GLOB :x{index})")
    return " + ".join(tests) or "0"


def postgresql_exact(query: Query, params: dict[str, object], *, prefix: bool = False) -> str:
    """As `sqlite_exact`, with PostgreSQL's word boundaries (\\m, \\M), Unicode-aware."""
    tests = []
    last = len(query.terms) - 1
    for index, term in enumerate(query.terms):
        end = "" if prefix and index == last else r"\M"
        params[f"x{index}"] = r"\m" + r"\W+".join(term.split()) + end
        tests.append(f"(t.text ~* :x{index})::int")
    return " + ".join(tests) or "0"
