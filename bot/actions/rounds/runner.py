"""A round's life between commands: its alarms (one batched desk for every round of this
process's shards, swept for anything overdue), and what its changes announce, posted in
its thread in order. Both /debate and planned rounds hand their changes here."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.actions.rounds.opening import finish_opening
from bot.actions.rounds.render import (
    describe,
    lobby_embed,
    lobby_view,
    point_embed,
    point_line,
    point_view,
    prep_line,
    prep_view,
    result_embed,
    turn_embed,
    turn_view,
    vote_view,
    voting_embed,
)
from bot.alarms import AlarmDesk
from bot.batch import Batcher
from bot.domain import Side, Tally
from bot.errors import MootError
from bot.formats import Format
from bot.services import rounds
from bot.services.rounds import Notice, NoticeKind, RoundUpdate, RoundView

if TYPE_CHECKING:
    from bot.client import MootBot

log = logging.getLogger("moot.debate")

# A turn start, vote or result not announced this long after it happened is announced
# again by the sweeper (its process was killed in between); the nonce keeps it single.
ANNOUNCE_LEASE = timedelta(seconds=5)
# A round saved this long ago without a thread was left half-open by a stopped process.
OPENING_LEASE = timedelta(minutes=1)
# How many messages of a round's thread are read back after a restart.
BACKFILL_MESSAGES = 500


# The notices about points of information (see _announce_point).
_POINT_KINDS = (
    NoticeKind.POINT,
    NoticeKind.POINT_QUEUE,
    NoticeKind.POINT_ACCEPTED,
    NoticeKind.POINT_DECLINED,
    NoticeKind.POINT_OVER,
    NoticeKind.POINTS_LAPSED,
)


class RoundRunner:
    """The rounds of this process: alarms, sweeps, and announcements in order."""

    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.desk: AlarmDesk[int] = AlarmDesk(
            bot.clock, "round", due=self.due, ring=self.tick, after_sweep=self.open_unopened
        )
        # Announcements under way, by round: a round's next waits for its previous.
        self.posting: dict[int, asyncio.Task[None]] = {}
        self.backfilling: asyncio.Task[None] | None = None
        # Rounds starting, and message ids of announcements: each done together for every
        # round asking at the same time (hundreds may start in one second).
        self.starting: Batcher[tuple[int, int], RoundUpdate | MootError] = Batcher(
            self.start_rounds
        )
        self.message_ids: Batcher[tuple[Notice, int], None] = Batcher(self.save_message_ids)
        for source in (self.desk, self.starting, self.message_ids):
            bot.track(source)

    def start(self) -> None:
        """Sweep from now on (the first sweep arms every round under way) and, with the
        Message Content intent, read back speeches posted while the bot was away."""
        self.desk.start(self.bot.settings.sweep_seconds)
        if self.bot.settings.message_content:
            # A new gateway session (a start, or a resume Discord refused): messages posted
            # meanwhile never arrive as events. Read them from the threads instead.
            self.backfilling = self.bot.spawn(self.backfill(), "speech-backfill")

    async def close(self) -> None:
        await self.desk.close()
        if self.posting:
            await asyncio.wait(list(self.posting.values()), timeout=10)

    def format_of(self, view: RoundView) -> Format:
        fmt = self.bot.formats.get(view.format_key)
        if fmt is None:
            raise MootError(f"This round's format ({view.format_key}) is no longer installed.")
        return fmt

    async def backfill(self) -> None:
        """Record the speeches posted in rounds under way while the bot was not listening."""
        count, ids = self.bot.shard_count, self.bot.shard_ids
        try:
            async with self.bot.db.session() as session:
                going = await rounds.under_way(shard_count=count, shard_ids=ids, session=session)
            for round_id, thread_id, lobby_id in going:
                thread = self.bot.get_partial_messageable(thread_id)
                try:
                    posted = [
                        rounds.Posted(m.id, m.author.id, m.created_at, m.content)
                        async for m in thread.history(
                            after=discord.Object(lobby_id), limit=BACKFILL_MESSAGES
                        )
                        if not m.author.bot
                    ]
                except discord.HTTPException:
                    log.warning("round %s: could not read its thread back", round_id)
                    continue
                async with self.bot.db.session() as session:
                    added = await rounds.backfill_speeches(round_id, posted, session=session)
                if added:
                    log.warning(
                        "round %s: recorded %d speech part(s) posted while down", round_id, added
                    )
        except Exception:
            log.exception("could not read back the speeches posted while the bot was down")

    async def due(self) -> list[tuple[int, datetime]]:
        """Every round under way with its next instant (the desk arms them); first, what a
        killed process left unannounced is announced again."""
        now = self.bot.clock.now()
        count, ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            due = await rounds.due_rounds(
                now=now, shard_count=count, shard_ids=ids, session=session
            )
            missing = await rounds.unannounced(
                before=now - ANNOUNCE_LEASE, shard_count=count, shard_ids=ids, session=session
            )
        if missing:
            await self.announce(missing)
        return due

    async def open_unopened(self) -> None:
        """After each sweep: open, or end, the rounds a stopped process saved but never
        opened (a lobby without a thread would count as open, and nobody could join it)."""
        count, ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            views = await rounds.unopened(
                before=self.bot.clock.now() - OPENING_LEASE,
                shard_count=count,
                shard_ids=ids,
                session=session,
            )
        for view, saved_at in views:
            await finish_opening(self.bot, view, saved_at)

    async def tick(self, round_ids: list[int]) -> None:
        """The rounds' alarms: apply what fell due (exactly once) in one transaction, re-arm,
        and announce in the background so the next alarms are not held up by Discord."""
        if self.desk.closing:
            return
        try:
            async with self.bot.db.session() as session:
                ticked = await rounds.tick(
                    round_ids, formats=self.bot.formats, now=self.bot.clock.now(), session=session
                )
        except Exception:
            log.exception("the timers failed for rounds %s", round_ids[:20])
            return
        for round_id, result in ticked.items():
            self.desk.set(round_id, result.due_at)
            if result.view is not None and self.bot.floor is not None:
                # The venue follows at once, beside the announcements, not after them.
                self.bot.floor.follow(result.view)
            if result.notices and result.view is not None:
                self.post_in_order(round_id, result.notices, result.view)

    def post_in_order(
        self, round_id: int, notices: list[Notice], view: RoundView
    ) -> asyncio.Task[None]:
        """Announce in the background, after whatever this round is still announcing."""
        previous = self.posting.get(round_id)

        async def post() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await self.announce(notices, {round_id: view})
            except Exception:
                # The change is saved; the sweeper announces what is still unsaid.
                log.exception("round %s: the announcement failed", round_id)

        task = self.bot.spawn(post(), f"round-{round_id}-post")
        self.posting[round_id] = task
        task.add_done_callback(
            lambda done: self.posting.pop(round_id) if self.posting.get(round_id) is done else None
        )
        return task

    async def answer_then_follow(
        self, interaction: discord.Interaction, content: str, changes: RoundUpdate
    ) -> None:
        """Tell the member it is done, then announce and re-arm the round even if that
        answer could not be delivered: the change is already in the database."""
        try:
            await interaction.response.send_message(content, ephemeral=True)
        except discord.HTTPException:
            log.warning("round %s: could not answer the member", changes.round.id, exc_info=True)
        await self.after(changes)

    async def after(self, changes: RoundUpdate) -> None:
        """Set the round's next alarm, then announce the change (after anything the round
        is still announcing)."""
        view = changes.round
        self.desk.set(view.id, view.due_at)
        if self.bot.floor is not None:
            self.bot.floor.follow(view)
        if changes.notices:
            await self.post_in_order(view.id, changes.notices, view)

    async def announce(
        self, notices: list[Notice], views: dict[int, RoundView] | None = None
    ) -> None:
        """Post notices in their rounds' threads. Rounds not in `views` are read once, after
        the change; the ids of the messages that must be remembered are written at once."""
        known = dict(views or {})
        wanted = [r for r in dict.fromkeys(n.round_id for n in notices) if r not in known]
        # The tally is shown on the vote message: opened, and closed by a result or an end.
        voting = {
            n.round_id
            for n in notices
            if n.kind in (NoticeKind.VOTING, NoticeKind.DECIDED, NoticeKind.ENDED)
        }
        tallies: dict[int, Tally] = {}
        if wanted or voting:
            async with self.bot.db.session() as session:
                known |= await rounds.load_rounds(wanted, session=session)
                for round_id in voting:
                    tallies[round_id] = await rounds.tally(round_id, "post", session=session)
        sent: list[tuple[Notice, int]] = []
        for notice in notices:
            view = known.get(notice.round_id)
            if view is None:
                continue
            try:
                message_id = await self._announce(
                    notice, view, tallies.get(notice.round_id, Tally(0, 0))
                )
            except discord.HTTPException:
                log.warning(
                    "round %s: could not post %s", notice.round_id, notice.kind, exc_info=True
                )
                continue
            if message_id is not None and notice.kind in (
                NoticeKind.TURN,
                NoticeKind.VOTING,
                NoticeKind.DECIDED,
            ):
                sent.append((notice, message_id))
        await self.message_ids.run(sent)

    async def save_message_ids(self, sent: list[tuple[Notice, int]]) -> list[None]:
        async with self.bot.db.session() as session:
            await rounds.announced(sent, session=session)
        return [None] * len(sent)

    async def _announce(self, notice: Notice, view: RoundView, tally: Tally) -> int | None:
        """Post one notice; the id of the message if it is one to remember."""
        if view.thread_id is None:
            return None
        fmt = self.format_of(view)
        post = functools.partial(self.bot.post, view.thread_id, recover=notice.recovering)
        turn = next((t for t in view.turns if t.id == notice.turn_id), None)
        message_id: int | None = None
        if notice.kind is NoticeKind.TURN and turn is not None:
            # A grand crossfire has no one speaker: every speaker of both sides is called.
            called = (
                [s.user_id for s in view.seats if s.role in (Side.REALIST, Side.VALUES)]
                if turn.kind == "cross-examination" and turn.side is None
                else [turn.speaker_id]
                if turn.speaker_id
                else []
            )
            message_id = await post(
                content=" ".join(f"<@{u}>" for u in called) or None,
                embed=turn_embed(view, turn, fmt, reads_messages=self.bot.settings.message_content),
                view=turn_view(view, turn, fmt),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False,
                    roles=False,
                    users=[
                        discord.Object(u) for u in {*called, *(u for u in (turn.answerer_id,) if u)}
                    ],
                ),
                nonce=f"turn{turn.id}",
            )
        elif notice.kind is NoticeKind.WARNING and turn is not None:
            await post(
                content=f"⏱ {notice.text} left for "
                f"{view.name_of(turn.speaker_id) if turn.speaker_id else turn.role}."
            )
        elif notice.kind is NoticeKind.VOTING:
            message_id = await post(
                embed=voting_embed(view, fmt),
                view=vote_view(view.id, tally),
                nonce=f"vote{view.id}",
            )
        elif notice.kind is NoticeKind.DECIDED:
            message_id = await post(embed=result_embed(view), nonce=f"result{view.id}")
            await self.close_vote(view, fmt, tally)
        elif notice.kind is NoticeKind.STARTED:
            await self.refresh_lobby(view, fmt)
        elif notice.kind in _POINT_KINDS:
            await self._announce_point(notice, view, turn)
        elif notice.kind in (NoticeKind.PREP, NoticeKind.PREP_OVER):
            await post(
                content=prep_line(notice, view, turn),
                view=prep_view(view) if notice.kind is NoticeKind.PREP else None,
            )
            await self.refresh_turn(view, turn, fmt)
        else:
            await post(content=describe(notice, view))
            if notice.kind is NoticeKind.ENDED:
                await self.close_vote(view, fmt, tally)  # ended during the vote
        return message_id

    async def _announce_point(
        self, notice: Notice, view: RoundView, turn: rounds.TurnView | None
    ) -> None:
        """A point of information: shown to the speaker with Accept and Decline (one at a
        time), its message changed as it is answered, and a word in the thread."""
        assert view.thread_id is not None
        point = notice.point
        if notice.kind is NoticeKind.POINT and point is not None and turn is not None:
            speaker = turn.speaker_id
            message_id = await self.bot.post(
                view.thread_id,
                content=f"<@{speaker}>" if speaker else None,
                embed=point_embed(view, notice),
                view=point_view(view, notice),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(speaker)] if speaker else []
                ),
                nonce=f"point{point.id}",
            )
            async with self.bot.db.session() as session:
                await rounds.point_posted(point.id, message_id, session=session)
            return
        changed = {
            NoticeKind.POINT_QUEUE: "",
            NoticeKind.POINT_DECLINED: "declined",
            NoticeKind.POINT_ACCEPTED: "accepted",
        }
        if point is not None and point.message_id and notice.kind in changed:
            state = notice.text if notice.kind is NoticeKind.POINT_DECLINED else ""
            state = state or changed[notice.kind]
            await self.bot.edit(
                view.thread_id,
                point.message_id,
                embed=point_embed(view, notice, state),
                view=discord.ui.View() if state else point_view(view, notice),
            )
        elif point is not None and point.message_id and notice.kind is NoticeKind.POINTS_LAPSED:
            # The point shown when the speech ended: its buttons go.
            await self.bot.edit(view.thread_id, point.message_id, view=discord.ui.View())
        if notice.kind in (
            NoticeKind.POINT_ACCEPTED,
            NoticeKind.POINT_OVER,
            NoticeKind.POINTS_LAPSED,
        ):
            await self.bot.post(view.thread_id, content=point_line(notice, view, turn))

    async def refresh_turn(
        self, view: RoundView, turn: rounds.TurnView | None, fmt: Format
    ) -> None:
        """Show a turn's announcement as the turn now stands (its end, its buttons)."""
        if view.thread_id is None or turn is None or turn.announce_message_id is None:
            return
        try:
            await self.bot.edit(
                view.thread_id,
                turn.announce_message_id,
                embed=turn_embed(view, turn, fmt, reads_messages=self.bot.settings.message_content),
                view=turn_view(view, turn, fmt),
            )
        except discord.HTTPException:
            log.info("round %s: could not update the turn's announcement", view.id)

    async def close_vote(self, view: RoundView, fmt: Format, tally: Tally) -> None:
        """Show the vote message as closed, its buttons off, once the round is decided or
        ended (nothing to do if voting never opened)."""
        if view.thread_id is None or not view.voting_message_id:
            return
        try:
            await self.bot.edit(
                view.thread_id,
                view.voting_message_id,
                embed=voting_embed(view, fmt),
                view=vote_view(view.id, tally, closed=True),
            )
        except discord.HTTPException:
            log.info("round %s: could not close the vote buttons", view.id)

    async def refresh_lobby(self, view: RoundView, fmt: Format) -> None:
        if view.thread_id is None or view.lobby_message_id is None:
            return
        try:
            await self.bot.edit(
                view.thread_id,
                view.lobby_message_id,
                embed=lobby_embed(view, fmt),
                view=lobby_view(view, fmt),
            )
        except discord.HTTPException:
            log.info("round %s: could not update the lobby message", view.id)

    async def start_rounds(self, requests: list[tuple[int, int]]) -> list[RoundUpdate | MootError]:
        async with self.bot.db.session() as session:
            return await rounds.start_many(
                requests, formats=self.bot.formats, now=self.bot.clock.now(), session=session
            )
