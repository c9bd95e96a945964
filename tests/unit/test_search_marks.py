"""How a match is marked in a result: the spans the search engine marked, in the verbatim
text, with an abbreviation's final period inside its mark."""

from __future__ import annotations

from bot.services.search import mark_matches, marked_spans

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
