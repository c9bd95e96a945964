"""/help: what members and moderators can do."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderators_only
from bot.client import MootBot
from bot.embeds import MOOT_COLOUR


def _walk(items: list[Any], moderator: bool) -> list[tuple[str, str, bool]]:
    """(name, description, moderators only) for every slash command under `items`.

    A command is the moderators' when it, or a group above it, is hidden from members
    (`default_member_permissions`) or when it carries the moderator check: a group open
    to everyone may still hold moderator subcommands (/round schedule under /round)."""
    found: list[tuple[str, str, bool]] = []
    for item in items:
        own = item.default_permissions
        restricted = moderator or bool(own and own.value)
        if isinstance(item, app_commands.Group):
            found += _walk(list(item.commands), restricted)
        elif isinstance(item, app_commands.Command):
            restricted = restricted or moderators_only(item)
            found.append((item.qualified_name, item.description, restricted))
    return found


def add_lines(embed: discord.Embed, name: str, lines: list[str]) -> None:
    """Lines under `name`, in as many fields as Discord's 1,024-character limit needs."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        if sum(len(x) + 1 for x in chunks[-1]) + len(line) > 1024:
            chunks.append([])
        chunks[-1].append(line)
    for number, chunk in enumerate(chunks):
        title = name if number == 0 else f"{name} (continued)"
        embed.add_field(name=title, value="\n".join(chunk) or "Nothing yet.", inline=False)


class Help(commands.Cog):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What moot can do for members and moderators")
    async def help(self, interaction: discord.Interaction) -> None:
        commands_ = self.bot.tree.get_commands(type=discord.AppCommandType.chat_input)
        entries = _walk(list(commands_), False)
        members = [f"`/{name}`: {text}" for name, text, mod in sorted(entries) if not mod]
        moderators = [f"`/{name}`: {text}" for name, text, mod in sorted(entries) if mod]
        embed = discord.Embed(
            title="moot: realist vs values debates",
            description=(
                "moot runs structured debates between a realist side and a values side, "
                "built on a small corpus of foreign-policy essays."
            ),
            colour=MOOT_COLOUR,
        )
        add_lines(embed, "Everyone", members)
        menus = [c.name for c in self.bot.tree.get_commands(type=discord.AppCommandType.message)]
        if menus:
            embed.add_field(
                name="On any message (Apps menu)",
                value="\n".join(f"**{name}**" for name in sorted(menus)),
                inline=False,
            )
        add_lines(embed, "Moderators (Manage Server or the moderator role)", moderators)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Help(bot))
