"""Holding a round's floor in its venue: after every change of the round, the members
`floor_holders` names are brought up to speak (a Stage) or unmuted (a voice channel) and
the others moved to the audience or muted, the differences only, at once and beside the
thread's announcements. Every change is recorded before it is made; at the end moot puts
back what it changed, closes the Stage instance it opened, and lets the venue go.

Nothing here decides who speaks: the plan (bot.services.floor) follows `floor_holders`.
A moderator who moves someone by hand mid-turn is not fought: the venue is brought into
line again at the round's next change."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.actions.floor.stage import open_instance
from bot.batch import Batcher
from bot.domain import RoundStatus
from bot.services import floor, rounds
from bot.services.floor import HOLDING, MUTE, STAGE, Change, Present, Recorded, Venue
from bot.services.rounds import RoundView
from bot.services.rounds.floor import floor_holders

if TYPE_CHECKING:
    from bot.client import MootBot

log = logging.getLogger("moot.floor")

# How long what moot last set a member to stands against Discord's older reports.
EXPECTED_FOR = timedelta(seconds=5)
# A venue not looked up yet (None: the round has none).
UNKNOWN = Venue(0, 0, 0, "", "", "", None, False, None)

Vocal = discord.StageChannel | discord.VoiceChannel


class FloorKeeper:
    """The venues of this process's rounds, kept in line with each round."""

    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        # By round: its venue (None: it has none), the newest view still to follow, the
        # last one followed, the task following it, and its unsettled records.
        self.venues: dict[int, Venue | None] = {}
        self.latest: dict[int, RoundView] = {}
        self.seen: dict[int, RoundView] = {}
        self.driving: dict[int, asyncio.Task[None]] = {}
        self.records: dict[int, dict[tuple[int, str], Recorded]] = {}
        # Rounds whose Stage instance was seen to this run.
        self.instanced: set[int] = set()
        # Members server-muted by rounds now over who were not connected at the end: put
        # back as soon as they connect, by (server, member).
        self.owed: dict[tuple[int, int], list[Recorded]] = {}
        # What moot last set a member to, by (server, member), until Discord's next voice
        # state for them arrives: a change right after another must not be computed from
        # a state the gateway has not updated yet.
        self.expected: dict[tuple[int, int], dict[str, tuple[bool, datetime]]] = {}
        self.lookups: Batcher[int, Venue | None] = Batcher(self._look_up)
        self.writes: Batcher[tuple[int, int, int, str, bool], Recorded] = Batcher(self._write)
        for source in (self.lookups, self.writes):
            bot.track(source)

    # The round's side: follow each change.

    def follow(self, view: RoundView) -> None:
        """Bring the round's venue into line with `view`, in the background; nothing for a
        round known to have no venue (no database read)."""
        venue = self.venues.get(view.id, UNKNOWN)
        if venue is None or (venue is not UNKNOWN and venue.state != HOLDING):
            if view.is_over:
                self.venues.pop(view.id, None)  # its last change: nothing more to follow
            return
        self.latest[view.id] = view
        if view.id not in self.driving:
            self.driving[view.id] = self.bot.spawn(self._drive(view.id), f"floor-{view.id}")

    def forget(self, round_id: int) -> None:
        """Look the round's venue up again at its next change (it was just given one)."""
        self.venues.pop(round_id, None)

    async def _drive(self, round_id: int) -> None:
        """Follow the round's newest view until there is none newer: a change that comes
        while the previous is being made is made after it, and only the newest counts."""
        try:
            while (view := self.latest.pop(round_id, None)) is not None:
                try:
                    venue = await self.venue_of(round_id)
                    if venue is None or venue.state != HOLDING:
                        break
                    self.seen[round_id] = view
                    await self._follow(venue, view)
                except Exception:
                    log.exception("round %s: could not bring its venue into line", round_id)
        finally:
            self.latest.pop(round_id, None)
            self.driving.pop(round_id, None)

    async def venue_of(self, round_id: int) -> Venue | None:
        venue = self.venues.get(round_id, UNKNOWN)
        if venue is UNKNOWN:
            venue = (await self.lookups.run([round_id]))[0]
        return venue

    async def _look_up(self, round_ids: list[int]) -> list[Venue | None]:
        async with self.bot.db.session() as session:
            venues = await floor.load_venues(round_ids, session=session)
            held = [r for r, v in venues.items() if v.state == HOLDING]
            recorded = await floor.changes_of(held, session=session)
        for round_id in round_ids:
            self.venues[round_id] = venues.get(round_id)
        for record in recorded:
            self.records.setdefault(record.round_id, {})[(record.user_id, record.what)] = record
        return [venues.get(r) for r in round_ids]

    async def _write(self, changes: list[tuple[int, int, int, str, bool]]) -> list[Recorded]:
        async with self.bot.db.session() as session:
            recorded = await floor.record(changes, now=self.bot.clock.now(), session=session)
        found = {(r.round_id, r.user_id, r.what): r for r in recorded}
        return [found[(c[0], c[2], c[3])] for c in changes]

    async def _follow(self, venue: Venue, view: RoundView) -> None:
        if view.is_over:
            await self.release(venue)
            return
        channel = self.channel(venue)
        if channel is None or view.status is RoundStatus.LOBBY:
            return
        fmt = self.bot.formats.get(view.format_key)
        present = await self.present(channel)
        changes = floor.floor_changes(
            venue.kind,
            view,
            present.values(),
            silent_audience=bool(getattr(fmt, "silent_audience", False)),
        )
        work = [self.apply(venue, changes, present)]
        if venue.kind == STAGE and view.id not in self.instanced:
            work.append(open_instance(self, venue, view, channel))
        await asyncio.gather(*work)

    def channel(self, venue: Venue) -> Vocal | None:
        guild = self.bot.get_guild(venue.guild_id)
        channel = guild.get_channel(venue.channel_id) if guild else None
        return channel if isinstance(channel, Vocal) else None

    async def present(self, channel: Vocal) -> dict[int, Present]:
        """Who is in `channel` now, as the gateway last said, with moderators and the bot
        marked exempt."""
        return await self._present(channel.guild, channel.voice_states)

    async def connected(self, guild: discord.Guild) -> dict[int, Present]:
        """Who is connected to any voice channel or Stage of the server."""
        states: dict[int, discord.VoiceState] = {}
        for channel in guild.channels:
            if isinstance(channel, Vocal):
                states.update(channel.voice_states)
        return await self._present(guild, states)

    async def _present(
        self, guild: discord.Guild, states: dict[int, discord.VoiceState]
    ) -> dict[int, Present]:
        role_id = await self._moderator_role(guild.id)
        me = self.bot.user.id if self.bot.user else 0
        present = {}
        for user_id, state in states.items():
            exempt = user_id == me or await self._is_moderator(guild, user_id, role_id)
            known = {floor.SUPPRESS: bool(state.suppress), MUTE: bool(state.mute)}
            known |= {w: v for w, (v, _) in self.expected.get((guild.id, user_id), {}).items()}
            present[user_id] = Present(user_id, known[floor.SUPPRESS], known[MUTE], exempt)
        return present

    async def _moderator_role(self, guild_id: int) -> int | None:
        for venue in self.venues.values():
            if venue is not None and venue.guild_id == guild_id:
                return venue.moderator_role_id
        return None

    def moderator_role_changed(self, guild_id: int, role_id: int | None) -> None:
        """/config moderator-role changed: moderators are never moved."""
        for round_id, venue in list(self.venues.items()):
            if venue is not None and venue.guild_id == guild_id:
                self.venues[round_id] = replace(venue, moderator_role_id=role_id)

    async def _is_moderator(self, guild: discord.Guild, user_id: int, role_id: int | None) -> bool:
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                return False
        if member.guild_permissions.manage_guild:
            return True
        return role_id is not None and any(r.id == role_id for r in member.roles)

    async def apply(self, venue: Venue, changes: list[Change], present: dict[int, Present]) -> None:
        """Record the members' first changes in this round, then make every change at once."""
        if not changes:
            return
        known = self.records.setdefault(venue.round_id, {})
        first = [c for c in changes if (c.user_id, c.what) not in known]
        if first:
            recorded = await self.writes.run(
                [
                    (
                        venue.round_id,
                        venue.guild_id,
                        c.user_id,
                        c.what,
                        present[c.user_id].state(c.what),
                    )
                    for c in first
                ]
            )
            for record in recorded:
                known[(record.user_id, record.what)] = record
        await asyncio.gather(*(self.change(venue, c) for c in changes))

    async def change(self, venue: Venue, change: Change) -> bool:
        """Make one change; whether Discord took it."""
        try:
            if change.what == MUTE:
                await self.bot.http.edit_member(venue.guild_id, change.user_id, mute=change.value)
            else:
                await self.bot.http.edit_voice_state(
                    venue.guild_id,
                    change.user_id,
                    {"channel_id": venue.channel_id, "suppress": change.value},
                )
        except discord.HTTPException as error:
            level = logging.INFO if error.status in (400, 404) else logging.WARNING
            log.log(level, "round %s: could not change %s: %s", venue.round_id, change, error)
            return False
        when = self.bot.clock.now()
        self.expected.setdefault((venue.guild_id, change.user_id), {})[change.what] = (
            change.value,
            when,
        )
        return True

    async def intend(self, venue: Venue, opens: bool) -> Venue:
        """Record whether the round's Stage instance is moot's to close at the end."""
        async with self.bot.db.session() as session:
            await floor.intend_instance(venue.round_id, opens, session=session)
        venue = replace(venue, opens_instance=opens)
        self.venues[venue.round_id] = venue
        return venue

    # The end: put back what moot changed.

    async def release(self, venue: Venue) -> None:
        """The round is over: put everyone moot changed back as the round found them (a
        member not connected now is put back when they connect), close the Stage instance
        moot opened, and let the venue go."""
        round_id = venue.round_id
        async with self.bot.db.session() as session:
            records = await floor.changes_of([round_id], session=session)
        guild = self.bot.get_guild(venue.guild_id)
        channel = self.channel(venue)
        if guild is None:
            return  # not on this process's shards now; its next start does it
        if venue.kind == STAGE:
            present = await self.present(channel) if channel else {}
        else:
            present = await self.connected(guild)
        undoing = floor.undo(records, present)
        done = await asyncio.gather(*(self.change(venue, c) for _, c in undoing.changes))
        settled = undoing.settled + [
            r for (r, _), ok in zip(undoing.changes, done, strict=True) if ok
        ]
        owed = undoing.owed + [
            r for (r, _), ok in zip(undoing.changes, done, strict=True) if not ok
        ]
        if venue.opens_instance and channel is not None:
            try:
                await self.bot.http.delete_stage_instance(channel.id, reason=f"Round {round_id}")
            except discord.NotFound:
                pass
            except discord.HTTPException as error:
                log.warning("round %s: could not close its Stage: %s", round_id, error)
        async with self.bot.db.session() as session:
            await floor.settle([r.id for r in settled], session=session)
            await floor.release(round_id, session=session)
        for record in owed:
            self.owed.setdefault((venue.guild_id, record.user_id), []).append(record)
        self.venues[round_id] = replace(venue, state=floor.RELEASED)
        self.records.pop(round_id, None)
        self.seen.pop(round_id, None)
        self.instanced.discard(round_id)

    async def pay(self, guild: discord.Guild, user_id: int) -> None:
        """A member moot could not put back at a round's end has connected: do it now."""
        records = self.owed.pop((guild.id, user_id), [])
        if not records:
            return
        present = await self.connected(guild)
        undoing = floor.undo(records, present)
        settled = list(undoing.settled)
        for record, change in undoing.changes:
            venue = Venue(record.round_id, guild.id, 0, "voice", "", "", None, False, None)
            if await self.change(venue, change):
                settled.append(record)
            else:
                undoing.owed.append(record)
        if undoing.owed:
            self.owed[(guild.id, user_id)] = undoing.owed
        async with self.bot.db.session() as session:
            await floor.settle([r.id for r in settled], session=session)

    # Discord's side: a start, members coming and going.

    async def reconcile(self) -> None:
        """At start-up: bring every venue still held into line with its round as the
        database has it (the round may have moved on, or ended, while moot was down), and
        put back the members owed from rounds already over who are connected now."""
        count, ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            venues = await floor.held_venues(shard_count=count, shard_ids=ids, session=session)
            views = await rounds.load_rounds([v.round_id for v in venues], session=session)
            owed = await floor.owed(shard_count=count, shard_ids=ids, session=session)
        for venue in venues:
            self.venues[venue.round_id] = venue
            self.instanced.discard(venue.round_id)
        self.records.clear()
        async with self.bot.db.session() as session:
            for record in await floor.changes_of(views, session=session):
                self.records.setdefault(record.round_id, {})[(record.user_id, record.what)] = record
        for view in views.values():
            self.follow(view)
        self.owed.clear()
        for guild_id, record in owed:
            self.owed.setdefault((guild_id, record.user_id), []).append(record)
        for guild_id, user_id in list(self.owed):
            guild = self.bot.get_guild(guild_id)
            if guild is not None and user_id in await self.connected(guild):
                await self.pay(guild, user_id)

    async def voice_changed(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """A member joined, left or moved between voice channels (or was muted or moved to
        the audience: a moderator's doing, or moot's own, left alone). One who left the
        venue while holding the floor is noted in the thread; their turn runs on. One who
        came back is brought into line at once."""
        guild = member.guild
        self.confirmed(guild.id, member.id, after)
        gone = before.channel.id if before.channel else None
        come = after.channel.id if after.channel else None
        if come is not None and (guild.id, member.id) in self.owed:
            await self.pay(guild, member.id)
        if gone == come:
            return
        for venue in [v for v in self.venues.values() if v and v.state == HOLDING]:
            view = self.seen.get(venue.round_id)
            if venue.guild_id != guild.id or view is None:
                continue
            if gone == venue.channel_id:
                await self._left(venue, view, member)
            if come == venue.channel_id:
                await self._joined(venue, view, member.id)
            elif come is not None and venue.kind != STAGE:
                await self._elsewhere(venue, member)

    def confirmed(self, guild_id: int, user_id: int, state: discord.VoiceState) -> None:
        """Forget what moot last set a member to once Discord reports that value. A report
        of another value is older than moot's change, or a moderator's hand: moot's value
        stands until EXPECTED_FOR has passed, then Discord's word is taken."""
        expected = self.expected.get((guild_id, user_id))
        if not expected:
            return
        reported = {floor.SUPPRESS: bool(state.suppress), MUTE: bool(state.mute)}
        now = self.bot.clock.now()
        for what, (value, since) in list(expected.items()):
            if reported[what] == value or now - since > EXPECTED_FOR:
                del expected[what]
        if not expected:
            del self.expected[(guild_id, user_id)]

    def stage_closed(self, guild_id: int, channel_id: int) -> None:
        """A Stage instance was deleted: by Discord, when nobody had spoken on the Stage for
        a while (during prep, a pause or the vote), or by hand. The round's Stage opens
        again at its next change that gives someone the floor, or now if someone has it."""
        for venue in self.venues.values():
            if not venue or venue.state != HOLDING or venue.channel_id != channel_id:
                continue
            view = self.seen.get(venue.round_id)
            if venue.guild_id != guild_id or view is None or view.is_over:
                continue
            self.instanced.discard(venue.round_id)
            if floor_holders(view):
                self.follow(view)

    def round_held_in(self, guild_id: int, channel_id: int) -> RoundView | None:
        """The round under way whose floor moot holds in this channel, as last followed."""
        for venue in self.venues.values():
            if venue and venue.state == HOLDING and venue.channel_id == channel_id:
                view = self.seen.get(venue.round_id)
                if venue.guild_id == guild_id and view is not None and not view.is_over:
                    return view
        return None

    async def _left(self, venue: Venue, view: RoundView, member: discord.Member) -> None:
        if venue.kind == STAGE:
            # Leaving a Stage puts a member back in its audience: nothing is left to undo.
            record = self.records.get(venue.round_id, {}).pop((member.id, floor.SUPPRESS), None)
            if record is not None:
                async with self.bot.db.session() as session:
                    await floor.settle([record.id], session=session)
        if member.id in floor_holders(view) and view.thread_id is not None:
            place = "the Stage" if venue.kind == STAGE else "the voice channel"
            name = view.name_of(member.id)
            try:
                await self.bot.post(
                    view.thread_id, content=f"{name} left {place}; their turn still runs."
                )
            except discord.HTTPException:
                log.info("round %s: could not say a speaker left", view.id)

    async def _elsewhere(self, venue: Venue, member: discord.Member) -> None:
        """A member moot muted in its voice venue is now in another voice channel: the
        venue's mute must not follow them there. Put back now, where moot may (Discord asks
        for Mute Members in the channel they are in); if they come back to the venue, the
        floor applies again."""
        record = self.records.get(venue.round_id, {}).pop((member.id, floor.MUTE), None)
        if record is None:
            return
        undoing = floor.undo([record], await self.connected(member.guild))
        settled = list(undoing.settled)
        for undone, change in undoing.changes:
            if await self.change(venue, change):
                settled.append(undone)
            else:  # not allowed there (Mute Members in the venue only): undone at the end
                self.records.setdefault(venue.round_id, {})[(member.id, floor.MUTE)] = undone
        async with self.bot.db.session() as session:
            await floor.settle([r.id for r in settled], session=session)

    async def _joined(self, venue: Venue, view: RoundView, user_id: int) -> None:
        channel = self.channel(venue)
        if channel is None or view.is_over:
            return
        present = await self.present(channel)
        fmt = self.bot.formats.get(view.format_key)
        changes = floor.floor_changes(
            venue.kind,
            view,
            [p for p in present.values() if p.user_id == user_id],
            silent_audience=bool(getattr(fmt, "silent_audience", False)),
        )
        await self.apply(venue, changes, present)
