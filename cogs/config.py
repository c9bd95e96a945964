"""/config: a server's moderator role, timezone, default debate channel and default venue
(a Stage or voice channel where rounds hold the floor) (moderators)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.floor.checks import missing_permissions
from bot.checks import is_moderator
from bot.client import MootBot
from bot.embeds import MOOT_COLOUR
from bot.services.guild_config import (
    GuildSettings,
    get_settings,
    timezone_suggestions,
    update_settings,
)


def settings_embed(settings: GuildSettings, title: str) -> discord.Embed:
    role = f"<@&{settings.moderator_role_id}>" if settings.moderator_role_id else "not set"
    channel = f"<#{settings.debate_channel_id}>" if settings.debate_channel_id else "not set"
    venue = f"<#{settings.venue_channel_id}>" if settings.venue_channel_id else "not set"
    embed = discord.Embed(title=title, colour=MOOT_COLOUR)
    embed.add_field(name="Moderator role", value=role, inline=False)
    embed.add_field(name="Timezone", value=settings.timezone, inline=False)
    embed.add_field(name="Debate channel", value=channel, inline=False)
    embed.add_field(name="Venue (Stage or voice)", value=venue, inline=False)
    embed.set_footer(text="Members with Manage Server are always moderators.")
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="Server settings"):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot

    @app_commands.command(name="show", description="Show this server's moot settings")
    @is_moderator()
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            settings = await get_settings(interaction.guild_id, session=session)
        await interaction.response.send_message(
            embed=settings_embed(settings, "moot settings"), ephemeral=True
        )

    @app_commands.command(
        name="moderator-role", description="Set (or clear) the role that may run moderator commands"
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @is_moderator()
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild_id is not None
        if role is not None and role.is_default():
            await interaction.response.send_message(
                "@everyone cannot be the moderator role: pick a role only moderators have.",
                ephemeral=True,
            )
            return
        async with self.bot.db.session() as session:
            settings = await update_settings(
                interaction.guild_id, session=session, moderator_role_id=role.id if role else None
            )
        if self.bot.floor is not None:
            # Moderators are never moved on a round's Stage or muted in its voice channel.
            self.bot.floor.moderator_role_changed(interaction.guild_id, settings.moderator_role_id)
        title = "Moderator role set" if role else "Moderator role cleared"
        await interaction.response.send_message(
            embed=settings_embed(settings, title), ephemeral=True
        )

    @app_commands.command(name="timezone", description="Set the server's timezone")
    @app_commands.describe(name="An IANA time zone such as Europe/Paris; pick from the list")
    @is_moderator()
    async def timezone(self, interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            settings = await update_settings(interaction.guild_id, session=session, timezone=name)
        await interaction.response.send_message(
            embed=settings_embed(settings, "Timezone set"), ephemeral=True
        )

    @timezone.autocomplete("name")
    async def timezone_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_suggestions(current)]

    @app_commands.command(
        name="debate-channel", description="Set the channel debates open in by default"
    )
    @app_commands.describe(channel="A text channel the bot can post and open threads in")
    @is_moderator()
    async def debate_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild_id is not None
        permissions = channel.permissions_for(channel.guild.me)
        missing = [
            label
            for label, ok in (
                ("View Channel", permissions.view_channel),
                ("Send Messages", permissions.send_messages),
                ("Embed Links", permissions.embed_links),
                ("Create Public Threads", permissions.create_public_threads),
            )
            if not ok
        ]
        if missing:
            await interaction.response.send_message(
                f"I can't run debates in {channel.mention}: I'm missing {', '.join(missing)} "
                "there. Grant them, or pick another channel.",
                ephemeral=True,
            )
            return
        async with self.bot.db.session() as session:
            settings = await update_settings(
                interaction.guild_id, session=session, debate_channel_id=channel.id
            )
        await interaction.response.send_message(
            embed=settings_embed(settings, "Debate channel set"), ephemeral=True
        )

    @app_commands.command(
        name="venue", description="Set (or clear) the Stage or voice channel rounds are heard in"
    )
    @app_commands.describe(channel="A Stage (preferred) or voice channel; leave empty to clear it")
    @is_moderator()
    async def venue(
        self,
        interaction: discord.Interaction,
        channel: discord.StageChannel | discord.VoiceChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if channel is not None:
            missing = missing_permissions(channel)
            if missing:
                await interaction.response.send_message(
                    f"I can't hold the floor in {channel.mention}: I'm missing "
                    f"{', '.join(missing)} there. Grant them, or pick another channel.",
                    ephemeral=True,
                )
                return
        async with self.bot.db.session() as session:
            settings = await update_settings(
                interaction.guild_id,
                session=session,
                venue_channel_id=channel.id if channel else None,
            )
        title = "Venue set" if channel else "Venue cleared"
        await interaction.response.send_message(
            embed=settings_embed(settings, title), ephemeral=True
        )


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Config(bot))
