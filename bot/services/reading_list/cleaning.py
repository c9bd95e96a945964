"""Cleaning an added essay the way the shipped ones were cleaned (corpus/README.md), but
never silently: each edit is proposed, shown, and applied only if the moderator accepts it.

An edit only ever removes a whole line (a header line, a caption, an "Editor's note") or
joins a paragraph a page break split to the next one with one space. No sentence is
rewritten; besides accepted edits, only whitespace between paragraphs is made regular
(one blank line between paragraphs, no trailing spaces), as for the shipped essays.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import asdict, dataclass, replace

# At most this many edits are proposed (each gets a button; Discord allows 25 a message).
MAX_EDITS = 20
# A header line is short and does not read as a sentence.
_HEADER_CHARS = 200
_HEADER_LINES = 4
_EDITORS_NOTE = re.compile(r"^\W*editors?[’'`]?s?\s+note\b", re.IGNORECASE)
_CAPTION = re.compile(
    r"^\W*(image|photo|photograph|picture|illustration|caption|credit|figure|fig\.)"
    r"\s*(\d+\s*)?[:.(—–-]",
    re.IGNORECASE,
)
_CREDIT = re.compile(r"\((via )?(getty images|reuters|ap photo|afp)[^)]*\)\s*$", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"'”’)\]*_]\s*$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Edit:
    """One proposed cleaning edit: remove line `line` (0-based, of the text as read), or
    join the paragraph ending at line `line` to the next one."""

    kind: str  # "remove" or "join"
    line: int
    reason: str
    text: str
    accepted: bool = True

    def describe(self) -> str:
        """One line for the preview."""
        if self.kind == "join":
            return f"join line {self.line + 1} to the next paragraph ({self.reason})"
        return f"remove line {self.line + 1} ({self.reason})"


def dump_edits(edits: list[Edit]) -> str:
    return json.dumps([asdict(edit) for edit in edits], ensure_ascii=False)


def load_edits(stored: str) -> list[Edit]:
    return [Edit(**item) for item in json.loads(stored)]


def toggled(edits: list[Edit], index: int) -> list[Edit]:
    """The edits with edit `index` accepted if it was refused, refused if it was accepted."""
    return [replace(e, accepted=not e.accepted) if i == index else e for i, e in enumerate(edits)]


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line numbers of each run of non-blank lines."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    for number, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = number
        elif start is not None:
            found.append((start, number - 1))
            start = None
    if start is not None:
        found.append((start, len(lines) - 1))
    return found


def propose_edits(text: str, *, known: tuple[str | None, ...] = ()) -> list[Edit]:
    """The cleaning edits proposed for an essay's text, in the order of its lines.

    `known` holds what the page said its title, author and date are: a leading line that
    is one of them is a header line whatever its shape.
    """
    lines = text.split("\n")
    paragraphs = _paragraphs(lines)
    known_lines = {k.strip().lower() for k in known if k}
    edits: dict[int, Edit] = {}

    # Header lines: short lines at the top, before the first line that reads as prose.
    seen = 0
    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        seen += 1
        heading = _MARKDOWN_HEADING.match(line) is not None
        if seen > _HEADER_LINES or not (heading or _looks_like_header(line, known_lines)):
            break
        edits[number] = Edit("remove", number, "header line: title, author or date", line)

    for first, last in paragraphs:
        for number in range(first, last + 1):
            line = lines[number].strip()
            if number in edits:
                continue
            if _EDITORS_NOTE.match(line):
                edits[number] = Edit("remove", number, "editor's note", line)
            elif len(line) <= 300 and (_CAPTION.match(line) or _CREDIT.search(line)):
                edits[number] = Edit("remove", number, "image caption", line)

    # Page-break splits: a paragraph that stops mid-sentence, and a next one that goes on
    # in lower case.
    for (_, last), (next_first, _) in itertools.pairwise(paragraphs):
        if last in edits or next_first in edits:
            continue
        end, start = lines[last].rstrip(), lines[next_first].lstrip()
        if end and start[:1].islower() and not _ENDS_SENTENCE.search(end):
            joined = f"…{end[-40:].lstrip()} / {start[:40].rstrip()}…"
            edits[last] = Edit("join", last, "a page break split the paragraph", joined)
    return [edits[number] for number in sorted(edits)][:MAX_EDITS]


def _looks_like_header(line: str, known: set[str]) -> bool:
    """A title, byline or date: what the page says it is, "By ...", or a short line that
    is not a sentence and is capitalised like a title or a name, or holds a number (a
    date)."""
    if line.lower().lstrip("# ").strip() in known or line.lower().startswith("by "):
        return True
    if len(line) > _HEADER_CHARS or _ENDS_SENTENCE.search(line):
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w’'.-]*", line) if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in words)
    return any(c.isdigit() for c in line) or (bool(words) and capitalised >= 0.6 * len(words))


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The essay body: `text` with the accepted edits made, whitespace between paragraphs
    made regular. Every character of it comes from `text`, in order, except the single
    spaces that join split paragraphs and the newlines between paragraphs."""
    removed = {e.line for e in edits if e.accepted and e.kind == "remove"}
    joins = {e.line for e in edits if e.accepted and e.kind == "join"}
    out: list[str] = []
    joining = False
    for number, line in enumerate(text.split("\n")):
        if number in removed:
            continue
        if joining and out:
            if not line.strip():
                continue
            out[-1] = out[-1].rstrip() + " " + line.lstrip()
            joining = False
        else:
            out.append(line)
        if number in joins:
            joining = True
    body = "\n".join(line.rstrip() for line in out)
    return re.sub(r"\n{3,}", "\n\n", body).strip()
