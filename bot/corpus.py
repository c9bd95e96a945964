"""The corpus file format, and how an essay's body splits into passages and sentences.

A corpus file is UTF-8 text: TOML front matter between two `+++` lines, then the body.
Paragraphs are separated by blank lines. Every passage and sentence is a span of the body,
so what the bot shows is always a verbatim slice of the essay (see corpus/README.md).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain import Side

FENCE = "+++"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")

# Front matter keys: name -> (type, required).
_FIELDS: dict[str, tuple[type, bool]] = {
    "side": (str, True),
    "title": (str, True),
    "title_is_label": (bool, False),
    "author": (str, False),
    "author_note": (str, False),
    "published": (str, False),
    "published_note": (str, False),
    "source_url": (str, False),
    "complete": (bool, False),
    "notes": (str, False),
}
_MAX_LENGTH = {"title": 300, "author": 200, "published": 32, "source_url": 500}


class CorpusError(Exception):
    """A corpus file that cannot be imported; names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path.name}: {field}: {problem}")
        self.path = path
        self.field = field


@dataclass(frozen=True)
class EssayFile:
    """One parsed corpus file."""

    path: Path
    slug: str
    side: Side
    title: str
    title_is_label: bool
    author: str | None
    author_note: str | None
    published: str | None
    published_note: str | None
    source_url: str | None
    complete: bool
    notes: str | None
    body: str
    content_hash: str


