"""/round: rounds planned ahead, with sign-ups, reminders and Discord scheduled events.
The plan lives in the database (bot.services.planning); the commands turn into service
calls, and the plan keeper (keeper.py) brings each change to Discord."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.floor.checks import kind_of, missing_permissions
from bot.actions.rounds.opening import default_venue, format_named, round_channel
from bot.autocomplete import PROPOSING_CHOICES, format_choices
from bot.checks import is_moderator
from bot.client import MootBot
from bot.domain import Side
from bot.embeds import MOOT_COLOUR
from bot.errors import MootError
from bot.replies import confirm
from bot.services import planning, rounds
from bot.services.guild_config import get_settings
from bot.services.planning import CHOICE_LABELS
from bot.times import REPEATS, discord_time, format_local, local_day, parse_when
from cogs.planning.events import can_create_events, event_text
from cogs.planning.keeper import PlanKeeper
from cogs.planning.signups import SignupButton, signup_buttons, signup_embed

REPEAT_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in REPEATS.items()]
SHORT_CHOICES = [
    app_commands.Choice(name="Postpone it", value="postpone"),
    app_commands.Choice(name="Cancel it", value="cancel"),
]


@app_commands.guild_only()
class Planning(commands.GroupCog, group_name="round", group_description="Plan rounds ahead"):
    def __init__(self, bot: MootBot, keeper: PlanKeeper) -> None:
        self.bot = bot
        self.keeper = keeper

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SignupButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SignupButton)
        await self.keeper.close()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.keeper.start()

    async def timezone(self, guild_id: int) -> str:
        async with self.bot.db.session() as session:
            return (await get_settings(guild_id, session=session)).timezone

    @app_commands.command(name="schedule", description="Plan a round, once or repeating")
    @app_commands.describe(
        when="When, in the server's time zone: “friday 8pm”, “2026-12-01 18:00”, “in 2 hours”",
        motion="What the round debates",
        format="Debate format (default Realist vs Values)",
        channel="Channel for the sign-ups and the round (default: the debate channel or here)",
        repeat="How it repeats (default: once)",
        until="Last day of the series (read like `when`)",
        count="How many rounds the series has",
        reminders="When to remind who signed up, before the start (default “24h, 15m”)",
        if_short="If a side has nobody at start time (default: postpone it)",
        postpone="Minutes to postpone by when a side has nobody (default 30)",
        pace="Scale every time by this (0.5 = half as long)",
        proposing="The side that argues for the motion (default Realist)",
        venue="A Stage or voice channel where moot holds the floor (default: the server's)",
    )
    @app_commands.choices(
        repeat=REPEAT_CHOICES, if_short=SHORT_CHOICES, proposing=PROPOSING_CHOICES
    )
    @is_moderator()
    async def schedule(
        self,
        interaction: discord.Interaction,
        when: app_commands.Range[str, 1, 100],
        motion: app_commands.Range[str, 1, rounds.MOTION_MAX],
        format: str | None = None,
        channel: discord.TextChannel | None = None,
        repeat: app_commands.Choice[str] | None = None,
        until: app_commands.Range[str, 1, 100] | None = None,
        count: app_commands.Range[int, 1, planning.MAX_COUNT] | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
        if_short: app_commands.Choice[str] | None = None,
        postpone: app_commands.Range[int, 5, 1440] = 30,
        pace: app_commands.Range[float, rounds.PACE_RANGE[0], rounds.PACE_RANGE[1]] = 1.0,
        proposing: app_commands.Choice[str] | None = None,
        venue: discord.StageChannel | discord.VoiceChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        fmt = format_named(self.bot.formats, format)
        channel = await round_channel(self.bot, interaction, channel)
        if not can_create_events(interaction.guild):
            raise MootError(
                "I need the Create Events permission to add planned rounds to the server's "
                "events. Ask a server admin to give it to me."
            )
        venue = venue or await default_venue(self.bot, interaction.guild)
        kind = kind_of(venue)
        if venue is not None and kind is not None:
            missing = missing_permissions(venue, event=True)
            if missing:
                raise MootError(
                    f"I can't hold the floor in {venue.mention}: I'm missing "
                    f"{', '.join(missing)} there. Grant them, or pick another venue."
                )
        now = self.bot.clock.now()
        zone = await self.timezone(interaction.guild.id)
        first = parse_when(when, zone, now)
        last_day = local_day(parse_when(until, zone, now), zone) if until else None
        marks = planning.parse_reminders(
            reminders if reminders is not None else planning.DEFAULT_REMINDERS
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            view = await planning.plan(
                interaction.guild.id,
                channel.id,
                motion=motion,
                fmt=fmt,
                pace=pace,
                timezone=zone,
                first_at=first,
                proposition=Side(proposing.value) if proposing else Side.REALIST,
                repeat=repeat.value if repeat else "none",
                until=last_day,
                count=count,
                reminders=marks,
                when_short=if_short.value if if_short else "postpone",
                postpone_minutes=postpone,
                by=interaction.user.id,
                now=now,
                session=session,
                venue=(venue.id, kind) if venue is not None and kind is not None else None,
            )
        view = await self.keeper.publish(view)
        self.keeper.desk.set(view.id, view.due_at)
        series = "" if not view.is_series else f", repeating {REPEATS[view.repeat]}"
        await interaction.followup.send(
            f"Planned round #{view.id}: {discord_time(view.starts_at, 'F')} "
            f"({view.when}){series}. Sign-ups are open in <#{view.channel_id}>; reminders "
            f"{planning.reminders_text(view.reminders)} before.",
            ephemeral=True,
        )

    @schedule.autocomplete("when")
    @schedule.autocomplete("until")
    async def understood(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Echo how the bot reads what is typed, so the moderator sees it before sending."""
        typed = current.strip()[:100]
        if not typed or interaction.guild_id is None:
            return []
        zone = await self.timezone(interaction.guild_id)
        try:
            at = parse_when(typed, zone, self.bot.clock.now())
        except MootError as error:
            return [app_commands.Choice(name=f"✗ {error}"[:100], value=typed)]
        return [app_commands.Choice(name=f"✓ {format_local(at, zone)}"[:100], value=typed)]

    @schedule.autocomplete("format")
    async def format_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return format_choices(self.bot.formats, current)

    @app_commands.command(name="list", description="Planned rounds still to come")
    async def list_planned(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            views = await planning.upcoming(interaction.guild_id, session=session)
        if not views:
            await interaction.response.send_message(
                "No rounds are planned. A moderator can plan one with /round schedule.",
                ephemeral=True,
            )
            return
        lines = []
        for v in views:
            counts = " · ".join(
                f"{CHOICE_LABELS[c]} {len(v.chose(c))}" for c in ("realist", "values", "audience")
            )
            series = f" · {REPEATS[v.repeat]}" if v.is_series else ""
            no_event = (
                " · no server event (I need Create Events)"
                if v.event_id is None and not can_create_events(interaction.guild)
                else ""
            )
            lines.append(
                f"**#{v.id}** {discord_time(v.starts_at, 'f')} ({discord_time(v.starts_at, 'R')})"
                f"{series}\n{v.motion[:120]}\n{counts}{no_event}"
            )
        embed = discord.Embed(title="Planned rounds", colour=MOOT_COLOUR)
        embed.description = "\n\n".join(lines)[:4000]
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="info", description="One planned round: time, sign-ups, status")
    @app_commands.describe(id="The planned round's number (see /round list)")
    async def info(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await planning.get_planned(id, interaction.guild_id, session=session)
        embed = signup_embed(view, self.keeper.format_of(view))
        embed.add_field(name="Reminders", value=planning.reminders_text(view.reminders))
        if view.is_series:
            ends = [
                f"until {view.until:%d %b %Y}" if view.until else "",
                f"{view.count} rounds in all" if view.count else "",
            ]
            embed.add_field(
                name="Series",
                value=f"{REPEATS[view.repeat]}, {', '.join(e for e in ends if e) or 'no end set'}"
                + (" (cancelled)" if view.series_status == "cancelled" else ""),
            )
        if view.round_id is not None:
            embed.add_field(name="Round", value=f"Round {view.round_id}")
        event = event_text(view, interaction.guild)
        if event is not None:
            embed.add_field(name="Server event", value=event, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a planned round (or its series)")
    @app_commands.describe(id="The planned round's number", series="Cancel the whole series")
    @is_moderator()
    async def cancel(self, interaction: discord.Interaction, id: int, series: bool = False) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            moved = await planning.cancel(
                id,
                interaction.guild_id,
                series=series,
                by_name=interaction.user.display_name,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            f"Cancelled planned round #{id}" + (" and its series." if series else "."),
            ephemeral=True,
        )
        await self.keeper.moved(moved)

    @app_commands.command(name="skip", description="Skip one round of a series")
    @app_commands.describe(id="The planned round's number")
    @is_moderator()
    async def skip(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            moved = await planning.skip(
                id,
                interaction.guild_id,
                by_name=interaction.user.display_name,
                now=self.bot.clock.now(),
                session=session,
            )
        after = (
            f" The next is #{moved.added.id}, {discord_time(moved.added.starts_at, 'F')}."
            if moved.added
            else " The series has no more rounds."
        )
        await interaction.response.send_message(
            f"Skipped planned round #{id}.{after}", ephemeral=True
        )
        await self.keeper.moved(moved)

    @app_commands.command(name="reschedule", description="Move a planned round")
    @app_commands.describe(id="The planned round's number", when="The new time")
    @is_moderator()
    async def reschedule(
        self, interaction: discord.Interaction, id: int, when: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild_id is not None
        now = self.bot.clock.now()
        zone = await self.timezone(interaction.guild_id)
        at = parse_when(when, zone, now)
        async with self.bot.db.session() as session:
            view = await planning.reschedule(
                id, interaction.guild_id, at=at, now=now, session=session
            )
        await interaction.response.send_message(
            f"Planned round #{id} now starts {discord_time(view.starts_at, 'F')} ({view.when}).",
            ephemeral=True,
        )
        self.keeper.desk.set(view.id, view.due_at)
        await self.keeper.refresh(view)

    reschedule.autocomplete("when")(understood)

    async def sign_up(self, interaction: discord.Interaction, planned_id: int, choice: str) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await planning.sign_up(
                planned_id,
                interaction.guild_id,
                interaction.user.id,
                interaction.user.display_name,
                choice,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.edit_message(
            embed=signup_embed(view, self.keeper.format_of(view)), view=signup_buttons(view)
        )
        await confirm(
            interaction,
            f"You are down as **{CHOICE_LABELS[choice]}** for planned round #{view.id}; "
            "you can change it until the start.",
        )
