"""Answers to members: one sentence, ephemeral, whether or not the interaction was already
answered; and the one place that turns an error into that sentence."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
from discord import app_commands

from bot.checks import NotModerator
from bot.errors import MootError

log = logging.getLogger("moot.bot")

UNEXPECTED = (
    "Something went wrong on our side and it has been logged. Please try again in a moment."
)


async def reply(interaction: discord.Interaction, content: str, *, ephemeral: bool = True) -> None:
    """Answer whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral)


async def confirm(interaction: discord.Interaction, content: str) -> None:
    """A private note after the interaction was answered and its change made and shown
    (a vote counted, a sign-up taken). If Discord refuses the note, the change still
    stands: log it rather than tell the member something went wrong."""
    try:
        await interaction.followup.send(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send a confirmation to user %s", interaction.user.id, exc_info=True)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Tell the member what went wrong in one ephemeral sentence; log what was unexpected.

    Used by the command tree's on_error and by components (buttons), whose errors do not
    pass through the tree.
    """
    original = getattr(error, "original", error)
    if isinstance(original, MootError):
        message = str(original)
    elif isinstance(error, NotModerator):
        message = str(error)
    elif isinstance(error, app_commands.NoPrivateMessage):
        message = "That command works only inside a server."
    elif isinstance(error, app_commands.MissingPermissions):
        message = "You need the Manage Server permission for that."
    elif isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        message = f"I am missing permissions here: {needed}. Ask a server admin to add them."
    elif isinstance(error, app_commands.TransformerError):
        message = f"“{str(error.value)[:80]}” is not a valid value for that option."
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = f"Slow down: try again in {error.retry_after:.0f} seconds."
    else:
        command = interaction.command.qualified_name if interaction.command else "?"
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id", "")
        log.error(
            "unexpected error in /%s %s (guild %s, user %s)",
            command,
            custom_id,
            interaction.guild_id,
            interaction.user.id,
            exc_info=original,
        )
        message = UNEXPECTED
    try:
        await reply(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the member about an error", exc_info=True)


@asynccontextmanager
async def reporting(interaction: discord.Interaction) -> AsyncIterator[None]:
    """For buttons and forms, whose errors do not pass through the command tree: an error
    inside becomes the member's one ephemeral sentence, as a command's would."""
    try:
        yield
    except Exception as error:
        await report_error(interaction, error)
