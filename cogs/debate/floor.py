"""What happens on a round's floor: its buttons pressed, its forms submitted, and, with
the Message Content intent, the messages posted in its thread (a speaker's speech, or an
out-of-turn message taken off the record)."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.actions.rounds.buttons import RoundButton
from bot.actions.rounds.render import lobby_embed, lobby_view, vote_view
from bot.actions.rounds.runner import RoundRunner
from bot.checks import moderator_status, require_moderator
from bot.client import MootBot
from bot.domain import RoundStatus, Side, counted
from bot.embeds import MOOT_COLOUR, SIDE_COLOURS
from bot.errors import MootError
from bot.replies import confirm, reporting
from bot.services import rounds
from bot.services.rounds import NoticeKind, RoundUpdate
from bot.services.rounds.speeches import MessageAction
from cogs.debate.forms import FORM_ID, BallotForm, SpeechForm, show_form

log = logging.getLogger("moot.debate")

# Discord's limit on a message's text.
MESSAGE_MAX = 2000


def typed(kind: str, values: dict[str, str]) -> str:
    """What the member typed in a form (a speech, or a ballot's three fields)."""
    if kind == "speech":
        return values.get("speech", "")
    return "\n".join(
        (
            f"Winner: {values.get('winner', '')}",
            "Speaker points:",
            values.get("points", ""),
            "Reason:",
            values.get("reason", ""),
        )
    )


async def give_back(interaction: discord.Interaction, refusal: str, text: str) -> None:
    """Refuse a form and hand back what was typed, to copy into it again: in a code block
    when it fits in the answer, else as a text file."""
    # A fence inside the text would close the block early.
    block = text.replace("```", "`\u200b``")
    content = f"{refusal}\n\nWhat you typed, to copy and submit again:\n```\n{block}\n```"
    files: list[discord.File] = []
    if len(content) > MESSAGE_MAX:
        content = f"{refusal}\n\nWhat you typed is attached, to copy and submit again."
        files = [discord.File(io.BytesIO(text.encode()), filename="what-you-typed.txt")]
    if interaction.response.is_done():
        await interaction.followup.send(content, files=files, ephemeral=True)
    else:
        await interaction.response.send_message(content, files=files, ephemeral=True)


class RoundFloor(commands.Cog):
    """Answers the buttons and forms of every round, and reads round threads."""

    def __init__(self, bot: MootBot, runner: RoundRunner) -> None:
        self.bot = bot
        self.runner = runner

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RoundButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RoundButton)
        await self.runner.close()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.runner.start()

    async def press(self, interaction: discord.Interaction, button: RoundButton) -> None:
        now = self.bot.clock.now()
        user = interaction.user
        if button.action == "start":
            await self.start_round(interaction, button.round_id)
            return
        async with self.bot.db.session() as session:
            view = await rounds.get_round(button.round_id, session=session)
        fmt = self.runner.format_of(view)
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
            await self.runner.answer_then_follow(
                interaction, "Your turn is over. Thank you.", changes
            )
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
        elif button.action in ("offer", "accept", "decline", "prep", "unprep"):
            await self.press_floor(interaction, button, view)
        elif button.action == "ballot":
            allowed, _ = await moderator_status(interaction)
            rounds.check_judge(view, user.id, may_judge=allowed)
            await show_form(interaction, BallotForm(view, fmt))
        else:
            raise MootError("That button is no longer in use.")

    async def press_floor(
        self, interaction: discord.Interaction, button: RoundButton, view: rounds.RoundView
    ) -> None:
        """Points of information (offer, accept, decline) and prep (take it, end it)."""
        now = self.bot.clock.now()
        user = interaction.user
        fmt = self.runner.format_of(view)
        if button.action == "offer":
            turn = view.current_turn
            if turn is None or turn.id != int(button.arg):
                raise MootError("That speech has ended; offer a point during the one under way.")
            changes = await self.offer(view.id, user.id)
            # Queued behind the point shown: as many are ahead as now wait behind that one.
            shown = changes.notices[0]
            queued = shown.kind is NoticeKind.POINT_QUEUE and shown.point is not None
            waiting = shown.point.waiting if queued and shown.point else 0
            speaker = view.name_of(turn.speaker_id)
            done = f"Your point is offered to {speaker}" + (
                f"; {counted(waiting, 'point')} {'is' if waiting == 1 else 'are'} ahead of it."
                if waiting
                else "."
            )
        elif button.action in ("accept", "decline"):
            accept = button.action == "accept"
            async with self.bot.db.session() as session:
                changes = await rounds.answer_point(
                    view.id,
                    int(button.arg),
                    user.id,
                    accept,
                    formats=self.bot.formats,
                    now=now,
                    session=session,
                )
            done = "You accepted the point." if accept else "You declined the point."
        elif button.action == "prep":
            async with self.bot.db.session() as session:
                changes = await rounds.take_prep(
                    view.id, user.id, fmt=fmt, now=now, session=session, turn_id=int(button.arg)
                )
            done = "Prep is running. Press Resume, or /debate prep again, to speak."
        else:
            allowed, _ = await moderator_status(interaction)
            async with self.bot.db.session() as session:
                changes = await rounds.end_prep(
                    view.id, user.id, may_moderate=allowed, fmt=fmt, now=now, session=session
                )
            done = "Prep is over: the speech runs."
        await self.runner.answer_then_follow(interaction, done, changes)

    async def offer(self, round_id: int, user_id: int) -> RoundUpdate:
        """Offer a point of information; a refused offer is recorded too, then refused."""
        now = self.bot.clock.now()
        try:
            async with self.bot.db.session() as session:
                return await rounds.offer_point(
                    round_id, user_id, formats=self.bot.formats, now=now, session=session
                )
        except MootError as refused:
            async with self.bot.db.session() as session:
                await rounds.note_refused_offer(
                    round_id, user_id, str(refused), now=now, session=session
                )
            raise

    async def start_round(self, interaction: discord.Interaction, round_id: int) -> None:
        """The lobby's Start button. One answer both acknowledges the press and shows the
        lobby as started: when hundreds of rounds start in the same second, every request
        saved is time the running rounds' turns get back. The round starts in the
        database first; if the answer then cannot be delivered, the lobby is refreshed
        with an ordinary edit."""
        await require_moderator(interaction, "start the round")
        [changes] = await self.runner.starting.run([(round_id, interaction.user.id)])
        if isinstance(changes, MootError):
            raise changes
        started = changes.round
        fmt = self.runner.format_of(started)
        try:
            await interaction.response.edit_message(
                embed=lobby_embed(started, fmt), view=lobby_view(started, fmt)
            )
        except discord.HTTPException:
            log.warning("round %s: could not answer the Start button", round_id, exc_info=True)
        else:
            changes = RoundUpdate(
                started, [n for n in changes.notices if n.kind is not NoticeKind.STARTED]
            )
        await self.runner.after(changes)

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
        async with reporting(interaction):
            try:
                if found["kind"] == "speech":
                    turn_id = int(found["turn"] or 0)
                    await self.submit_speech(
                        interaction, round_id, turn_id, values.get("speech", "")
                    )
                else:
                    await self.submit_ballot(interaction, round_id, values)
            except MootError as refused:
                # A form forgets what was typed once it is refused: hand it back to copy.
                await give_back(interaction, str(refused), typed(found["kind"], values))

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
                fmt=self.runner.format_of(view),
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            "Your ballot is recorded. You can submit again to change it.", ephemeral=True
        )

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
            ruling = rounds.rule_on_message(view, message.author.id, self.runner.format_of(view))
            if (
                ruling.action is MessageAction.RECORD
                and ruling.turn_id is not None
                and message.content.strip()
            ):
                await rounds.record_speech(
                    round_id,
                    ruling.turn_id,
                    message.author.id,
                    message.content[: rounds.SPEECH_MAX],
                    message_id=message.id,
                    now=self.bot.clock.now(),
                    session=session,
                )
                return
            if ruling.action is not MessageAction.OUT_OF_TURN:
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
