"""Autocomplete choices that several commands offer: the installed formats and the
essays."""

from __future__ import annotations

from collections.abc import Mapping

from discord import app_commands

from bot.db import Database
from bot.formats import Format
from bot.services.quotes import essay_choices


def format_choices(formats: Mapping[str, Format], typed: str) -> list[app_commands.Choice[str]]:
    """The formats whose name or key holds what is typed, for autocomplete."""
    typed = typed.lower()
    return [
        app_commands.Choice(name=f.name, value=f.key)
        for f in formats.values()
        if typed in f.name.lower() or typed in f.key
    ][:25]


async def essay_suggestions(db: Database, typed: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the active essays whose title or slug holds what is typed."""
    async with db.session() as session:
        found = await essay_choices(typed, session=session)
    return [app_commands.Choice(name=label, value=slug) for label, slug in found]
