"""/round: rounds planned ahead, with sign-ups, reminders and Discord scheduled events.

The plan lives in the database (bot.services.schedules). This cog turns commands and
sign-up buttons into service calls, keeps each occurrence's next due instant in a batched
alarm, and keeps Discord in step: the sign-up message, the server's scheduled event
(scheduled, active, completed or cancelled) and, at start time, the round itself, opened
and started through the Debate cog.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator
from bot.client import MootBot
from bot.embeds import MOOT_COLOUR
from bot.errors import MootError
from bot.formats import Format
from bot.models import PlannedStatus, RoundStatus
from bot.replies import confirm, report_error
from bot.schedule import REPEATS, discord_time, format_local, local_day, parse_when
from bot.services import rounds, schedules
from bot.services.guild_config import get_settings
from bot.services.schedules import CHOICE_LABELS, PlannedView
from bot.timers import Alarms, TimerWork
from cogs.debate import format_choices

if TYPE_CHECKING:
    from cogs.debate import Debate

log = logging.getLogger("moot.planning")

REPEAT_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in REPEATS.items()]
SHORT_CHOICES = [
    app_commands.Choice(name="Postpone it", value="postpone"),
    app_commands.Choice(name="Cancel it", value="cancel"),
]
# Discord lets one message mention at most this many users by allowed_mentions.
MENTION_LIMIT = 100
# What an event's end is set to after its start, beyond the format's own length.
EVENT_MARGIN = timedelta(minutes=10)
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELLED = 1, 2, 3, 4
# The only moves Discord lets an app make (a time change keeps an event scheduled).
EVENT_MOVES = {
    (EVENT_SCHEDULED, EVENT_SCHEDULED),
    (EVENT_SCHEDULED, EVENT_ACTIVE),
    (EVENT_ACTIVE, EVENT_COMPLETED),
    (EVENT_SCHEDULED, EVENT_CANCELLED),
}


class SignupButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"signup:(?P<planned>\d+):(?P<choice>realist|values|audience|absent)",
):
    """A sign-up answer; the plan lives in the database, so restarts are fine."""

    def __init__(
        self,
        planned_id: int,
        choice: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=CHOICE_LABELS[choice],
                style=style,
                custom_id=f"signup:{planned_id}:{choice}",
                disabled=disabled,
            )
        )
        self.planned_id = planned_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SignupButton:
        return cls(int(match["planned"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, MootBot)
        cog = client.get_cog("Planning")
        try:
            if not isinstance(cog, Planning):
                raise MootError("Sign-ups are not available right now; try again in a moment.")
            await cog.sign_up(interaction, self.planned_id, self.choice)
        except Exception as error:
            await report_error(interaction, error)


def signup_embed(view: PlannedView, fmt: Format | None) -> discord.Embed:
    embed = discord.Embed(title=f"Planned round: {view.motion}"[:256], colour=MOOT_COLOUR)
    lines = [
        f"{discord_time(view.starts_at, 'F')} ({discord_time(view.starts_at, 'R')})",
        f"{fmt.name if fmt else view.format_key} · pace {view.pace:g} · {REPEATS[view.repeat]}",
        "Sign up below: speakers are seated in the order they signed up.",
    ]
    embed.description = "\n".join(lines)
    for choice, label in CHOICE_LABELS.items():
        names = ", ".join(s.name for s in view.chose(choice)) or "nobody yet"
        embed.add_field(name=label, value=names[:1024], inline=False)
    state = {
        PlannedStatus.UPCOMING: "Sign-ups open",
        PlannedStatus.STARTED: "Started",
        PlannedStatus.DONE: "Over",
        PlannedStatus.SKIPPED: "Skipped",
        PlannedStatus.CANCELLED: "Cancelled",
    }[view.status]
    note = f" · {view.note}" if view.note else ""
    embed.set_footer(text=f"Planned round #{view.id} · {state}{note}"[:2048])
    return embed


def signup_buttons(view: PlannedView) -> discord.ui.View:
    closed = view.status is not PlannedStatus.UPCOMING
    ui = discord.ui.View(timeout=None)
    styles = {
        "realist": discord.ButtonStyle.primary,
        "values": discord.ButtonStyle.success,
    }
    for choice in CHOICE_LABELS:
        ui.add_item(
            SignupButton(
                view.id,
                choice,
                style=styles.get(choice, discord.ButtonStyle.secondary),
                disabled=closed,
            )
        )
    return ui


# Said in /round info and /round list while the bot may not create the server's event
# (the sweeper does not try without the permission, so nothing retries in a loop).
NO_EVENT_PERMISSION = (
    "No server event: I need the Create Events permission. Once a server admin gives it to "
    "me, the event is created within a few minutes."
)


def can_create_events(guild: discord.Guild | None) -> bool:
    """Whether the bot may create scheduled events (Discord's Create Events, 1 << 44)."""
    return guild is not None and guild.me.guild_permissions.create_events


def can_edit_events(guild: discord.Guild | None) -> bool:
    """Whether the bot may edit or end the events it created: Create Events or Manage
    Events, as Discord documents."""
    if guild is None:
        return False
    permissions = guild.me.guild_permissions
    return permissions.create_events or permissions.manage_events


def event_text(view: PlannedView, guild: discord.Guild | None) -> str | None:
    """What /round info says of the occurrence's server event, if anything."""
    if view.event_id is not None:
        return f"https://discord.com/events/{view.guild_id}/{view.event_id}"
    if view.status is PlannedStatus.UPCOMING and not can_create_events(guild):
        return NO_EVENT_PERMISSION
    return None


def round_length(fmt: Format | None, pace: float) -> timedelta:
    """How long a round of `fmt` takes at `pace`, for the end of its Discord event."""
    if fmt is None:
        return timedelta(hours=1)
    seconds = sum(turn.scaled(pace) for turn in fmt.turns) + rounds.voting_seconds(fmt, pace)
    return timedelta(seconds=seconds) + EVENT_MARGIN


@app_commands.guild_only()
class Planning(commands.GroupCog, group_name="round", group_description="Plan rounds ahead"):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.timers = TimerWork(bot.clock, "plan")
        self.alarms = Alarms(bot.clock, self.tick)
        self.alarms_built = False
        bot.track(self.timers)
        bot.track(self.alarms)
        # Occurrences this process is bringing to Discord right now: the sweeper leaves
        # them alone (another process never has them: servers are split by shard).
        self.busy: set[int] = set()
        # Occurrences whose event waits for the Create Events permission (logged once).
        self.event_blocked: set[int] = set()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SignupButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SignupButton)
        await self.timers.close()
        await self.alarms.close()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.timers.every("sweep", self.bot.settings.sweep_seconds, self.sweep)

    def format_of(self, view: PlannedView) -> Format | None:
        return self.bot.formats.get(view.format_key)

    async def timezone(self, guild_id: int) -> str:
        async with self.bot.db.session() as session:
            return (await get_settings(guild_id, session=session)).timezone

    # --- commands ----------------------------------------------------------------------

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
    )
    @app_commands.choices(repeat=REPEAT_CHOICES, if_short=SHORT_CHOICES)
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
        count: app_commands.Range[int, 1, schedules.MAX_COUNT] | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
        if_short: app_commands.Choice[str] | None = None,
        postpone: app_commands.Range[int, 5, 1440] = 30,
        pace: app_commands.Range[float, rounds.PACE_RANGE[0], rounds.PACE_RANGE[1]] = 1.0,
    ) -> None:
        assert interaction.guild is not None
        debate = self.debate()
        fmt = debate.format_named(format)
        channel = await debate.round_channel(interaction, channel)
        if not can_create_events(interaction.guild):
            raise MootError(
                "I need the Create Events permission to add planned rounds to the server's "
                "events. Ask a server admin to give it to me."
            )
        now = self.bot.clock.now()
        zone = await self.timezone(interaction.guild.id)
        first = parse_when(when, zone, now)
        last_day = local_day(parse_when(until, zone, now), zone) if until else None
        marks = schedules.parse_reminders(
            reminders if reminders is not None else schedules.DEFAULT_REMINDERS
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            view = await schedules.plan(
                interaction.guild.id,
                channel.id,
                motion=motion,
                fmt=fmt,
                pace=pace,
                timezone=zone,
                first_at=first,
                repeat=repeat.value if repeat else "none",
                until=last_day,
                count=count,
                reminders=marks,
                when_short=if_short.value if if_short else "postpone",
                postpone_minutes=postpone,
                by=interaction.user.id,
                now=now,
                session=session,
            )
        view = await self.publish(view)
        self.alarms.set(view.id, view.due_at)
        series = "" if not view.is_series else f", repeating {REPEATS[view.repeat]}"
        await interaction.followup.send(
            f"Planned round #{view.id}: {discord_time(view.starts_at, 'F')} "
            f"({view.when}){series}. Sign-ups are open in <#{view.channel_id}>; reminders "
            f"{schedules.reminders_text(view.reminders)} before.",
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
            views = await schedules.upcoming(interaction.guild_id, session=session)
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
            view = await schedules.get_planned(id, interaction.guild_id, session=session)
        embed = signup_embed(view, self.format_of(view))
        embed.add_field(name="Reminders", value=schedules.reminders_text(view.reminders))
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
            moved = await schedules.cancel(
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
        await self.moved(moved)

    @app_commands.command(name="skip", description="Skip one round of a series")
    @app_commands.describe(id="The planned round's number")
    @is_moderator()
    async def skip(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            moved = await schedules.skip(
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
        await self.moved(moved)

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
            view = await schedules.reschedule(
                id, interaction.guild_id, at=at, now=now, session=session
            )
        await interaction.response.send_message(
            f"Planned round #{id} now starts {discord_time(view.starts_at, 'F')} ({view.when}).",
            ephemeral=True,
        )
        self.alarms.set(view.id, view.due_at)
        await self.refresh(view)

    reschedule.autocomplete("when")(understood)

    # --- sign-ups ----------------------------------------------------------------------

    async def sign_up(self, interaction: discord.Interaction, planned_id: int, choice: str) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await schedules.sign_up(
                planned_id,
                interaction.guild_id,
                interaction.user.id,
                interaction.user.display_name,
                choice,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.edit_message(
            embed=signup_embed(view, self.format_of(view)), view=signup_buttons(view)
        )
        await confirm(
            interaction,
            f"You are down as **{CHOICE_LABELS[choice]}** for planned round #{view.id}; "
            "you can change it until the start.",
        )

    # --- keeping Discord in step -------------------------------------------------------

    def debate(self) -> Debate:
        # Imported when used: the Debate extension's own module object is the one loaded.
        from cogs.debate import Debate

        cog = self.bot.get_cog("Debate")
        if not isinstance(cog, Debate):
            raise MootError("Rounds are not available right now; try again in a moment.")
        return cog

    def event_payload(self, view: PlannedView) -> dict[str, Any]:
        fmt = self.format_of(view)
        return {
            "name": f"Debate: {view.motion}"[:100],
            "description": (
                f"{fmt.name if fmt else view.format_key}. Sign up in the channel: "
                f"planned round #{view.id}."
            )[:1000],
            "scheduled_start_time": view.starts_at.isoformat(),
            "scheduled_end_time": (view.starts_at + round_length(fmt, view.pace)).isoformat(),
            "entity_type": 3,  # external: located at the round's channel
            "entity_metadata": {"location": self.location(view)},
            "privacy_level": 2,
        }

    def location(self, view: PlannedView) -> str:
        channel = self.bot.get_channel(view.channel_id)
        return f"#{channel.name}" if isinstance(channel, discord.TextChannel) else "Discord"

    async def publish(self, view: PlannedView, *, recovering: bool = False) -> PlannedView:
        """Post an upcoming occurrence's sign-up message and create its event, whichever is
        missing. A failure is logged; the sweeper tries again. `recovering`: the sweeper's
        catch-up, after which a sign-up message may already be in the channel (posted
        before a crash, longer ago than Discord remembers its nonce)."""
        if view.id in self.busy or view.status is not PlannedStatus.UPCOMING:
            return view
        self.busy.add(view.id)
        try:
            # Each part is remembered as soon as it exists, so a retry never repeats it.
            if view.signup_message_id is None:
                message_id = await self.bot.post(
                    view.channel_id,
                    embed=signup_embed(view, self.format_of(view)),
                    view=signup_buttons(view),
                    nonce=f"signup{view.id}",
                    recover=recovering,
                )
                async with self.bot.db.session() as session:
                    await schedules.record_discord(
                        view.id, signup_message_id=message_id, session=session
                    )
            if view.event_id is None and not can_create_events(self.bot.get_guild(view.guild_id)):
                # Said in /round info and /round list; the sweeper tries again only once
                # the permission is there (Discord tells the bot when a role changes).
                if view.id not in self.event_blocked:
                    self.event_blocked.add(view.id)
                    log.warning(
                        "planned round %s: no Create Events permission in server %s",
                        view.id,
                        view.guild_id,
                    )
            elif view.event_id is None:
                self.event_blocked.discard(view.id)
                event = await self.bot.http.create_guild_scheduled_event(
                    view.guild_id, **self.event_payload(view)
                )
                async with self.bot.db.session() as session:
                    await schedules.record_discord(
                        view.id, event_id=int(event["id"]), session=session
                    )
        except discord.HTTPException:
            log.warning("planned round %s: could not publish it", view.id, exc_info=True)
        finally:
            self.busy.discard(view.id)
        async with self.bot.db.session() as session:
            return (await schedules.load_planned([view.id], session=session))[view.id]

    async def refresh(self, view: PlannedView) -> None:
        """Bring the sign-up message and the event in step with the occurrence."""
        if view.signup_message_id is not None:
            try:
                await self.bot.edit(
                    view.channel_id,
                    view.signup_message_id,
                    embed=signup_embed(view, self.format_of(view)),
                    view=signup_buttons(view),
                )
            except discord.HTTPException:
                log.info("planned round %s: could not update its sign-up message", view.id)
        if view.event_id is None:
            return
        if not can_edit_events(self.bot.get_guild(view.guild_id)):
            log.warning("planned round %s: no permission to update its event", view.id)
            return
        change: dict[str, Any] = {
            PlannedStatus.UPCOMING: {
                k: v
                for k, v in self.event_payload(view).items()
                if k in ("scheduled_start_time", "scheduled_end_time")
            },
            PlannedStatus.STARTED: {"status": EVENT_ACTIVE},
            PlannedStatus.DONE: {"status": EVENT_COMPLETED},
            PlannedStatus.SKIPPED: {"status": EVENT_CANCELLED},
            PlannedStatus.CANCELLED: {"status": EVENT_CANCELLED},
        }[view.status]
        try:
            event = await self.bot.http.get_scheduled_event(
                view.guild_id, view.event_id, with_user_count=False
            )
            now_status = int(event["status"])
            wanted = change.get("status", EVENT_SCHEDULED)
            if view.status is PlannedStatus.UPCOMING and now_status != EVENT_SCHEDULED:
                # Postponed after Discord put the event live (a side emptied after the
                # roll call) or ended it (the bot was down through its time): an event
                # cannot move back. End a live one; the new time gets an event of its own.
                if now_status == EVENT_ACTIVE:
                    await self.bot.http.edit_scheduled_event(
                        view.guild_id, view.event_id, status=EVENT_COMPLETED
                    )
                async with self.bot.db.session() as session:
                    await schedules.forget_event(view.id, view.event_id, session=session)
                    fresh = (await schedules.load_planned([view.id], session=session))[view.id]
                await self.publish(fresh)  # or, while busy with it, the next sweep
                return
            if now_status in (EVENT_COMPLETED, EVENT_CANCELLED) or (
                "status" in change and now_status == wanted
            ):
                return  # Discord moved it already (it starts and ends external events)
            if now_status == EVENT_ACTIVE and wanted == EVENT_CANCELLED:
                # Discord put it live at its start; a live event cannot be cancelled,
                # only ended, which at least takes it off the server's "happening now".
                change = {"status": EVENT_COMPLETED}
                wanted = EVENT_COMPLETED
            if (now_status, wanted) not in EVENT_MOVES:
                log.warning(
                    "planned round %s: its event is %s and cannot become %s",
                    view.id,
                    now_status,
                    wanted,
                )
                return
            await self.bot.http.edit_scheduled_event(view.guild_id, view.event_id, **change)
        except discord.HTTPException:
            log.info("planned round %s: could not update its event", view.id, exc_info=True)

    async def moved(self, moved: schedules.Moved) -> None:
        self.alarms.set(moved.changed.id, None)
        await self.refresh(moved.changed)
        if moved.added is not None:
            added = await self.publish(moved.added)
            self.alarms.set(added.id, added.due_at)

    # --- timers ------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Set every upcoming occurrence's alarm (once after start-up; later, those that are
        overdue or unknown), and catch up on Discord what a stopped process left behind."""
        try:
            now = self.bot.clock.now()
            count, ids = self.bot.shard_count, self.bot.shard_ids
            async with self.bot.db.session() as session:
                due = await schedules.due_planned(shard_count=count, shard_ids=ids, session=session)
                behind = await schedules.needing_discord(
                    shard_count=count, shard_ids=ids, session=session
                )
            for planned_id, at in due:
                if not self.alarms_built or at <= now or planned_id not in self.alarms:
                    self.alarms.set(planned_id, at)
            self.alarms_built = True
            self.alarms.start()
            for view in behind:
                if view.id not in self.busy:
                    await self.catch_up(view)
        except Exception:
            log.exception("the planning sweep failed; the next one will try again")

    async def catch_up(self, view: PlannedView) -> None:
        """Do what a stopped process left undone for one occurrence."""
        if view.status is PlannedStatus.UPCOMING:
            await self.publish(view, recovering=True)
            return
        round_view = None
        if view.round_id is not None:
            async with self.bot.db.session() as session:
                round_view = (await rounds.load_rounds([view.round_id], session=session)).get(
                    view.round_id
                )
        if round_view is None or round_view.is_over:
            async with self.bot.db.session() as session:
                finished = await schedules.finish(view.id, session=session)
                view = (await schedules.load_planned([view.id], session=session))[view.id]
            if finished:
                await self.refresh(view)
            return
        # Started, but the process stopped before the round was opened or started.
        await self.refresh(await self.open_and_start(view, round_view))

    async def tick(self, planned_ids: list[int]) -> None:
        """Occurrences' alarms: send the reminder that is due, or start the round."""
        for planned_id in planned_ids:
            if self.timers.closing:
                return
            try:
                await self.act(planned_id)
            except Exception:
                log.exception("planned round %s: the timer failed", planned_id)

    async def act(self, planned_id: int) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            reminder = await schedules.remind(planned_id, now=now, session=session)
        if reminder is not None:
            await self.send_reminder(reminder)
        self.busy.add(planned_id)
        try:
            async with self.bot.db.session() as session:
                begun = await schedules.begin(
                    planned_id, formats=self.bot.formats, now=now, session=session
                )
            if begun is not None:
                await self.begun(begun)
        finally:
            self.busy.discard(planned_id)
        async with self.bot.db.session() as session:
            view = (await schedules.load_planned([planned_id], session=session)).get(planned_id)
        if view is not None and view.status is PlannedStatus.UPCOMING:
            self.alarms.set(planned_id, view.due_at)

    async def send_reminder(self, reminder: schedules.Reminder) -> None:
        view = reminder.view
        people = [s.user_id for s in view.coming][:MENTION_LIMIT]
        who = (
            "Signed up: " + " ".join(f"<@{u}>" for u in people)
            if people
            else "Nobody has signed up yet: use the buttons on the sign-up message."
        )
        try:
            await self.bot.post(
                view.channel_id,
                content=(
                    f"⏰ Planned round #{view.id}, **{view.motion}**, starts "
                    f"{discord_time(view.starts_at, 'R')} ({discord_time(view.starts_at, 't')}). "
                    f"{who}"
                )[:2000],
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(u) for u in people]
                ),
                nonce=f"remind{view.id}-{reminder.minutes}",
            )
        except discord.HTTPException:
            log.warning("planned round %s: could not send a reminder", view.id, exc_info=True)

    async def begun(self, begun: schedules.Begun) -> None:
        view = begun.view
        if begun.round is not None:
            view = await self.open_and_start(view, begun.round)
            await self.refresh(view)
        else:
            missing = " or ".join(side.label for side in begun.missing) or "the format"
            if view.status is PlannedStatus.UPCOMING:
                text = (
                    f"Planned round #{view.id}, **{view.motion}**: nobody signed up for "
                    f"{missing}, so it is postponed to {discord_time(view.starts_at, 't')} "
                    f"({discord_time(view.starts_at, 'R')}). Sign up on the message above."
                )
                self.alarms.set(view.id, view.due_at)
            else:
                text = f"Planned round #{view.id}, **{view.motion}**, is cancelled: {view.note}"
            try:
                await self.bot.post(view.channel_id, content=text[:2000])
            except discord.HTTPException:
                log.warning("planned round %s: could not say it is short", view.id)
            await self.refresh(view)
        if begun.added is not None:
            added = await self.publish(begun.added)
            self.alarms.set(added.id, added.due_at)

    async def open_and_start(self, view: PlannedView, round_view: rounds.RoundView) -> PlannedView:
        """Open the round's thread (unless it has one) and start it (unless started). If
        the channel is gone or closed to moot, the occurrence is cancelled with the reason
        instead of being retried at every sweep. Returns the occurrence as it now is."""
        debate = self.debate()
        fmt = self.format_of(view)
        if fmt is None:
            return view
        if round_view.thread_id is None:
            try:
                round_view = await debate.open_thread(round_view, fmt)
            except (discord.NotFound, discord.Forbidden, MootError) as error:
                log.warning("planned round %s: cannot open its round: %s", view.id, error)
                now = self.bot.clock.now()
                async with self.bot.db.session() as session:
                    with contextlib.suppress(MootError):
                        await rounds.end(
                            round_view.id, by=view.created_by, now=now, session=session
                        )
                    return await schedules.abandon(
                        view.id,
                        "Cancelled: the round's channel is gone, or moot may no longer post there.",
                        session=session,
                    )
        if round_view.status is not RoundStatus.LOBBY:
            return view
        try:
            async with self.bot.db.session() as session:
                changes = await rounds.start(
                    round_view.id,
                    fmt=fmt,
                    by=view.created_by,
                    now=self.bot.clock.now(),
                    session=session,
                )
        except MootError:
            return view  # started by someone else meanwhile
        await debate.after(changes)
        return view


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Planning(bot))