def parse_essay(path: Path) -> EssayFile:
    """Parse one corpus file, raising CorpusError for anything malformed."""
    slug = path.stem
    if not SLUG.match(slug):
        raise CorpusError(path, "file name", "use lowercase letters, digits and dashes")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise CorpusError(path, "encoding", "the file is not UTF-8") from None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise CorpusError(path, "front matter", f"the file must start with a {FENCE} line")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise CorpusError(path, "front matter", f"no closing {FENCE} line") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:close]))
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(path, "front matter", f"not valid TOML ({exc})") from None
    _check_fields(path, meta)
    try:
        side = Side(meta["side"])
    except ValueError:
        raise CorpusError(path, "side", f"{meta['side']!r} is not realist or values") from None
    body = "\n".join(lines[close + 1 :]).strip()
    if not body:
        raise CorpusError(path, "body", "the essay has no text after the front matter")
    return EssayFile(
        path=path,
        slug=slug,
        side=side,
        title=meta["title"].strip(),
        title_is_label=meta.get("title_is_label", False),
        author=_optional(meta, "author"),
        author_note=_optional(meta, "author_note"),
        published=_optional(meta, "published"),
        published_note=_optional(meta, "published_note"),
        source_url=_optional(meta, "source_url"),
        complete=meta.get("complete", True),
        notes=_optional(meta, "notes"),
        body=body,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _check_fields(path: Path, meta: dict[str, Any]) -> None:
    for key in meta:
        if key not in _FIELDS:
            raise CorpusError(path, key, f"unknown field (known: {', '.join(_FIELDS)})")
    for key, (kind, required) in _FIELDS.items():
        if key not in meta:
            if required:
                raise CorpusError(path, key, "missing")
            continue
        if not isinstance(meta[key], kind):
            raise CorpusError(path, key, f"must be a {kind.__name__}")
        value = str(meta[key])
        if kind is str and required and not value.strip():
            raise CorpusError(path, key, "must not be empty")
        if key in _MAX_LENGTH and len(value) > _MAX_LENGTH[key]:
            raise CorpusError(path, key, f"longer than {_MAX_LENGTH[key]} characters")
    url = meta.get("source_url")
    if url and not url.startswith(("https://", "http://")):
        raise CorpusError(path, "source_url", "must start with https:// or http://")


# A note on an author or a date that begins so says it is stated in the essay itself; any
# other note tells how it was inferred (corpus/README.md: "Stated, or how it was inferred").
_STATED = ("stated", "named in", "dated in")


def is_inferred(note: str | None) -> bool:
    """Whether an `author_note` or `published_note` says its value was inferred (from the
    source address, from the text's events...) rather than stated in the essay."""
    return note is not None and not note.strip().lower().startswith(_STATED)


def _optional(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value.strip() or None if isinstance(value, str) else None


def load_corpus(directory: Path) -> list[EssayFile]:
    """Parse every `*.txt` essay in `directory`; the first malformed file stops it all."""
    if not directory.is_dir():
        raise CorpusError(directory, "corpus folder", "does not exist")
    return [parse_essay(path) for path in sorted(directory.glob("*.txt"))]


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: runs of text separated by blank lines."""
    spans = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(body)))
    return [_trim(body, s, e) for s, e in spans if body[s:e].strip()]


# Words that end with a full stop without ending the sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "pres",
        "lt",
        "col",
        "sgt",
        "capt",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "nos",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "approx",
    ]
)
# A full stop, question or exclamation mark, then any closing quotes or brackets, and any
# footnote markers ("decide.¹ That", "power.[2] It", "said.* Then").
_TERMINAL = re.compile(r"[.!?…]+(?:[\"'”’)\]¹²³⁴⁵⁶⁷⁸⁹⁰*†‡]|\[\d{1,3}\])*")
# What may open the next sentence: a capital, a digit, or an opening quote or bracket.
_OPENER = re.compile(r"\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.)+$")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, shifted by `offset`.

    A sentence ends at terminal punctuation (with any closing quotes) followed by space and
    a capital, digit or opening quote, unless the word before the stop is an abbreviation
    ("Mr.", "etc.") or an initialism ("U.S.", "M."): "the U.S. Congress" stays one sentence;
    and not inside a quotation: a quoted passage of two sentences stays in the sentence
    that quotes it, so no sentence ends with a closing quote it never opened.
    """
    spans = []
    start = 0
    for match in _TERMINAL.finditer(text):
        end = match.end()
        follow = _OPENER.match(text, end)
        if follow is None:
            continue
        if text[match.start()] == "." and _is_abbreviation(text[start : match.start() + 1]):
            continue
        if _inside_quotation(text[start:end]):
            continue  # a full stop within a quoted passage: the quotation goes on
        spans.append((start, end))
        start = follow.end()
    spans.append((start, len(text)))
    return [
        (s + offset, e + offset)
        for s, e in (_trim(text, s, e) for s, e in spans if text[s:e].strip())
    ]


def _inside_quotation(sentence: str) -> bool:
    """Whether a double quotation opened in `sentence` is still open at its end (curly
    quotes counted as pairs, straight ones by parity)."""
    curly = sentence.count("“") - sentence.count("”")
    return curly > 0 or sentence.count('"') % 2 == 1


def _is_abbreviation(upto_stop: str) -> bool:
    words = upto_stop.split()
    if not words:
        return False
    word = words[-1].lstrip("\"'“‘([")
    if _INITIALISM.search(word) and len(word.replace(".", "")) <= 3:
        return True
    return word[:-1].lower() in _ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# A daily excerpt is ideally this long (characters), and at most this many paragraphs.
EXCERPT_IDEAL = (300, 1000)
EXCERPT_MAX_PARAGRAPHS = 3
# Past this a paragraph cannot be shown whole (an embed holds 4,096 characters): it is
# cut at sentence ends into pieces of about the ideal length.
EXCERPT_HARD_LIMIT = 4000


@dataclass(frozen=True)
class ExcerptSpan:
    """Paragraphs `first`..`last` (1-based) of a body; `body[start:end]` is the text."""

    first: int
    last: int
    start: int
    end: int


def _deviation(length: int) -> int:
    low, high = EXCERPT_IDEAL
    return max(0, low - length, length - high)


def excerpt_spans(body: str) -> list[ExcerptSpan]:
    """Cut a body into excerpts: runs of one to three whole paragraphs.

    Chooses the cut that strays least from the ideal length in total and, among equal
    cuts, gives the most excerpts. Never cuts inside a sentence.
    """
    paragraphs = paragraph_spans(body)
    pieces: list[ExcerptSpan] = []
    for number, (start, end) in enumerate(paragraphs, start=1):
        if end - start <= EXCERPT_HARD_LIMIT:
            pieces.append(ExcerptSpan(number, number, start, end))
        else:
            pieces.extend(_long_paragraph(body, number, start, end))
    # best[i]: (total deviation, -number of excerpts, cut) for the first i pieces.
    best: list[tuple[int, int, list[ExcerptSpan]]] = [(0, 0, [])]
    for i in range(1, len(pieces) + 1):
        options = []
        for size in range(1, EXCERPT_MAX_PARAGRAPHS + 1):
            j = i - size
            if j < 0:
                break
            group = pieces[j:i]
            # A piece of a long paragraph stands alone.
            if size > 1 and any(p.first == p.last and _is_part(p, paragraphs) for p in group):
                break
            span = ExcerptSpan(group[0].first, group[-1].last, group[0].start, group[-1].end)
            deviation, count, cut = best[j]
            options.append((deviation + _deviation(span.end - span.start), count - 1, cut, span))
        deviation, count, cut, span = min(options, key=lambda o: (o[0], o[1]))
        best.append((deviation, count, [*cut, span]))
    return best[-1][2]


def _is_part(piece: ExcerptSpan, paragraphs: list[tuple[int, int]]) -> bool:
    return (piece.start, piece.end) != paragraphs[piece.first - 1]


def _long_paragraph(body: str, number: int, start: int, end: int) -> list[ExcerptSpan]:
    """Pieces of an over-long paragraph, each whole sentences up to the ideal length."""
    pieces: list[ExcerptSpan] = []
    piece_start: int | None = None
    piece_end = start
    for s_start, s_end in sentence_spans(body[start:end], offset=start):
        if piece_start is not None and s_end - piece_start > EXCERPT_IDEAL[1]:
            pieces.append(ExcerptSpan(number, number, piece_start, piece_end))
            piece_start = None
        if piece_start is None:
            piece_start = s_start
        piece_end = s_end
    if piece_start is not None:
        pieces.append(ExcerptSpan(number, number, piece_start, piece_end))
    return pieces
