"""The corpus file format and the paragraph and sentence splitters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.corpus import CorpusError, load_corpus, paragraph_spans, parse_essay, sentence_spans
from bot.domain import Side
from tests.conftest import CORPUS_DIR

GOOD_FRONT = 'side = "realist"\ntitle = "A Title"\n'


def write(folder: Path, name: str, front: str, body: str = "One paragraph. Two.") -> Path:
    path = folder / name
    path.write_text(f"+++\n{front}+++\n\n{body}\n", encoding="utf-8")
    return path


def test_shipped_corpus_parses_with_its_metadata() -> None:
    essays = {e.slug: e for e in load_corpus(CORPUS_DIR)}
    assert len(essays) == 3
    walt = essays["walt-2018-alliance-against-the-establishment"]
    assert walt.side is Side.REALIST
    assert walt.author == "Stephen M. Walt"
    assert walt.published == "2018-09-24"
    assert walt.complete is False
    slaughter = essays["slaughter-2005-response-to-walt"]
    assert slaughter.side is Side.VALUES and slaughter.title_is_label
    assert slaughter.source_url and "slaughter" in slaughter.source_url
    anonymous = essays["values-2023-values-based-approach"]
    assert anonymous.author is None
    assert anonymous.title == "A Values-Based Approach to Foreign Policy"


@pytest.mark.parametrize(
    ("front", "body", "field"),
    [
        ('title = "T"\n', "Text.", "side"),
        ('side = "neutral"\ntitle = "T"\n', "Text.", "side"),
        ('side = "values"\n', "Text.", "title"),
        ('side = "values"\ntitle = "  "\n', "Text.", "title"),
        (GOOD_FRONT, "   \n\n  ", "body"),
        ('side = "values\ntitle = "T"\n', "Text.", "front matter"),
        (GOOD_FRONT + "autor = 'x'\n", "Text.", "autor"),
        (GOOD_FRONT + "complete = 'no'\n", "Text.", "complete"),
        (GOOD_FRONT + "source_url = 'ftp://x'\n", "Text.", "source_url"),
    ],
)
def test_malformed_file_names_file_and_field(
    tmp_path: Path, front: str, body: str, field: str
) -> None:
    path = write(tmp_path, "broken-essay.txt", front, body)
    with pytest.raises(CorpusError) as caught:
        parse_essay(path)
    assert caught.value.field == field
    assert str(caught.value).startswith("broken-essay.txt: ")


def test_missing_front_matter_fence(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("Just text.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"plain\.txt: front matter"):
        parse_essay(path)
    path.write_text("+++\nside = 'values'\n\nNo closing fence.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no closing"):
        parse_essay(path)


def test_bad_file_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Bad Name.txt", GOOD_FRONT)
    with pytest.raises(CorpusError, match="file name"):
        parse_essay(path)


def test_windows_line_endings_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"+++\r\nside = 'values'\r\ntitle = 'T'\r\n+++\r\n\r\nOne.\r\n\r\nTwo.\r\n")
    essay = parse_essay(path)
    assert essay.body == "One.\n\nTwo."
    assert [essay.body[s:e] for s, e in paragraph_spans(essay.body)] == ["One.", "Two."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Over the past quarter-century, U.S. foreign policy has failed. It must change.",
            ["Over the past quarter-century, U.S. foreign policy has failed.", "It must change."],
        ),
        (
            "Stephen M. Walt wrote it. Mr. Smith agreed.",
            ["Stephen M. Walt wrote it.", "Mr. Smith agreed."],
        ),
        (
            "He said “blood and iron.” Then he left! Why? Nobody knows…",
            ["He said “blood and iron.”", "Then he left!", "Why?", "Nobody knows…"],
        ),
        ("It ended (as expected.) Then more.", ["It ended (as expected.)", "Then more."]),
        (
            "Ratio 3.5 to 1 held. 2005 was different.",
            ["Ratio 3.5 to 1 held.", "2005 was different."],
        ),
        ("e.g. this one. lowercase. Continues", ["e.g. this one. lowercase.", "Continues"]),
        ("No terminal punctuation", ["No terminal punctuation"]),
        (
            # A quoted passage of two sentences stays with the sentence that quotes it.
            "He wrote “the aid should end. Consistent with it, we would go.” Then silence.",
            ["He wrote “the aid should end. Consistent with it, we would go.”", "Then silence."],
        ),
        (
            'She said "we stay. We hold." They left.',
            ['She said "we stay. We hold."', "They left."],
        ),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def test_sentence_offsets_are_shifted() -> None:
    body = "Intro.\n\nFirst one. Second one."
    start, end = paragraph_spans(body)[1]
    spans = sentence_spans(body[start:end], offset=start)
    assert [body[s:e] for s, e in spans] == ["First one.", "Second one."]


prose = st.lists(
    st.sampled_from([*"abc XYZ.!?“”’\"'()\n\t —…", "U.S.", "Mr.", "\n\n", " \n \n"]),
    max_size=120,
).map("".join)


@given(prose)
def test_spans_are_verbatim_ordered_and_cover_every_word(body: str) -> None:
    covered = []
    last = 0
    for p_start, p_end in paragraph_spans(body):
        assert p_start >= last and body[p_start:p_end] == body[p_start:p_end].strip()
        last = p_end
        for s_start, s_end in sentence_spans(body[p_start:p_end], offset=p_start):
            assert p_start <= s_start < s_end <= p_end
            sentence = body[s_start:s_end]
            assert sentence.strip() == sentence and sentence
            covered.append(sentence)
    assert "".join("".join(covered).split()) == "".join(body.split())
