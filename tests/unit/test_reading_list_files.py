"""Reading an essay file a moderator attaches, and the cleaning edits proposed for it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.corpus import parse_essay
from bot.errors import MootError
from bot.services.reading_list import (
    MAX_ESSAY_CHARS,
    MAX_FILE_BYTES,
    apply_edits,
    check_size,
    propose_edits,
    read_file,
)
from tests.conftest import CORPUS_DIR

RAW = {
    "000_c65827c11c2f3ddd.txt": "walt-2018-alliance-against-the-establishment.txt",
    "002_19e4ce7b1f37ac7d.txt": "slaughter-2005-response-to-walt.txt",
    "003_2b473a21fbb513d2.txt": "values-2023-values-based-approach.txt",
}
SOURCES = CORPUS_DIR / "sources"


@pytest.mark.parametrize("raw", sorted(RAW))
def test_the_proposed_edits_on_the_raw_sources_give_the_shipped_essays(raw: str) -> None:
    """The edits corpus/README.md records for the shipped essays are exactly the ones
    proposed for their raw texts: accepted, they give each shipped body character for
    character."""
    text = (SOURCES / raw).read_text(encoding="utf-8")
    edits = propose_edits(text)
    assert apply_edits(text, edits) == parse_essay(CORPUS_DIR / RAW[raw]).body


def test_each_kind_of_edit_is_proposed_with_its_reason() -> None:
    walt = propose_edits((SOURCES / "000_c65827c11c2f3ddd.txt").read_text(encoding="utf-8"))
    assert [(e.kind, e.reason.split(":")[0]) for e in walt] == [
        ("remove", "header line"),
        ("remove", "header line"),
        ("remove", "header line"),
        ("join", "a page break split the paragraph"),
    ]
    assert [e.text for e in walt[:3]] == [
        "Socialists and Libertarians Need An Alliance Against the Establishment",
        "Stephen M. Walt",
        "September 24, 2018",
    ]
    values = propose_edits((SOURCES / "003_2b473a21fbb513d2.txt").read_text(encoding="utf-8"))
    assert [e.reason for e in values] == ["editor's note", "image caption"]
    assert values[1].text.startswith("IMAGE: Helicopter")
    assert propose_edits((SOURCES / "002_19e4ce7b1f37ac7d.txt").read_text(encoding="utf-8")) == []


def test_a_refused_edit_leaves_the_line_and_the_paragraphs_as_they_were() -> None:
    text = (
        "Title Line\n\nThe essay doesn't\n\nend here. It goes on.\n\n"
        "IMAGE: a photo (via Getty Images)"
    )
    edits = propose_edits(text)
    assert [e.kind for e in edits] == ["remove", "join", "remove"]
    assert apply_edits(text, edits) == "The essay doesn't end here. It goes on."
    refused = [replace(e, accepted=False) for e in edits]
    assert apply_edits(text, refused) == text
    only_join = [replace(e, accepted=e.kind == "join") for e in edits]
    assert apply_edits(text, only_join) == (
        "Title Line\n\nThe essay doesn't end here. It goes on.\n\nIMAGE: a photo (via Getty Images)"
    )


WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r"),
    min_size=0,
    max_size=60,
)


@given(lines=st.lists(WORDS, max_size=25), accept=st.lists(st.booleans(), max_size=25))
def test_cleaning_never_rewrites_a_line(lines: list[str], accept: list[bool]) -> None:
    """Whatever is accepted, every line of the body is a line of the text as read (its
    whitespace at the ends aside), or lines of it joined with one space."""
    text = "\n".join(lines)
    edits = propose_edits(text)
    chosen = [
        replace(e, accepted=accept[i] if i < len(accept) else True) for i, e in enumerate(edits)
    ]
    body = apply_edits(text, chosen)
    source = [line.strip() for line in lines if line.strip()]
    removed = {e.text.strip() for e in chosen if e.accepted and e.kind == "remove"}
    for line in body.split("\n"):
        if not line:
            continue
        assert line.strip() in source or " " in line, line
    assert all(r not in body.split("\n") or lines.count(r) > 1 for r in removed if r)


def html(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_an_html_page_gives_its_article_text_verbatim_and_its_metadata() -> None:
    page = html(
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        "<article><h1>Against Primacy</h1>"
        "<p>The “realists” say the U.S. must—above all—stay out of wars.<sup>1</sup> "
        "That is the claim, and it has been made for decades in many journals.</p>"
        "<p>Москва ответила сразу. 北京也回应了。 The argument was heard everywhere.</p>"
        "</article><footer>Copyright 2024 The Review</footer>",
        head="<title>Against Primacy</title><meta name='author' content='Jane Roe'>"
        "<meta property='article:published_time' content='2024-03-05'>",
    )
    read = read_file("page.html", page)
    assert read.kind == "html"
    assert "The “realists” say the U.S. must—above all—stay out of wars.1 That" in read.text
    assert "Москва ответила сразу. 北京也回应了。" in read.text
    assert "Copyright" not in read.text and "Home" not in read.text
    assert (read.title, read.author, read.published) == (
        "Against Primacy",
        "Jane Roe",
        "2024-03-05",
    )
    edits = propose_edits(read.text, known=(read.title, read.author, read.published))
    assert [(e.kind, e.text) for e in edits] == [("remove", "Against Primacy")]


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("essay.pdf", b"%PDF-1.7 ...", "not a file I can read"),
        ("essay.txt", b"%PDF-1.7\n%\xe2\xe3", "is a PDF"),
        ("essay.md", b"PK\x03\x04\x14\x00", "ZIP archive"),
        ("essay.txt", b"text\x00with\x00nuls", "binary"),
        ("essay.txt", b"", "empty"),
        ("essay.txt", b"  \n\n \t\n", "empty"),
        ("essay.txt", "Caf\u00e9 society.".encode("latin-1"), "not UTF-8 text"),
        ("essay.txt", "\ufeffUTF-16 text.".encode("utf-16-le"), "UTF-16"),
        ("page.html", html("<nav><a href='/'>Home</a></nav>"), "no paragraphs"),
        ("essay.txt", b"x" * (MAX_ESSAY_CHARS + 1), f"at most {MAX_ESSAY_CHARS:,}"),
        ("essay.txt", b"x" * (MAX_FILE_BYTES + 1), f"at most {MAX_FILE_BYTES // 1024:,} KiB"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(name: str, data: bytes, says: str) -> None:
    with pytest.raises(MootError, match=says):
        read_file(name, data)


def test_the_size_is_checked_before_download() -> None:
    check_size(MAX_FILE_BYTES)
    with pytest.raises(MootError, match="KiB"):
        check_size(MAX_FILE_BYTES + 1)


def test_markdown_headings_at_the_top_are_header_lines_and_emphasis_stays() -> None:
    read = read_file(
        "essay.md", b"# On Restraint\nBy A. Writer\n\nThe *Atlantic* said so. It did.\n"
    )
    assert read.kind == "markdown"
    edits = propose_edits(read.text)
    assert [e.text for e in edits] == ["# On Restraint", "By A. Writer"]
    assert apply_edits(read.text, edits) == "The *Atlantic* said so. It did."
