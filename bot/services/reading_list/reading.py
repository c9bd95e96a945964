"""Reading an attached file as essay text: plain text, Markdown, or the article of an HTML
page (extracted with trafilatura, from the file alone: nothing is fetched).

Every refusal names what is wrong and, where a limit is the reason, the limit.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import PurePath

from bot.errors import MootError
from bot.services.reading_list.limits import MAX_ESSAY_CHARS, MAX_FILE_BYTES

KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown"}
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# File types people attach by mistake, recognised by their first bytes.
_MAGIC = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP archive (a .docx or .odt is one)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Word document",
    b"{\\rtf": "an RTF document",
}
_HTML_START = ("<!doctype html", "<html", "<?xml")
# A paragraph of running text has at least this many words (a menu or a title has fewer).
MIN_WORDS = 5


@dataclass(frozen=True)
class ReadFile:
    """A file's text, what it was read as, and what the page says of itself (HTML only)."""

    kind: str
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    source_url: str | None = None


def kind_of(filename: str) -> str:
    """ "html", "markdown" or "text", from the file's name; a MootError for anything else."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in KINDS:
        return KINDS[suffix]
    raise MootError(
        f"“{filename[:80]}” is not a file I can read: attach plain text (.txt), "
        "Markdown (.md) or a web page saved as HTML (.html)."
    )


def check_size(size: int) -> None:
    """Refuse a file over the size limit before it is even downloaded."""
    if size > MAX_FILE_BYTES:
        raise MootError(
            f"That file is {size / 1024:,.0f} KiB; an essay file may be at most "
            f"{MAX_FILE_BYTES // 1024:,} KiB."
        )


def read_file(filename: str, data: bytes) -> ReadFile:
    """The essay text of an attached file, or a MootError saying why it cannot be read."""
    kind = kind_of(filename)
    check_size(len(data))
    if not data.strip():
        raise MootError("That file is empty: there is no essay text in it.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise MootError(f"That file is {what}, not text. Attach plain text, Markdown or HTML.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise MootError("That file is UTF-16 text. Save it as UTF-8 and attach it again.")
    if b"\x00" in data[:8192]:
        raise MootError("That file is binary, not text. Attach plain text, Markdown or HTML.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MootError(
            f"That file is not UTF-8 text (byte 0x{data[error.start]:02X} at position "
            f"{error.start:,} is not UTF-8). Save it as UTF-8 and attach it again."
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if kind != "html" and text.lstrip()[:20].lower().startswith(_HTML_START):
        kind = "html"
    read = _article(text) if kind == "html" else ReadFile(kind, text)
    if len(read.text) > MAX_ESSAY_CHARS:
        raise MootError(
            f"That essay is {len(read.text):,} characters long; one essay may be at most "
            f"{MAX_ESSAY_CHARS:,}."
        )
    if not any(len(line.split()) >= MIN_WORDS for line in read.text.split("\n")):
        raise MootError(
            "I found no paragraphs of text in that file"
            + (" (no article in the page)" if kind == "html" else "")
            + f": an essay needs at least one paragraph of {MIN_WORDS} words or more."
        )
    return read


def _article(html: str) -> ReadFile:
    """The article of a saved web page: its paragraphs one per line become paragraphs
    separated by blank lines, and the page's own title, author and date are kept to
    prefill the form (the moderator confirms them)."""
    # Imported here: only /corpus add reads HTML.
    import trafilatura
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_recall=True,
    )
    if not isinstance(document, Document) or not (document.text or "").strip():
        return ReadFile("html", "")
    lines = [line for line in (document.text or "").split("\n") if line.strip()]
    url = document.url if document.url and document.url.startswith("http") else None
    return ReadFile(
        "html",
        "\n\n".join(lines),
        title=document.title or None,
        author=document.author or None,
        published=document.date or None,
        source_url=url,
    )
