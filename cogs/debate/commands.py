"""/debate: open a round, join it, run it and read it back. The commands turn into
service calls; what the round then announces is posted by the round runner
(bot/actions/rounds)."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.rounds.opening import (
    check_venue,
    default_venue,
    format_named,
    open_new_round,
    round_channel,
)
from bot.actions.rounds.render import lobby_embed
from bot.actions.rounds.runner import RoundRunner
from bot.autocomplete import essay_suggestions, format_choices
from bot.checks import is_moderator, moderator_status
from bot.client import MootBot
from bot.domain import RoundStatus, Side, TurnStatus, counted
from bot.embeds import MOOT_COLOUR
from bot.errors import MootError
from bot.services import floor, rounds
from bot.services.quotes import check_essay
from bot.services.rounds import RoundView
from bot.times import discord_time

PROPOSING_CHOICES = [
    app_commands.Choice(name="Realist (for the motion; Values against)", value="realist"),
    app_commands.Choice(name="Values (for the motion; Realist against)", value="values"),
]
SIDE_CHOICES = [
    app_commands.Choice(name="Realist", value="realist"),
    app_commands.Choice(name="Values", value="values"),
    app_commands.Choice(name="Audience", value="audience"),
]

# Every command that acts on "the round here" also takes the round by its number, for a
# round that is over (its thread no longer decides) or when several are open at once.
ROUND_HELP = "The round, if not the one here (its number)"


@app_commands.guild_only()
class Debate(commands.GroupCog, group_name="debate", group_description="Debate rounds"):
    def __init__(self, bot: MootBot, runner: RoundRunner) -> None:
        self.bot = bot
        self.runner = runner

    async def _round(self, interaction: discord.Interaction, named: int | None) -> RoundView:
        """The round a command acts on: the one the member named with the `round` option,
        else the round of the thread it is run in, else the server's only open round."""
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            round_id = await rounds.round_here(
                interaction.guild_id, interaction.channel_id, named=named, session=session
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
        proposing="The side that argues for the motion (default Realist)",
        venue="A Stage or voice channel where moot holds the floor (default: the server's)",
    )
    @app_commands.choices(proposing=PROPOSING_CHOICES)
    @is_moderator()
    async def start(
        self,
        interaction: discord.Interaction,
        motion: app_commands.Range[str, 1, rounds.MOTION_MAX],
        format: str | None = None,
        channel: discord.TextChannel | None = None,
        pace: app_commands.Range[float, rounds.PACE_RANGE[0], rounds.PACE_RANGE[1]] = 1.0,
        essay: str | None = None,
        proposing: app_commands.Choice[str] | None = None,
        venue: discord.StageChannel | discord.VoiceChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        fmt = format_named(self.bot.formats, format)
        channel = await round_channel(self.bot, interaction, channel)
        if venue is not None:
            async with self.bot.db.session() as session:
                holder = await floor.holder_of(venue.id, session=session)
            if holder is not None:
                raise MootError(
                    f"{venue.mention} is the venue of round {holder}, which is still open: "
                    f"choose another venue, or end round {holder} first."
                )
        venue = venue or await default_venue(self.bot, interaction.guild)
        if essay is not None:
            async with self.bot.db.session() as session:
                essay = await check_essay(essay, session=session, guild_id=interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await open_new_round(
            self.bot,
            interaction.guild.id,
            channel.id,
            motion=motion,
            fmt=fmt,
            pace=pace,
            by=interaction.user.id,
            essay=essay,
            proposition=Side(proposing.value) if proposing else Side.REALIST,
            venue=venue,
        )
        heard = f", heard on {venue.mention}" if venue is not None else ""
        note = await check_venue(self.bot, view) if venue is not None else None
        await interaction.followup.send(
            f"Round {view.id} is open in <#{view.thread_id}>{'' if note else heard}."
            + (f"\n{note}" if note else ""),
            ephemeral=True,
        )

    @start.autocomplete("essay")
    async def essay_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await essay_suggestions(self.bot.db, current, interaction.guild_id)

    @start.autocomplete("format")
    async def format_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return format_choices(self.bot.formats, current)

    @app_commands.command(
        name="join", description="Join the round here as a speaker or the audience"
    )
    @app_commands.choices(side=SIDE_CHOICES)
    @app_commands.describe(round=ROUND_HELP)
    async def join(
        self,
        interaction: discord.Interaction,
        side: app_commands.Choice[str],
        round: int | None = None,
    ) -> None:
        view = await self._round(interaction, round)
        fmt = self.runner.format_of(view)
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
        await self.runner.refresh_lobby(view, fmt)

    @app_commands.command(name="leave", description="Leave the round here")
    @app_commands.describe(round=ROUND_HELP)
    async def leave(self, interaction: discord.Interaction, round: int | None = None) -> None:
        view = await self._round(interaction, round)
        async with self.bot.db.session() as session:
            view = await rounds.leave(
                view.id, interaction.user.id, now=self.bot.clock.now(), session=session
            )
        await interaction.response.send_message(f"You left round {view.id}.", ephemeral=True)
        await self.runner.refresh_lobby(view, self.runner.format_of(view))

    @app_commands.command(name="yield", description="Finish your turn early")
    @app_commands.describe(round=ROUND_HELP)
    async def yield_(self, interaction: discord.Interaction, round: int | None = None) -> None:
        view = await self._round(interaction, round)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            changes = await rounds.yield_turn(
                view.id,
                rounds.turn_seen(view, interaction.id),
                interaction.user.id,
                fmt=self.runner.format_of(view),
                now=now,
                session=session,
            )
        await self.runner.answer_then_follow(interaction, "Your turn is over. Thank you.", changes)

    @app_commands.command(
        name="prep", description="Take prep from your side's pool before your speech, or end it"
    )
    @app_commands.describe(round=ROUND_HELP)
    async def prep(self, interaction: discord.Interaction, round: int | None = None) -> None:
        view = await self._round(interaction, round)
        fmt = self.runner.format_of(view)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            if view.prep_side is None:
                changes = await rounds.take_prep(
                    view.id,
                    interaction.user.id,
                    fmt=fmt,
                    now=now,
                    session=session,
                    turn_id=rounds.turn_seen(view, interaction.id),
                )
                done = "Prep is running. Press Resume, or /debate prep again, to speak."
            else:
                allowed, _ = await moderator_status(interaction)
                changes = await rounds.end_prep(
                    view.id,
                    interaction.user.id,
                    may_moderate=allowed,
                    fmt=fmt,
                    now=now,
                    session=session,
                )
                done = "Prep is over: the speech runs."
        await self.runner.answer_then_follow(interaction, done, changes)

    @app_commands.command(name="status", description="Where the round here stands")
    @app_commands.describe(round=ROUND_HELP)
    async def status(self, interaction: discord.Interaction, round: int | None = None) -> None:
        view = await self._round(interaction, round)
        fmt = self.runner.format_of(view)
        embed = lobby_embed(view, fmt)
        turn = view.current_turn
        if turn is not None:
            if view.prep_side is not None:
                left = f"its full {rounds.clock_text(turn.remaining or 0)} to run after prep"
            elif turn.status is TurnStatus.PAUSED:
                left = f"paused with {rounds.clock_text(turn.remaining or 0)} left"
            else:
                left = f"ends {discord_time(turn.ends_at, 'R')}" if turn.ends_at else ""
            who = view.name_of(turn.speaker_id) if turn.speaker_id else "both sides"
            embed.add_field(
                name="Now", value=f"{turn.position}. {turn.role}: {who}, {left}", inline=False
            )
        now = self.bot.clock.now()
        if view.prep_side is not None and turn is not None:
            until = f", until {discord_time(view.prep_ends_at, 'R')}" if view.prep_ends_at else ""
            embed.add_field(
                name="Prep", value=f"{view.prep_side.label} is taking prep{until}.", inline=False
            )
        pools = rounds.pools_text(view, fmt, now)
        if pools and not view.is_over:
            embed.add_field(name="Prep pools", value=pools, inline=False)
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
    @app_commands.describe(round=ROUND_HELP)
    async def transcript(self, interaction: discord.Interaction, round: int | None = None) -> None:
        view = await self._round(interaction, round)
        async with self.bot.db.session() as session:
            text = await rounds.transcript(view.id, self.runner.format_of(view), session=session)
        file = discord.File(io.BytesIO(text.encode()), filename=f"round-{view.id}.md")
        await interaction.response.send_message(
            f"Transcript of round {view.id}.", file=file, ephemeral=True
        )

    async def _control(
        self, interaction: discord.Interaction, action: str, named: int | None, **extra: Any
    ) -> None:
        view = await self._round(interaction, named)
        fmt = self.runner.format_of(view)
        now = self.bot.clock.now()
        by = interaction.user.id
        # The turn the moderator saw: one announced after they sent this was not.
        seen = rounds.turn_seen(view, interaction.id)
        turn = next((t.role for t in view.turns if t.id == seen), "the turn")
        async with self.bot.db.session() as session:
            if action == "pause":
                changes = await rounds.pause(view.id, by=by, now=now, session=session)
                done = f"Paused the round in {turn}."
            elif action == "resume":
                changes = await rounds.resume(view.id, by=by, now=now, session=session, fmt=fmt)
                done = f"Resumed the round: {turn} continues."
            elif action == "extend":
                seconds = extra["seconds"]
                changes = await rounds.extend(
                    view.id, seconds, by=by, now=now, session=session, turn_id=seen
                )
                done = f"Added {counted(seconds, 'second')} to {turn}."
            elif action == "skip":
                paused = view.status is RoundStatus.PAUSED
                changes = await rounds.skip(
                    view.id, fmt=fmt, by=by, now=now, session=session, turn_id=seen
                )
                done = f"Skipped {turn}." + (
                    " The round was paused: the clock runs again from the next turn."
                    if paused
                    else ""
                )
            elif action == "remove":
                member = extra["member"]
                changes = await rounds.remove(
                    view.id, member.id, fmt=fmt, by=by, now=now, session=session
                )
                done = f"Removed {member.display_name} from round {view.id}."
            else:
                changes = await rounds.end(view.id, by=by, now=now, session=session)
                done = f"Ended round {view.id} early, without a decision."
        await self.runner.answer_then_follow(interaction, done, changes)
        if action in ("remove", "end"):
            await self.runner.refresh_lobby(changes.round, fmt)

    @app_commands.command(name="pause", description="Pause the round's clock (moderators)")
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def pause(self, interaction: discord.Interaction, round: int | None = None) -> None:
        await self._control(interaction, "pause", round)

    @app_commands.command(name="resume", description="Resume a paused round (moderators)")
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def resume(self, interaction: discord.Interaction, round: int | None = None) -> None:
        await self._control(interaction, "resume", round)

    @app_commands.command(name="extend", description="Give the current turn more time (moderators)")
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def extend(
        self,
        interaction: discord.Interaction,
        seconds: app_commands.Range[int, 1, 3600],
        round: int | None = None,
    ) -> None:
        await self._control(interaction, "extend", round, seconds=seconds)

    @app_commands.command(name="skip", description="End the current turn now (moderators)")
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def skip(self, interaction: discord.Interaction, round: int | None = None) -> None:
        await self._control(interaction, "skip", round)

    @app_commands.command(name="remove", description="Remove a member from the round (moderators)")
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def remove(
        self, interaction: discord.Interaction, member: discord.Member, round: int | None = None
    ) -> None:
        await self._control(interaction, "remove", round, member=member)

    @app_commands.command(
        name="end", description="End the round early, without a decision (moderators)"
    )
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def end(self, interaction: discord.Interaction, round: int | None = None) -> None:
        await self._control(interaction, "end", round)

    @app_commands.command(
        name="judge", description="Make a member a judge of the round here (moderators)"
    )
    @is_moderator()
    @app_commands.describe(round=ROUND_HELP)
    async def judge(
        self, interaction: discord.Interaction, member: discord.Member, round: int | None = None
    ) -> None:
        view = await self._round(interaction, round)
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
        await self.runner.refresh_lobby(view, self.runner.format_of(view))

    @join.autocomplete("round")
    @leave.autocomplete("round")
    @yield_.autocomplete("round")
    @prep.autocomplete("round")
    @pause.autocomplete("round")
    @resume.autocomplete("round")
    @extend.autocomplete("round")
    @skip.autocomplete("round")
    @remove.autocomplete("round")
    @end.autocomplete("round")
    @judge.autocomplete("round")
    async def open_rounds(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The server's open rounds, by number and motion."""
        return await self._round_choices(interaction, current, ended=False)

    @status.autocomplete("round")
    @transcript.autocomplete("round")
    async def any_rounds(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The server's recent rounds, open ones first, then those that are over."""
        return await self._round_choices(interaction, current, ended=True)

    async def _round_choices(
        self, interaction: discord.Interaction, typed: str, *, ended: bool
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.session() as session:
            found = await rounds.round_choices(
                interaction.guild_id, str(typed), ended=ended, session=session
            )
        return [app_commands.Choice(name=label, value=round_id) for label, round_id in found]
