"""Keeping Discord in step with the plan: each occurrence's sign-up message and server
event, its reminders, and at start time its round, opened and started through the round
actions (bot/actions/rounds). One batched alarm per occurrence of this process's shards,
and a sweep for whatever a stopped process left behind."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.actions.rounds.opening import start_planned
from bot.actions.rounds.runner import RoundRunner
from bot.alarms import AlarmDesk
from bot.domain import PlannedStatus
from bot.errors import MootError
from bot.formats import Format
from bot.names import as_name, names_in
from bot.services import planning, rounds
from bot.services.planning import PlannedView
from bot.times import discord_time
from cogs.planning.events import (
    EVENT_ACTIVE,
    EVENT_AT_STAGE,
    EVENT_CANCELLED,
    EVENT_COMPLETED,
    EVENT_EXTERNAL,
    EVENT_MOVES,
    EVENT_SCHEDULED,
    can_create_events,
    can_edit_events,
    round_length,
)
from cogs.planning.signups import signup_buttons, signup_embed

if TYPE_CHECKING:
    from bot.client import MootBot

log = logging.getLogger("moot.planning")

# Discord lets one message mention at most this many users by allowed_mentions.
MENTION_LIMIT = 100


class PlanKeeper:
    """The planned rounds of this process's shards, kept in step with Discord."""

    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.desk: AlarmDesk[int] = AlarmDesk(
            bot.clock, "planning", due=self.due, ring=self.tick, after_sweep=self.catch_up_all
        )
        bot.track(self.desk)
        # Occurrences this process is bringing to Discord right now: the sweeper leaves
        # them alone (another process never has them: servers are split by shard).
        self.busy: set[int] = set()
        # Occurrences whose event waits for the Create Events permission (logged once).
        self.event_blocked: set[int] = set()

    def start(self) -> None:
        """Sweep from now on; the first sweep arms every upcoming occurrence."""
        self.desk.start(self.bot.settings.sweep_seconds)

    async def close(self) -> None:
        await self.desk.close()

    def format_of(self, view: PlannedView) -> Format | None:
        return self.bot.formats.get(view.format_key)

    def runner(self) -> RoundRunner:
        """The rounds' runner, which the /debate extension sets up."""
        if self.bot.rounds is None:
            raise MootError("Rounds are not available right now; try again in a moment.")
        return self.bot.rounds

    def event_payload(self, view: PlannedView) -> dict[str, Any]:
        fmt = self.format_of(view)
        names = names_in(self.bot.get_guild(view.guild_id))
        return {
            # An event's name shows mentions raw: the motion is shown by name there.
            "name": as_name(f"Debate: {view.motion}", names, limit=100),
            "description": (
                f"{fmt.name if fmt else view.format_key}. Sign up in the channel: "
                f"planned round #{view.id}."
            )[:1000],
            "scheduled_start_time": view.starts_at.isoformat(),
            "scheduled_end_time": (view.starts_at + round_length(fmt, view.pace)).isoformat(),
            "privacy_level": 2,
        } | self.place(view)

    def place(self, view: PlannedView) -> dict[str, Any]:
        """Where the event is: the round's Stage (a Stage event, which the Stage instance
        moot opens at the start is linked to), else the round's channel (external)."""
        stage = self.bot.get_channel(view.venue_channel_id) if view.venue_channel_id else None
        if isinstance(stage, discord.StageChannel):
            return {"entity_type": EVENT_AT_STAGE, "channel_id": stage.id}
        return {
            "entity_type": EVENT_EXTERNAL,  # located at the round's channel
            "entity_metadata": {"location": self.location(view)},
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
                    await planning.record_discord(
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
                    await planning.record_discord(
                        view.id, event_id=int(event["id"]), session=session
                    )
        except discord.HTTPException:
            log.warning("planned round %s: could not publish it", view.id, exc_info=True)
        finally:
            self.busy.discard(view.id)
        async with self.bot.db.session() as session:
            return (await planning.load_planned([view.id], session=session))[view.id]

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
                    await planning.forget_event(view.id, view.event_id, session=session)
                    fresh = (await planning.load_planned([view.id], session=session))[view.id]
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

    async def moved(self, moved: planning.Moved) -> None:
        self.desk.set(moved.changed.id, None)
        await self.refresh(moved.changed)
        if moved.added is not None:
            added = await self.publish(moved.added)
            self.desk.set(added.id, added.due_at)

    async def due(self) -> list[tuple[int, datetime]]:
        """Every upcoming occurrence with its next instant (the desk arms them)."""
        count, ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            return await planning.due_planned(shard_count=count, shard_ids=ids, session=session)

    async def catch_up_all(self) -> None:
        """After each sweep: catch up on Discord what a stopped process left behind."""
        count, ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            behind = await planning.needing_discord(
                shard_count=count, shard_ids=ids, session=session
            )
        for view in behind:
            if view.id not in self.busy:
                await self.catch_up(view)

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
                finished = await planning.finish(view.id, session=session)
                view = (await planning.load_planned([view.id], session=session))[view.id]
            if finished:
                await self.refresh(view)
            return
        # Started, but the process stopped before the round was opened or started.
        await self.refresh(
            await start_planned(self.bot, self.runner(), view, round_view, recovering=True)
        )

    async def tick(self, planned_ids: list[int]) -> None:
        """Occurrences' alarms: send the reminder that is due, or start the round."""
        for planned_id in planned_ids:
            if self.desk.closing:
                return
            try:
                await self.act(planned_id)
            except Exception:
                log.exception("planned round %s: the timer failed", planned_id)

    async def act(self, planned_id: int) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            reminder = await planning.remind(planned_id, now=now, session=session)
        if reminder is not None:
            await self.send_reminder(reminder)
        self.busy.add(planned_id)
        try:
            async with self.bot.db.session() as session:
                begun = await planning.begin(
                    planned_id, formats=self.bot.formats, now=now, session=session
                )
            if begun is not None:
                await self.begun(begun)
        finally:
            self.busy.discard(planned_id)
        async with self.bot.db.session() as session:
            view = (await planning.load_planned([planned_id], session=session)).get(planned_id)
        if view is not None and view.status is PlannedStatus.UPCOMING:
            self.desk.set(planned_id, view.due_at)

    async def send_reminder(self, reminder: planning.Reminder) -> None:
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

    async def begun(self, begun: planning.Begun) -> None:
        view = begun.view
        if begun.round is not None:
            view = await start_planned(self.bot, self.runner(), view, begun.round)
            await self.refresh(view)
        else:
            missing = " or ".join(side.label for side in begun.missing) or "the format"
            if view.status is PlannedStatus.UPCOMING:
                text = (
                    f"Planned round #{view.id}, **{view.motion}**: nobody signed up for "
                    f"{missing}, so it is postponed to {discord_time(view.starts_at, 't')} "
                    f"({discord_time(view.starts_at, 'R')}). Sign up on the message above."
                )
                self.desk.set(view.id, view.due_at)
            else:
                text = f"Planned round #{view.id}, **{view.motion}**, is cancelled: {view.note}"
            try:
                await self.bot.post(view.channel_id, content=text[:2000])
            except discord.HTTPException:
                log.warning("planned round %s: could not say it is short", view.id)
            await self.refresh(view)
        if begun.added is not None:
            added = await self.publish(begun.added)
            self.desk.set(added.id, added.due_at)
