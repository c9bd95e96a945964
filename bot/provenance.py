"""How an essay's title, author and date are shown, wherever they appear (embeds, thread
names, autocomplete, the command line): what we inferred is marked as inferred. Plain
text, no Discord, so services and the command line use the same rule."""

from __future__ import annotations

ELLIPSIS = "…"


def fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def essay_title(title: str, is_label: bool, *, limit: int = 256) -> str:
    """An essay's title in at most `limit` characters: a descriptive label we gave it is
    shown in brackets (kept whole when the label is cut)."""
    if is_label:
        return f"[{fit(title, limit - 2)}]"
    return fit(title, limit)


def essay_author(author: str | None, attributed: bool) -> str:
    """An essay's author: "author unknown", or the name, marked "(attributed)" when it
    was inferred rather than given in the essay."""
    if author is None:
        return "author unknown"
    return f"{author} (attributed)" if attributed else author


def essay_date(published: str, inferred: bool) -> str:
    """An essay's date as precise as known, marked "(inferred)" when the essay does not
    state it."""
    return f"{published} (inferred)" if inferred else published
