"""Where a match sits in the verbatim text, and how it is shown."""

from __future__ import annotations

# Markers the databases wrap matches in; control characters never occur in essays.
OPEN, CLOSE = "\x02", "\x03"


def marked_spans(verbatim: str, marked: str | None) -> tuple[tuple[int, int], ...]:
    """Offsets of the marked spans, or none if the marked text is not the verbatim text."""
    if not marked or marked.replace(OPEN, "").replace(CLOSE, "") != verbatim:
        return ()
    spans = []
    position = 0
    start = 0
    for char in marked:
        if char == OPEN:
            start = position
        elif char == CLOSE:
            spans.append((start, _with_final_period(verbatim, start, position)))
        else:
            position += 1
    return tuple(spans)


def _with_final_period(verbatim: str, start: int, end: int) -> int:
    """The end of a match, taking in the final period of an abbreviation ("U.S."): the
    engines stop a word before it, and "**U.S**." reads as a typo."""
    if "." in verbatim[start:end] and verbatim[end : end + 1] == ".":
        return end + 1
    return end


def mark_matches(
    verbatim: str, matches: tuple[tuple[int, int], ...], *, width: int, mark: str = "**"
) -> str:
    """Wrap matches in `mark`, keeping a window of about `width` characters around the first."""
    begin, finish = 0, len(verbatim)
    if len(verbatim) > width:
        centre = matches[0][0] if matches else 0
        begin = max(0, min(centre - width // 3, len(verbatim) - width))
        finish = begin + width
    pieces = ["…" if begin else ""]
    cursor = begin
    for start, end in matches:
        if start < cursor or end > finish:
            continue
        pieces += [verbatim[cursor:start], mark, verbatim[start:end], mark]
        cursor = end
    pieces.append(verbatim[cursor:finish])
    if finish < len(verbatim):
        pieces.append("…")
    return "".join(pieces)
