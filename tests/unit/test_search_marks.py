"""How a match is marked in a result: the spans the search engine marked, in the verbatim
text, with an abbreviation's final period inside its mark."""

from __future__ import annotations

from bot.services.search import Query, mark_matches, marked_spans
from bot.services.search.exact import exact_words, word_patterns

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


def test_typed_words_are_counted_whole_and_the_last_as_a_prefix_when_asked() -> None:
    query = Query.parse("U.S. argued")
    whole = word_patterns(query)
    assert exact_words("The U.S. argued for it.", whole) == 2
    assert exact_words("The U.S. is arguing.", whole) == 1
    assert exact_words("They argued, thus", word_patterns(Query.parse("argue"))) == 0
    assert exact_words("They argued, thus", word_patterns(Query.parse("argue"), prefix=True)) == 1
    assert exact_words("Ünïcödé naïve", word_patterns(Query.parse("NAÏVE"))) == 1
