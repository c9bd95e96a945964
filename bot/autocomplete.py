"""Choices that several commands offer: the installed formats, the essays, and which side
argues for the motion."""

from __future__ import annotations

from collections.abc import Mapping

from discord import app_commands

from bot.db import Database
from bot.formats import Format
from bot.services.quotes import essay_choices

# Which side argues for the motion: /debate start and /round schedule both ask.
PROPOSING_CHOICES = [
    app_commands.Choice(name="Realist (for the motion; Values against)", value="realist"),
    app_commands.Choice(name="Values (for the motion; Realist against)", value="values"),
]


def format_choices(formats: Mapping[str, Format], typed: str) -> list[app_commands.Choice[str]]:
    """The formats whose name or key holds what is typed, for autocomplete."""
    typed = typed.lower()
    return [
        app_commands.Choice(name=f.name, value=f.key)
        for f in formats.values()
        if typed in f.name.lower() or typed in f.key
    ][:25]


async def essay_suggestions(
    db: Database, typed: str, guild_id: int | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the essays the server reads (the shipped ones and its own
    reading list) whose title or slug holds what is typed; without `guild_id`, the
    shipped essays only."""
    async with db.session() as session:
        found = await essay_choices(typed, session=session, guild_id=guild_id)
    return [app_commands.Choice(name=label, value=slug) for label, slug in found]
