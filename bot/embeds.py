"""Colours and small builders shared by the cogs' embeds, and how an essay's title, author
and date are shown: wherever they appear, what we inferred is marked as inferred."""

from __future__ import annotations

import discord

from bot.domain import Side
from bot.names import fit

MOOT_COLOUR = discord.Colour(0x5865F2)
SIDE_COLOURS = {Side.REALIST: discord.Colour(0x3B82F6), Side.VALUES: discord.Colour(0xF59E0B)}
LABEL_NOTE = "The title in brackets is a descriptive label, not the author's."


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
