"""/excerpt: setting up, previewing, posting and pausing a server's daily excerpt, and the
votes under each post. The commands turn into service calls (bot.services.excerpts); the
poster (poster.py) keeps each server's alarm and does the posting."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator
from bot.client import MootBot
from bot.domain import Rotation, ScheduleStatus, Side
from bot.errors import THREAD_ARCHIVED, MootError
from bot.services import excerpts
from bot.services.guild_config import check_timezone, get_settings, timezone_suggestions
from bot.times import parse_time_of_day
from cogs.excerpts.buttons import VoteButton
from cogs.excerpts.poster import ExcerptPoster, missing_permissions
from cogs.excerpts.render import (
    excerpt_embed,
    setup_embed,
    status_embed,
    status_line,
    vote_view,
)

log = logging.getLogger("moot.excerpts")

ROTATIONS = [
    app_commands.Choice(name="Alternate realist and values (default)", value="alternate"),
    app_commands.Choice(name="Balanced: the side posted less often goes next", value="balanced"),
    app_commands.Choice(name="Random side each day", value="random"),
]


async def show_tally_in_archived_thread(
    client: MootBot, message: discord.Message, view: discord.ui.View
) -> None:
    """Unarchive the bot's own thread (its creator may) and update the tally, once. (A
    thread a moderator locked is left as it is: the count is kept in the database and
    shows the next time the tally can be edited; nothing is retried.)"""
    try:
        await client.http.edit_channel(message.channel.id, archived=False)
        await client.edit(message.channel.id, message.id, view=view)
    except discord.HTTPException as error:
        log.info(
            "excerpt vote in archived thread %s: tally not updated (%s)",
            message.channel.id,
            error.text or error.status,
        )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Excerpts(
    commands.GroupCog, group_name="excerpt", group_description="Daily excerpts from the essays"
):
    def __init__(self, bot: MootBot, poster: ExcerptPoster) -> None:
        self.bot = bot
        self.poster = poster

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Sweep only once the servers are in the cache; on_ready also follows reconnects.
        self.poster.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)
        await self.poster.close()

    # --- votes -------------------------------------------------------------------------

    async def vote(self, interaction: discord.Interaction, post_id: int, side: Side) -> None:
        """A member's vote on which side the excerpt supports; the tally under it follows."""
        async with self.bot.db.session() as session:
            tally = await excerpts.vote(
                post_id,
                interaction.user.id,
                side,
                now=self.bot.clock.now(),
                session=session,
            )
        said = (
            f"You said the passage supports **{side.label}**. "
            "Click the other button to change your vote."
        )
        try:
            await interaction.response.edit_message(view=vote_view(post_id, tally))
        except discord.HTTPException as error:
            if error.code != THREAD_ARCHIVED:
                raise
            # The discussion thread archived itself (nobody can edit a message in an
            # archived thread): the vote is counted and answered all the same.
            await interaction.response.send_message(said, ephemeral=True)
            locked = isinstance(interaction.channel, discord.Thread) and (
                interaction.channel.locked
            )
            if interaction.message is not None and not locked:
                await show_tally_in_archived_thread(
                    self.bot, interaction.message, vote_view(post_id, tally)
                )
            return
        await interaction.followup.send(said, ephemeral=True)

    # --- commands ----------------------------------------------------------------------

    @app_commands.command(name="setup", description="Post a daily excerpt in a channel")
    @app_commands.describe(
        channel="Where the excerpt is posted",
        time="Local time of day, such as 08:00, 8am or 20:30",
        timezone="IANA time zone; defaults to the server's (/config timezone)",
        ping_role="A role to mention with each post (never @everyone)",
        thread="Open a discussion thread with side votes under each post",
        rotation="How the side of each day's excerpt is chosen",
    )
    @app_commands.choices(rotation=ROTATIONS)
    @is_moderator()
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str | None = None,
        ping_role: discord.Role | None = None,
        thread: bool = False,
        rotation: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        minute_of_day = parse_time_of_day(time)
        async with self.bot.db.session() as session:
            server = await get_settings(interaction.guild.id, session=session)
        zone = check_timezone(timezone) if timezone else server.timezone
        if ping_role is not None and ping_role.is_default():
            raise MootError(
                "I won't ping @everyone with the daily excerpt. Pick a role members can "
                "opt into, or leave ping_role empty."
            )
        missing = missing_permissions(channel, thread=thread)
        if missing:
            raise MootError(
                f"I can't post excerpts in {channel.mention}: I'm missing "
                f"{', '.join(missing)} there. Grant them, or pick another channel."
            )
        chosen = Rotation(rotation.value) if rotation else Rotation.ALTERNATE
        async with self.bot.db.session() as session:
            view = await excerpts.setup_schedule(
                interaction.guild.id,
                channel_id=channel.id,
                minute_of_day=minute_of_day,
                timezone=zone,
                ping_role_id=ping_role.id if ping_role else None,
                thread=thread,
                rotation=chosen,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        self.poster.set_timer(view.guild_id, view.next_post_at)
        embed = setup_embed(view)
        if ping_role is not None and not ping_role.mentionable:
            me = interaction.guild.me
            if not channel.permissions_for(me).mention_everyone:
                embed.add_field(
                    name="Note",
                    value=f"{ping_role.mention} is not mentionable and I lack Mention "
                    "@everyone, so the ping will not notify anyone. Make the role "
                    "mentionable in Server Settings → Roles.",
                    inline=False,
                )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @setup.autocomplete("timezone")
    async def timezone_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_suggestions(current)]

    @app_commands.command(name="now", description="Post the next excerpt right away")
    @is_moderator()
    async def now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            claim = await excerpts.claim_now(
                interaction.guild_id,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        problem = await self.poster.post_now(claim)
        if problem is not None:
            raise MootError(f"The excerpt was not posted: {problem}")
        await interaction.followup.send(
            f"Posted {claim.excerpt.side.label} excerpt ({claim.excerpt.place}) in "
            f"<#{claim.schedule.channel_id}>. It counts toward the rotation.",
            ephemeral=True,
        )

    @app_commands.command(name="preview", description="See the next excerpt (only you see it)")
    @is_moderator()
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            excerpt = await excerpts.preview(interaction.guild_id, session=session)
        await interaction.response.send_message(
            content="Preview of the next post. Nothing was posted or changed.",
            embed=excerpt_embed(excerpt, "Daily excerpt · preview"),
            ephemeral=True,
        )

    async def _set_status(self, interaction: discord.Interaction, status: ScheduleStatus) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await excerpts.set_status(
                interaction.guild_id,
                status,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        self.poster.set_timer(view.guild_id, view.next_post_at)
        await interaction.response.send_message(status_line(view), ephemeral=True)

    @app_commands.command(name="pause", description="Pause the daily excerpt")
    @is_moderator()
    async def pause(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.PAUSED)

    @app_commands.command(name="resume", description="Resume a paused daily excerpt")
    @is_moderator()
    async def resume(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.ACTIVE)

    @app_commands.command(name="disable", description="Turn the daily excerpt off")
    @is_moderator()
    async def disable(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.DISABLED)

    @app_commands.command(name="status", description="Next post, last post, rotation, errors")
    @is_moderator()
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await excerpts.status(interaction.guild_id, session=session)
        await interaction.response.send_message(embed=status_embed(view), ephemeral=True)
