"""/debate: rounds with a lobby, turns that run themselves, votes, ballots and a transcript.

The round lives in the database (bot.services.rounds); this cog renders it, turns buttons
and commands into service calls, keeps each round's next due instant in one batched alarm
task (bot.timers.Alarms), and posts what the service says must be announced.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.batch import Batched
from bot.checks import is_moderator, moderator_status
from bot.client import MootBot
from bot.embeds import MOOT_COLOUR, SIDE_COLOURS
from bot.errors import THREAD_ALREADY_EXISTS, MootError
from bot.formats import DEFAULT_FORMAT, Format
from bot.models import RoundStatus, Side, Tally, TurnStatus
from bot.replies import confirm, report_error
from bot.schedule import discord_time
from bot.services import rounds
from bot.services.guild_config import get_settings
from bot.services.quotes import check_essay
from bot.services.rounds import AUDIENCE, JUDGE, Changes, Notice, RoundView
from bot.timers import Alarms, TimerWork
from cogs.quotes import essay_suggestions

log = logging.getLogger("moot.debate")

# A turn start, vote or result not announced this long after it happened is announced
# again by the sweeper (its process was killed in between); the nonce keeps it single.
ANNOUNCE_LEASE = timedelta(seconds=5)
# How many messages of a round's thread are read back after a restart.
BACKFILL_MESSAGES = 500
SIDE_CHOICES = [
    app_commands.Choice(name="Realist", value="realist"),
    app_commands.Choice(name="Values", value="values"),
    app_commands.Choice(name="Audience", value="audience"),
]


def format_choices(formats: Mapping[str, Format], typed: str) -> list[app_commands.Choice[str]]:
    """The formats whose name or key holds what is typed, for autocomplete."""
    typed = typed.lower()
    return [
        app_commands.Choice(name=f.name, value=f.key)
        for f in formats.values()
        if typed in f.name.lower() or typed in f.key
    ][:25]


def roster_lines(view: RoundView) -> list[str]:
    lines = []
    for side in Side:
        names = ", ".join(s.name for s in view.speakers(side)) or "nobody yet"
        lines.append(f"**{side.label}**: {names}")
    audience = [s for s in view.seats if s.role == AUDIENCE]
    judges = [s.name for s in view.seats if s.role == JUDGE]
    lines.append(f"**Audience**: {len(audience)}")
    if judges:
        lines.append(f"**Judges**: {', '.join(judges)}")
    return lines


def lobby_embed(view: RoundView, fmt: Format) -> discord.Embed:
    embed = discord.Embed(title=view.motion[:256], colour=MOOT_COLOUR)
    embed.description = f"**{fmt.name}** · pace {view.pace:g}\n{fmt.description}"
    order = "\n".join(fmt.running_order(view.pace))
    embed.add_field(name="Running order", value=order[:1024], inline=False)
    embed.add_field(name="Roster", value="\n".join(roster_lines(view))[:1024], inline=False)
    state = {
        RoundStatus.LOBBY: f"Lobby: up to {fmt.speakers_per_side} speaker(s) a side. "
        "A moderator presses Start.",
        RoundStatus.RUNNING: "Under way.",
        RoundStatus.PAUSED: "Paused.",
        RoundStatus.VOTING: "Voting.",
        RoundStatus.DECIDED: "Decided.",
        RoundStatus.ENDED: "Ended early.",
    }[view.status]
    embed.set_footer(text=f"Round {view.id} · {state}")
    return embed


class RoundButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"round:(?P<round>\d+):(?P<action>[a-z]+)(?::(?P<arg>[a-z0-9]+))?",
):
    """Every button of a round; the round lives in the database, so restarts are fine."""

    def __init__(
        self,
        round_id: int,
        action: str,
        arg: str = "",
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        custom_id = f"round:{round_id}:{action}" + (f":{arg}" if arg else "")
        super().__init__(
            discord.ui.Button(
                label=label or action, style=style, custom_id=custom_id, disabled=disabled
            )
        )
        self.round_id = round_id
        self.action = action
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RoundButton:
        return cls(int(match["round"]), match["action"], match["arg"] or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, MootBot)
        cog = client.get_cog("Debate")
        try:
            if not isinstance(cog, Debate):
                raise MootError("Rounds are not available right now; try again in a moment.")
            await cog.press(interaction, self)
        except Exception as error:
            await report_error(interaction, error)


def lobby_view(view: RoundView, fmt: Format) -> discord.ui.View:
    ui = discord.ui.View(timeout=None)
    if view.status is RoundStatus.LOBBY:
        ui.add_item(
            RoundButton(
                view.id, "join", "realist", label="Join Realist", style=discord.ButtonStyle.primary
            )
        )
        ui.add_item(
            RoundButton(
                view.id, "join", "values", label="Join Values", style=discord.ButtonStyle.success
            )
        )
        ui.add_item(RoundButton(view.id, "join", "audience", label="Audience"))
        ui.add_item(RoundButton(view.id, "leave", label="Leave"))
        ui.add_item(RoundButton(view.id, "start", label="Start", style=discord.ButtonStyle.danger))
        if fmt.decision == "swing":
            ui.add_item(RoundButton(view.id, "vote", "realist", label="Before: Realist"))
            ui.add_item(RoundButton(view.id, "vote", "values", label="Before: Values"))
    return ui


def vote_view(round_id: int, tally: Tally, *, closed: bool = False) -> discord.ui.View:
    ui = discord.ui.View(timeout=None)
    for side in Side:
        ui.add_item(
            RoundButton(
                round_id,
                "vote",
                side.value,
                label=f"{side.label} · {tally.of(side)}",
                style=discord.ButtonStyle.primary
                if side is Side.REALIST
                else discord.ButtonStyle.success,
                disabled=closed,
            )
        )
    ui.add_item(RoundButton(round_id, "ballot", label="Submit ballot", disabled=closed))
    return ui


class SpeechForm(discord.ui.Modal):
    """The speech, for servers without the Message Content intent (or as a speaker prefers).
    Its submission is handled by custom id (Debate.on_interaction), like the buttons, so a
    form opened before a restart still goes through."""

    def __init__(self, round_id: int, turn_id: int, role: str) -> None:
        super().__init__(
            title=f"Your speech: {role}"[:45], custom_id=f"round-speech:{round_id}:{turn_id}"
        )
        self.text: discord.ui.TextInput[SpeechForm] = discord.ui.TextInput(
            label="Speech",
            style=discord.TextStyle.paragraph,
            max_length=rounds.SPEECH_MAX,
            custom_id="speech",
        )
        self.add_item(self.text)


class BallotForm(discord.ui.Modal):
    """A judge's or moderator's ballot; submitted by custom id, as SpeechForm."""

    def __init__(self, view: RoundView, fmt: Format) -> None:
        super().__init__(title="Ballot", custom_id=f"round-ballot:{view.id}")
        low, high = fmt.points
        self.winner: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label="Winner (Realist or Values)", max_length=10, custom_id="winner"
        )
        self.points: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label=f"Speaker points, {low}-{high}, one line each",
            style=discord.TextStyle.paragraph,
            default=rounds.ballot_template(view),
            max_length=1000,
            custom_id="points",
        )
        self.reason: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label="Reason for decision",
            style=discord.TextStyle.paragraph,
            max_length=rounds.REASON_MAX,
            custom_id="reason",
        )
        for item in (self.winner, self.points, self.reason):
            self.add_item(item)


# The custom ids of the forms above.
FORM_ID = re.compile(r"round-(?P<kind>ballot|speech):(?P<round>\d+)(?::(?P<turn>\d+))?")


async def show_form(interaction: discord.Interaction, form: discord.ui.Modal) -> None:
    """Show `form`, keeping no copy of it in discord.py: its submission is handled by its
    custom id, and a process restarted meanwhile would not have the copy."""
    await interaction.response.send_modal(form)
    form.stop()


@app_commands.guild_only()
class Debate(commands.GroupCog, group_name="debate", group_description="Debate rounds"):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.timers = TimerWork(bot.clock, "round")
        self.alarms = Alarms(bot.clock, self.tick)
        self.timers_built = False
        # Announcements under way, by round: a round's next waits for its previous.
        self.posting: dict[int, asyncio.Task[None]] = {}
        self.backfilling: asyncio.Task[None] | None = None
        # Rounds starting, and message ids of announcements: each done together for every
        # round asking at the same time (hundreds may start in one second).
        self.starting: Batched[tuple[int, int], Changes | MootError] = Batched(self.start_rounds)
        self.message_ids: Batched[tuple[Notice, int], None] = Batched(self.save_message_ids)
        for source in (self.timers, self.alarms, self.starting, self.message_ids):
            bot.track(source)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RoundButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RoundButton)
        await self.timers.close()
        await self.alarms.close()
        if self.posting:
            await asyncio.wait(list(self.posting.values()), timeout=10)

    def format_of(self, view: RoundView) -> Format:
        fmt = self.bot.formats.get(view.format_key)
        if fmt is None:
            raise MootError(f"This round's format ({view.format_key}) is no longer installed.")
        return fmt

    # --- timers ------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.timers.every("sweep", self.bot.settings.sweep_seconds, self.sweep)
        if self.bot.settings.message_content:
            # A new gateway session (a start, or a resume Discord refused): messages posted
            # meanwhile never arrive as events. Read them from the threads instead.
            self.backfilling = self.bot.spawn(self.backfill(), "speech-backfill")

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

    def set_timer(self, round_id: int, at: datetime | None) -> None:
        self.alarms.set(round_id, at)

    async def sweep(self) -> None:
        """Set the alarm of every round under way (overdue ones ring at once): all of them
        after start-up, and later any another process left behind. Re-announce what a
        killed process left unsaid."""
        try:
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
            for round_id, at in due:
                if not self.timers_built or at <= now or round_id not in self.alarms:
                    self.set_timer(round_id, at)
            self.timers_built = True
            self.alarms.start()
        except Exception:
            log.exception("the round sweep failed; the next one will try again")

    async def tick(self, round_ids: list[int]) -> None:
        """The rounds' alarms: apply what fell due (exactly once) in one transaction, re-arm,
        and announce in the background so the next alarms are not held up by Discord."""
        if self.timers.closing:
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
            self.set_timer(round_id, result.due_at)
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
        self, interaction: discord.Interaction, content: str, changes: Changes
    ) -> None:
        """Tell the member it is done, then announce and re-arm the round even if that
        answer could not be delivered: the change is already in the database."""
        try:
            await interaction.response.send_message(content, ephemeral=True)
        except discord.HTTPException:
            log.warning("round %s: could not answer the member", changes.round.id, exc_info=True)
        await self.after(changes)

    async def after(self, changes: Changes) -> None:
        """Set the round's next alarm, then announce the change (after anything the round
        is still announcing)."""
        view = changes.round
        self.set_timer(view.id, view.due_at)
        if changes.notices:
            await self.post_in_order(view.id, changes.notices, view)

    # --- posting in the thread ---------------------------------------------------------

    async def announce(
        self, notices: list[Notice], views: dict[int, RoundView] | None = None
    ) -> None:
        """Post notices in their rounds' threads. Rounds not in `views` are read once, after
        the change; the ids of the messages that must be remembered are written at once."""
        known = dict(views or {})
        wanted = [r for r in dict.fromkeys(n.round_id for n in notices) if r not in known]
        voting = {n.round_id for n in notices if n.kind in ("voting", "decided")}
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
            if message_id is not None and notice.kind in ("turn", "voting", "decided"):
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
        if notice.kind == "turn" and turn is not None:
            message_id = await post(
                content=f"<@{turn.speaker_id}>" if turn.speaker_id else None,
                embed=self.turn_embed(view, turn, fmt),
                view=self.turn_view(view, turn),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False,
                    roles=False,
                    users=[discord.Object(u) for u in (turn.speaker_id, turn.answerer_id) if u],
                ),
                nonce=f"turn{turn.id}",
            )
        elif notice.kind == "warning" and turn is not None:
            await post(
                content=f"⏱ {notice.text} left for "
                f"{view.name_of(turn.speaker_id) if turn.speaker_id else turn.role}."
            )
        elif notice.kind == "voting":
            ends = view.voting_ends_at
            embed = discord.Embed(
                title="Voting is open",
                description="Which side won the debate? Voting closes "
                f"{discord_time(ends, 'R') if ends else 'soon'}. "
                "One vote each; you can change it. Debaters cannot vote."
                + ("\nJudges and moderators: submit a ballot." if fmt.decision == "judges" else ""),
                colour=MOOT_COLOUR,
            )
            message_id = await post(
                embed=embed, view=vote_view(view.id, tally), nonce=f"vote{view.id}"
            )
        elif notice.kind == "decided":
            colour = (
                SIDE_COLOURS[Side(view.winner)]
                if view.winner in ("realist", "values")
                else MOOT_COLOUR
            )
            embed = discord.Embed(
                title=f"Result: {view.motion}"[:256],
                description=(view.result or "")[:4000],
                colour=colour,
            )
            message_id = await post(embed=embed, nonce=f"result{view.id}")
            if view.voting_message_id:
                try:
                    await self.bot.edit(
                        view.thread_id,
                        view.voting_message_id,
                        view=vote_view(view.id, tally, closed=True),
                    )
                except discord.HTTPException:
                    log.info("round %s: could not close the vote buttons", view.id)
        elif notice.kind == "started":
            await self.refresh_lobby(view, fmt)
        else:
            await post(content=self.describe(notice, view))
        return message_id

    def describe(self, notice: Notice, view: RoundView) -> str:
        turn = next((t for t in view.turns if t.id == notice.turn_id), None)
        what = turn.role if turn else "the turn"
        return {
            "yield": f"✅ {view.name_of(turn.speaker_id) if turn else 'The speaker'} finished "
            f"{what} early.",
            "skip": f"⏭ A moderator skipped {what}.",
            "removed": f"🚪 {notice.text or what} was removed from the round.",
            "paused": f"⏸ The round is paused with {notice.text} left in {what}.",
            "resumed": f"▶️ The round resumes: {what} continues.",
            "extended": f"➕ {what} was extended by {notice.text} seconds.",
            "ended": "⏹ A moderator ended the round early. No decision will be made.",
            "no-speaker": f"⏭ {what}: nobody is left on that side to speak, so it is passed over.",
        }.get(notice.kind, notice.kind)

    def turn_embed(self, view: RoundView, turn: rounds.TurnView, fmt: Format) -> discord.Embed:
        who = (
            view.name_of(turn.speaker_id)
            if turn.speaker_id
            else (turn.side.label if turn.side else "Both sides")
        )
        colour = SIDE_COLOURS[turn.side] if turn.side else MOOT_COLOUR
        embed = discord.Embed(
            title=f"{turn.position}/{len(view.turns)} · {turn.role}"[:256], colour=colour
        )
        lines = [f"**{who}** has the floor" if turn.kind != "prep" else "Preparation time"]
        if turn.kind == "cross-examination":
            lines.append(f"{who} asks, {view.name_of(turn.answerer_id)} answers.")
        if turn.ends_at:
            lines.append(
                f"Ends {discord_time(turn.ends_at, 'R')} ({rounds.clock_text(turn.seconds)})."
            )
        if turn.kind != "prep":
            lines.append(
                "Post your speech in this thread, or use Submit speech; press Done to finish early."
            )
        embed.description = "\n".join(lines)
        return embed

    def turn_view(self, view: RoundView, turn: rounds.TurnView) -> discord.ui.View:
        ui = discord.ui.View(timeout=None)
        if turn.kind != "prep":
            ui.add_item(
                RoundButton(
                    view.id, "done", str(turn.id), label="Done", style=discord.ButtonStyle.success
                )
            )
            ui.add_item(RoundButton(view.id, "speech", str(turn.id), label="Submit speech"))
        return ui

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

    # --- buttons -----------------------------------------------------------------------

    async def press(self, interaction: discord.Interaction, button: RoundButton) -> None:
        now = self.bot.clock.now()
        user = interaction.user
        if button.action == "start":
            await self.start_round(interaction, button.round_id)
            return
        async with self.bot.db.session() as session:
            view = await rounds.get_round(button.round_id, session=session)
        fmt = self.format_of(view)
        if button.action == "join":
            async with self.bot.db.session() as session:
                view = await rounds.join(
                    view.id,
                    user.id,
                    user.display_name,
                    button.arg,
                    fmt=fmt,
                    now=now,
                    session=session,
                )
            await interaction.response.edit_message(
                embed=lobby_embed(view, fmt), view=lobby_view(view, fmt)
            )
        elif button.action == "leave":
            async with self.bot.db.session() as session:
                view = await rounds.leave(view.id, user.id, now=now, session=session)
            await interaction.response.edit_message(
                embed=lobby_embed(view, fmt), view=lobby_view(view, fmt)
            )
        elif button.action == "done":
            async with self.bot.db.session() as session:
                changes = await rounds.yield_turn(
                    view.id, int(button.arg), user.id, fmt=fmt, now=now, session=session
                )
            await self.answer_then_follow(interaction, "Your turn is over. Thank you.", changes)
        elif button.action == "speech":
            async with self.bot.db.session() as session:
                turn_id = await rounds.speech_turn(view.id, user.id, session=session)
            if turn_id != int(button.arg):
                raise MootError("That turn has ended; use the button on your current turn.")
            turn = next(t for t in view.turns if t.id == turn_id)
            await show_form(interaction, SpeechForm(view.id, turn_id, turn.role))
        elif button.action == "vote":
            side = Side(button.arg)
            async with self.bot.db.session() as session:
                tally = await rounds.vote(
                    view.id, user.id, user.display_name, side, fmt=fmt, now=now, session=session
                )
            if view.status is RoundStatus.VOTING:
                await interaction.response.edit_message(view=vote_view(view.id, tally))
            else:
                await interaction.response.defer()
            await confirm(
                interaction, f"Your vote for **{side.label}** is counted; you can change it."
            )
        elif button.action == "ballot":
            allowed, _ = await moderator_status(interaction)
            if not allowed and view.role_of(user.id) != JUDGE:
                raise MootError("Only moderators and the round's judges can submit a ballot.")
            if view.status is not RoundStatus.VOTING:
                raise MootError("Ballots are taken after the last speech, until voting closes.")
            await show_form(interaction, BallotForm(view, fmt))
        else:
            raise MootError("That button is no longer in use.")

    async def start_round(self, interaction: discord.Interaction, round_id: int) -> None:
        """The lobby's Start button. One answer both acknowledges the press and shows the
        lobby as started: when hundreds of rounds start in the same second, every request
        saved is time the running rounds' turns get back. The round starts in the
        database first; if the answer then cannot be delivered, the lobby is refreshed
        with an ordinary edit."""
        allowed, _ = await moderator_status(interaction)
        if not allowed:
            raise MootError("Only moderators can start the round.")
        [changes] = await self.starting.run([(round_id, interaction.user.id)])
        if isinstance(changes, MootError):
            raise changes
        started = changes.round
        fmt = self.format_of(started)
        try:
            await interaction.response.edit_message(
                embed=lobby_embed(started, fmt), view=lobby_view(started, fmt)
            )
        except discord.HTTPException:
            log.warning("round %s: could not answer the Start button", round_id, exc_info=True)
        else:
            changes = Changes(started, [n for n in changes.notices if n.kind != "started"])
        await self.after(changes)

    async def start_rounds(self, requests: list[tuple[int, int]]) -> list[Changes | MootError]:
        async with self.bot.db.session() as session:
            return await rounds.start_many(
                requests, formats=self.bot.formats, now=self.bot.clock.now(), session=session
            )

    async def submit_speech(
        self, interaction: discord.Interaction, round_id: int, turn_id: int, text: str
    ) -> None:
        async with self.bot.db.session() as session:
            current = await rounds.speech_turn(round_id, interaction.user.id, session=session)
            if current != turn_id:
                raise MootError("Your turn ended before the speech arrived; it was not recorded.")
            await rounds.record_speech(
                round_id,
                turn_id,
                interaction.user.id,
                text,
                message_id=None,
                now=self.bot.clock.now(),
                session=session,
            )
            view = await rounds.get_round(round_id, session=session)
        turn = next(t for t in view.turns if t.id == turn_id)
        embed = discord.Embed(
            description=text.strip()[:4096],
            colour=SIDE_COLOURS[turn.side] if turn.side else MOOT_COLOUR,
        )
        embed.set_author(name=f"{interaction.user.display_name} · {turn.role}"[:256])
        await interaction.response.send_message(embed=embed)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Submitted forms (speech, ballot), found by their custom ids."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        found = FORM_ID.fullmatch(str(data.get("custom_id", "")))
        if found is None:
            return
        values = {
            str(field.get("custom_id")): str(field.get("value") or "")
            for row in data.get("components") or []
            for field in row.get("components") or []
        }
        round_id = int(found["round"])
        try:
            if found["kind"] == "speech":
                turn_id = int(found["turn"] or 0)
                await self.submit_speech(interaction, round_id, turn_id, values.get("speech", ""))
            else:
                await self.submit_ballot(interaction, round_id, values)
        except Exception as error:
            await report_error(interaction, error)

    async def submit_ballot(
        self, interaction: discord.Interaction, round_id: int, values: dict[str, str]
    ) -> None:
        allowed, _ = await moderator_status(interaction)
        async with self.bot.db.session() as session:
            view = await rounds.get_round(round_id, session=session)
            await rounds.submit_ballot(
                round_id,
                interaction.user.id,
                interaction.user.display_name,
                may_judge=allowed,
                winner=values.get("winner", ""),
                points=values.get("points", ""),
                reason=values.get("reason", ""),
                fmt=self.format_of(view),
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            "Your ballot is recorded. You can submit again to change it.", ephemeral=True
        )

    # --- messages in round threads -------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if (
            message.guild is None
            or message.author.bot
            or not isinstance(message.channel, discord.Thread)
        ):
            return
        try:
            await self.handle_message(message)
        except Exception:
            log.exception("round thread %s: could not handle a message", message.channel.id)

    async def handle_message(self, message: discord.Message) -> None:
        assert message.guild is not None
        async with self.bot.db.session() as session:
            try:
                round_id = await rounds.round_here(
                    message.guild.id, message.channel.id, session=session
                )
            except MootError:
                return
            view = await rounds.get_round(round_id, session=session)
            if view.thread_id != message.channel.id:
                return
            verdict = rounds.judge_message(view, message.author.id, self.format_of(view))
            if (
                verdict.action == "record"
                and verdict.turn_id is not None
                and message.content.strip()
            ):
                await rounds.record_speech(
                    round_id,
                    verdict.turn_id,
                    message.author.id,
                    message.content[: rounds.SPEECH_MAX],
                    message_id=message.id,
                    now=self.bot.clock.now(),
                    session=session,
                )
                return
            if verdict.action != "out-of-turn":
                return
            await rounds.record_out_of_turn(
                round_id, message.author.id, now=self.bot.clock.now(), session=session
            )
        me = message.guild.me
        if (
            isinstance(message.channel, discord.Thread)
            and message.channel.permissions_for(me).manage_messages
        ):
            await message.delete()
        else:
            await message.reply(
                "Not your turn: this message is not part of the record.", mention_author=False
            )

    # --- commands ----------------------------------------------------------------------

    async def _round(self, interaction: discord.Interaction) -> RoundView:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            round_id = await rounds.round_here(
                interaction.guild_id, interaction.channel_id, session=session
            )
            return await rounds.get_round(round_id, session=session)

    @app_commands.command(name="formats", description="The debate formats and their running orders")
    async def formats(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="Debate formats", colour=MOOT_COLOUR)
        for fmt in self.bot.formats.values():
            order = "\n".join(fmt.running_order())
            value = f"{fmt.description}\n{order}"
            embed.add_field(name=f"{fmt.name} (`{fmt.key}`)", value=value[:1024], inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="start", description="Open a round: a thread with a lobby")
    @app_commands.describe(
        motion="What the round debates",
        format="Debate format (default Realist vs Values)",
        channel="Channel for the round's thread (default: the debate channel or this one)",
        pace="Scale every time by this (0.5 = half as long)",
        essay="The essay the motion comes from (for the side standings by essay)",
    )
    @is_moderator()
    async def start(
        self,
        interaction: discord.Interaction,
        motion: app_commands.Range[str, 1, rounds.MOTION_MAX],
        format: str | None = None,
        channel: discord.TextChannel | None = None,
        pace: app_commands.Range[float, rounds.PACE_RANGE[0], rounds.PACE_RANGE[1]] = 1.0,
        essay: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        fmt = self.format_named(format)
        channel = await self.round_channel(interaction, channel)
        if essay is not None:
            async with self.bot.db.session() as session:
                essay = await check_essay(essay, session=session)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            view = await rounds.create_round(
                interaction.guild.id,
                channel.id,
                motion=motion,
                fmt=fmt,
                pace=pace,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
                essay=essay,
            )
        view = await self.open_thread(view, fmt)
        await interaction.followup.send(
            f"Round {view.id} is open in <#{view.thread_id}>.", ephemeral=True
        )

    def format_named(self, key: str | None) -> Format:
        key = key or DEFAULT_FORMAT
        fmt = self.bot.formats.get(key)
        if fmt is None:
            raise MootError(f"There is no format “{key[:40]}”. See /debate formats.")
        return fmt

    async def round_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        """The channel a round opens its thread in: the one given, else the server's debate
        channel, else this one; MootError unless moot may run a round there."""
        assert interaction.guild is not None
        if channel is None:
            async with self.bot.db.session() as session:
                settings = await get_settings(interaction.guild.id, session=session)
            configured = (
                interaction.guild.get_channel(settings.debate_channel_id)
                if settings.debate_channel_id
                else None
            )
            here = interaction.channel
            channel = (
                configured
                if isinstance(configured, discord.TextChannel)
                else here
                if isinstance(here, discord.TextChannel)
                else None
            )
        if channel is None:
            raise MootError("Pick a text channel for the round (the channel option).")
        perms = channel.permissions_for(interaction.guild.me)
        missing = [
            label
            for label, ok in (
                ("View Channel", perms.view_channel),
                ("Send Messages", perms.send_messages),
                ("Embed Links", perms.embed_links),
                ("Create Public Threads", perms.create_public_threads),
                ("Send Messages in Threads", perms.send_messages_in_threads),
            )
            if not ok
        ]
        if missing:
            raise MootError(
                f"I can't run a round in {channel.mention}: I'm missing {', '.join(missing)} there."
            )
        return channel

    async def open_thread(self, view: RoundView, fmt: Format) -> RoundView:
        """Post the round's opener in its channel, open its thread there and put the lobby
        in it. Returns the round with its thread.

        Done again after a crash part way (before the thread was saved), it opens nothing
        twice: the opener and the lobby carry nonces, so Discord hands back the messages it
        already has, and a message has one thread at most, whose id is the message's."""
        channel = self.bot.get_channel(view.channel_id) or await self.bot.fetch_channel(
            view.channel_id
        )
        if not isinstance(channel, discord.TextChannel):
            raise MootError("The round's channel is gone or is not a text channel.")
        opener = await channel.send(
            embed=discord.Embed(
                title=f"Debate: {view.motion}"[:256],
                description=f"{fmt.name} · join in the thread below.",
                colour=MOOT_COLOUR,
            ),
            nonce=f"open{view.id}",
        )
        try:
            thread: discord.abc.Messageable = await opener.create_thread(
                name=f"Round {view.id}: {view.motion}"[:100], auto_archive_duration=1440
            )
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_EXISTS:
                raise
            thread = self.bot.get_partial_messageable(opener.id, guild_id=channel.guild.id)
        lobby = await thread.send(
            embed=lobby_embed(view, fmt), view=lobby_view(view, fmt), nonce=f"lobby{view.id}"
        )
        async with self.bot.db.session() as session:
            await rounds.attach_thread(
                view.id, thread_id=opener.id, lobby_message_id=lobby.id, session=session
            )
            return await rounds.get_round(view.id, session=session)

    @start.autocomplete("essay")
    async def essay_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await essay_suggestions(self.bot.db, current)

    @start.autocomplete("format")
    async def format_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return format_choices(self.bot.formats, current)

    @app_commands.command(
        name="join", description="Join the round here as a speaker or the audience"
    )
    @app_commands.choices(side=SIDE_CHOICES)
    async def join(self, interaction: discord.Interaction, side: app_commands.Choice[str]) -> None:
        view = await self._round(interaction)
        fmt = self.format_of(view)
        user = interaction.user
        async with self.bot.db.session() as session:
            view = await rounds.join(
                view.id,
                user.id,
                user.display_name,
                side.value,
                fmt=fmt,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            f"You joined round {view.id} as {side.name}.", ephemeral=True
        )
        await self.refresh_lobby(view, fmt)

    @app_commands.command(name="leave", description="Leave the round here")
    async def leave(self, interaction: discord.Interaction) -> None:
        view = await self._round(interaction)
        async with self.bot.db.session() as session:
            view = await rounds.leave(
                view.id, interaction.user.id, now=self.bot.clock.now(), session=session
            )
        await interaction.response.send_message(f"You left round {view.id}.", ephemeral=True)
        await self.refresh_lobby(view, self.format_of(view))

    @app_commands.command(name="yield", description="Finish your turn early")
    async def yield_(self, interaction: discord.Interaction) -> None:
        view = await self._round(interaction)
        async with self.bot.db.session() as session:
            changes = await rounds.yield_turn(
                view.id,
                None,
                interaction.user.id,
                fmt=self.format_of(view),
                now=self.bot.clock.now(),
                session=session,
            )
        await self.answer_then_follow(interaction, "Your turn is over. Thank you.", changes)

    @app_commands.command(name="status", description="Where the round here stands")
    async def status(self, interaction: discord.Interaction) -> None:
        view = await self._round(interaction)
        fmt = self.format_of(view)
        embed = lobby_embed(view, fmt)
        turn = view.current_turn
        if turn is not None:
            if turn.status is TurnStatus.PAUSED:
                left = f"paused with {rounds.clock_text(turn.remaining or 0)} left"
            else:
                left = f"ends {discord_time(turn.ends_at, 'R')}" if turn.ends_at else ""
            who = view.name_of(turn.speaker_id) if turn.speaker_id else "both sides"
            embed.add_field(
                name="Now", value=f"{turn.position}. {turn.role}: {who}, {left}", inline=False
            )
        if view.status is RoundStatus.VOTING and view.voting_ends_at:
            embed.add_field(
                name="Voting",
                value=f"closes {discord_time(view.voting_ends_at, 'R')}",
                inline=False,
            )
        if view.result:
            embed.add_field(name="Result", value=view.result[:1024], inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="transcript", description="The round as a Markdown file")
    async def transcript(self, interaction: discord.Interaction) -> None:
        view = await self._round(interaction)
        async with self.bot.db.session() as session:
            text = await rounds.transcript(view.id, self.format_of(view), session=session)
        file = discord.File(io.BytesIO(text.encode()), filename=f"round-{view.id}.md")
        await interaction.response.send_message(
            f"Transcript of round {view.id}.", file=file, ephemeral=True
        )

    async def _control(self, interaction: discord.Interaction, action: str, **extra: Any) -> None:
        view = await self._round(interaction)
        fmt = self.format_of(view)
        now = self.bot.clock.now()
        by = interaction.user.id
        async with self.bot.db.session() as session:
            if action == "pause":
                changes = await rounds.pause(view.id, by=by, now=now, session=session)
            elif action == "resume":
                changes = await rounds.resume(view.id, by=by, now=now, session=session)
            elif action == "extend":
                changes = await rounds.extend(
                    view.id, extra["seconds"], by=by, now=now, session=session
                )
            elif action == "skip":
                seen = view.current_turn
                changes = await rounds.skip(
                    view.id,
                    fmt=fmt,
                    by=by,
                    now=now,
                    session=session,
                    turn_id=seen.id if seen else None,
                )
            elif action == "remove":
                changes = await rounds.remove(
                    view.id, extra["member"].id, fmt=fmt, by=by, now=now, session=session
                )
            else:
                changes = await rounds.end(view.id, by=by, now=now, session=session)
        await self.answer_then_follow(interaction, f"Done: {action}.", changes)
        if action in ("remove", "end"):
            await self.refresh_lobby(changes.round, fmt)

    @app_commands.command(name="pause", description="Pause the round's clock (moderators)")
    @is_moderator()
    async def pause(self, interaction: discord.Interaction) -> None:
        await self._control(interaction, "pause")

    @app_commands.command(name="resume", description="Resume a paused round (moderators)")
    @is_moderator()
    async def resume(self, interaction: discord.Interaction) -> None:
        await self._control(interaction, "resume")

    @app_commands.command(name="extend", description="Give the current turn more time (moderators)")
    @is_moderator()
    async def extend(
        self, interaction: discord.Interaction, seconds: app_commands.Range[int, 1, 3600]
    ) -> None:
        await self._control(interaction, "extend", seconds=seconds)

    @app_commands.command(name="skip", description="End the current turn now (moderators)")
    @is_moderator()
    async def skip(self, interaction: discord.Interaction) -> None:
        await self._control(interaction, "skip")

    @app_commands.command(name="remove", description="Remove a member from the round (moderators)")
    @is_moderator()
    async def remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._control(interaction, "remove", member=member)

    @app_commands.command(
        name="end", description="End the round early, without a decision (moderators)"
    )
    @is_moderator()
    async def end(self, interaction: discord.Interaction) -> None:
        await self._control(interaction, "end")

    @app_commands.command(
        name="judge", description="Make a member a judge of the round here (moderators)"
    )
    @is_moderator()
    async def judge(self, interaction: discord.Interaction, member: discord.Member) -> None:
        view = await self._round(interaction)
        async with self.bot.db.session() as session:
            view = await rounds.assign_judge(
                view.id,
                member.id,
                member.display_name,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            f"{member.display_name} judges round {view.id}.", ephemeral=True
        )
        await self.refresh_lobby(view, self.format_of(view))


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Debate(bot))
