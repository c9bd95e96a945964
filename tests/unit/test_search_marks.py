"""How a match is marked in a result: the spans the search engine marked, in the verbatim
text, with an abbreviation's final period inside its mark."""

from __future__ import annotations

import sqlite3

from bot.services.search import Query, mark_matches, marked_spans
from bot.services.search.exact import sqlite_exact

OPEN, CLOSE = "\x02", "\x03"


def test_an_abbreviation_keeps_its_final_period_inside_the_mark() -> None:
    text = "The most recent U.S. National Security Strategy, and the U.S."
    marked = text.replace("U.S", f"{OPEN}U.S{CLOSE}")
    spans = marked_spans(text, marked)
    assert [text[a:b] for a, b in spans] == ["U.S.", "U.S."]
    assert mark_matches(text, spans, width=200).count("**U.S.**") == 2


def test_a_word_that_ends_a_sentence_leaves_the_full_stop_outside() -> None:
    text = "It was about power. Power mattered."
    marked = text.replace("power", f"{OPEN}power{CLOSE}")
    spans = marked_spans(text, marked)
    assert [text[a:b] for a, b in spans] == ["power"]


def _exact_words(text: str, raw: str, *, prefix: bool = False) -> int:
    params: dict[str, object] = {}
    expression = sqlite_exact(Query.parse(raw), params, prefix=prefix)
    sql = f"SELECT {expression} FROM (SELECT :text AS text) AS t"
    with sqlite3.connect(":memory:") as connection:
        return int(connection.execute(sql, {**params, "text": text}).fetchone()[0])


def test_typed_words_are_counted_whole_and_the_last_as_a_prefix_when_asked() -> None:
    assert _exact_words("The U.S. argued for it.", "U.S. argued") == 2
    assert _exact_words("The U.S. is arguing.", "U.S. argued") == 1
    assert _exact_words("Thus argued: nothing.", "argue") == 0
    assert _exact_words("Thus argued: nothing.", "argue", prefix=True) == 1
    assert _exact_words("Argued\nat the start of a line", "ARGUED") == 1
    assert _exact_words("reargued", "argued") == 0
