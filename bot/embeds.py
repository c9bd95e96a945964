"""Colours and small builders shared by the cogs' embeds."""

from __future__ import annotations

import discord

from bot.domain import Side

MOOT_COLOUR = discord.Colour(0x5865F2)
SIDE_COLOURS = {Side.REALIST: discord.Colour(0x3B82F6), Side.VALUES: discord.Colour(0xF59E0B)}
LABEL_NOTE = "The title in brackets is a descriptive label, not the author's."
