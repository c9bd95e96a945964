"""How essays are cut into daily excerpts: whole paragraphs, one to three, never mid-sentence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import (
    EXCERPT_HARD_LIMIT,
    EXCERPT_IDEAL,
    excerpt_spans,
    load_corpus,
    paragraph_spans,
    sentence_spans,
)
from tests.conftest import CORPUS_DIR

words = st.text(alphabet="abcdefghij", min_size=1, max_size=9)
sentences = st.builds(
    lambda first, rest: " ".join([first.capitalize(), *rest]) + ".",
    words,
    st.lists(words, min_size=0, max_size=30),
)
paragraphs = st.lists(sentences, min_size=1, max_size=60).map(" ".join)
bodies = st.lists(paragraphs, min_size=1, max_size=25).map("\n\n".join)


@settings(max_examples=200)
@given(body=bodies)
def test_excerpts_cover_the_body_in_order_with_whole_paragraphs_or_sentences(body: str) -> None:
    spans = excerpt_spans(body)
    paras = paragraph_spans(body)
    ends = {e for _, e in paras}
    for piece_start, piece_end in paras:
        if piece_end - piece_start > EXCERPT_HARD_LIMIT:
            ends |= {e for _, e in sentence_spans(body[piece_start:piece_end], piece_start)}
    previous_end = -1
    covered = []
    for span in spans:
        text = body[span.start : span.end]
        assert text == text.strip() and text
        assert span.start > previous_end and span.end in ends
        assert 1 <= span.last - span.first + 1 <= 3
        assert span.end - span.start <= max(EXCERPT_HARD_LIMIT, 3 * EXCERPT_IDEAL[1])
        previous_end = span.end
        covered.extend(range(span.first, span.last + 1))
    assert sorted(set(covered)) == list(range(1, len(paras) + 1))
    assert "".join(body[s.start : s.end] for s in spans).replace("\n", "").replace(" ", "") == (
        body.replace("\n", "").replace(" ", "")
    )


def test_the_shipped_essays_cut_close_to_the_ideal_length() -> None:
    for essay in load_corpus(CORPUS_DIR):
        spans = excerpt_spans(essay.body)
        lengths = [s.end - s.start for s in spans]
        assert all(length >= EXCERPT_IDEAL[0] for length in lengths), essay.slug
        # Paragraphs a little over 1,000 characters stay whole rather than be cut.
        assert all(length <= 1200 for length in lengths), essay.slug
        short = [p for p in paragraph_spans(essay.body) if p[1] - p[0] < EXCERPT_IDEAL[0]]
        assert len(spans) == len(paragraph_spans(essay.body)) - len(short)
