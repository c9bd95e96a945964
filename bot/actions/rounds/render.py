"""How a round looks in Discord: pure functions from the round's read model to embeds and
views, testable without a bot."""

from __future__ import annotations

import discord

from bot.actions.rounds.buttons import RoundButton
from bot.domain import RoundStatus, Side, Tally, counted
from bot.embeds import MOOT_COLOUR, SIDE_COLOURS
from bot.formats import Format
from bot.services import rounds
from bot.services.rounds import AUDIENCE, JUDGE, Notice, NoticeKind, RoundView
from bot.services.rounds.turns import PAUSE_ENDS
from bot.times import discord_time


def roster_lines(view: RoundView) -> list[str]:
    """Who is in the round, side by side, each side with the way it argues the motion."""
    lines = []
    for side in (view.proposition, view.proposition.other):
        names = ", ".join(s.name for s in view.speakers(side)) or "nobody yet"
        lines.append(f"**{side.label}** ({side.stance(view.proposition)}): {names}")
    audience = [s for s in view.seats if s.role == AUDIENCE]
    judges = [s.name for s in view.seats if s.role == JUDGE]
    lines.append(f"**Audience**: {len(audience)}")
    if judges:
        lines.append(f"**Judges**: {', '.join(judges)}")
    return lines


def lobby_embed(view: RoundView, fmt: Format) -> discord.Embed:
    """The round's lobby: motion, format, running order, roster and state."""
    embed = discord.Embed(title=view.motion[:256], colour=MOOT_COLOUR)
    embed.description = f"**{fmt.name}** · pace {view.pace:g}\n{fmt.description}"
    order = "\n".join(fmt.running_order(view.pace))
    embed.add_field(name="Running order", value=order[:1024], inline=False)
    embed.add_field(name="Roster", value="\n".join(roster_lines(view))[:1024], inline=False)
    state = {
        RoundStatus.LOBBY: f"Lobby: up to {counted(fmt.speakers_per_side, 'speaker')} a side. "
        "A moderator presses Start.",
        RoundStatus.RUNNING: "Under way.",
        RoundStatus.PAUSED: "Paused.",
        RoundStatus.VOTING: "Voting.",
        RoundStatus.DECIDED: "Decided." if view.winner else "No decision.",
        RoundStatus.ENDED: "Ended early.",
    }[view.status]
    embed.set_footer(text=f"Round {view.id} · {state}")
    return embed


def lobby_view(view: RoundView, fmt: Format) -> discord.ui.View:
    """The lobby's buttons: join, leave, start (and the before-vote of a swing format)."""
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
    """The vote buttons with their counts, and the ballot button."""
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


def describe(notice: Notice, view: RoundView) -> str:
    """The line posted in the thread for a notice that has no embed of its own."""
    turn = next((t for t in view.turns if t.id == notice.turn_id), None)
    what = turn.role if turn else "the turn"
    if notice.kind is NoticeKind.REMOVED:
        # Two notices: the member taken out (no turn), then their turn ending (its turn).
        if turn is None:
            return f"🚪 A moderator removed {notice.text} from the round."
        line = f"⏭ {what} ends here: its speaker is no longer in the round."
    elif notice.kind is NoticeKind.PAUSED and view.prep_side is not None:
        left = f" ({notice.text} left in the pool)" if notice.text else ""
        line = f"⏸ The round is paused during {view.prep_side.label}'s prep{left}."
    elif notice.kind is NoticeKind.RESUMED and view.prep_side is not None:
        until = f", until {discord_time(view.prep_ends_at, 'R')}" if view.prep_ends_at else ""
        line = f"▶️ The round resumes: {view.prep_side.label}'s prep continues{until}."
    else:
        line = _LINES.get(notice.kind, str(notice.kind)).format(
            what=what,
            text=notice.text,
            speaker=view.name_of(turn.speaker_id) if turn else "The speaker",
        )
    if notice.text == PAUSE_ENDS:
        line += " The round was paused: the clock runs again from here."
    return line


# The line each notice without an embed of its own posts in the thread.
_LINES = {
    NoticeKind.YIELD: "✅ {speaker} finished {what} early.",
    NoticeKind.SKIP: "⏭ A moderator skipped {what}.",
    NoticeKind.PAUSED: "⏸ The round is paused with {text} left in {what}.",
    NoticeKind.RESUMED: "▶️ The round resumes: {what} continues.",
    NoticeKind.EXTENDED: "➕ {what} was extended by {text} seconds.",
    NoticeKind.ENDED: "⏹ A moderator ended the round early. No decision will be made.",
    NoticeKind.NO_SPEAKER: "⏭ {what}: nobody is left on that side to speak, so it is passed over.",
}


def turn_embed(
    view: RoundView, turn: rounds.TurnView, fmt: Format, *, reads_messages: bool
) -> discord.Embed:
    """The announcement of a turn: who has the floor, for which side of the motion, until
    when, its protected time, the prep pools, and how the speech goes on the record
    (`reads_messages`: moot reads what is posted in the thread, with the Message Content
    intent)."""
    who = (
        view.name_of(turn.speaker_id)
        if turn.speaker_id
        else (turn.side.label if turn.side else "Both sides")
    )
    colour = SIDE_COLOURS[turn.side] if turn.side else MOOT_COLOUR
    embed = discord.Embed(
        title=f"{turn.position}/{len(view.turns)} · {turn.role}"[:256], colour=colour
    )
    everyone = turn.kind == "cross-examination" and turn.side is None
    lines = [f"**{who}** has the floor" if turn.kind != "prep" else "Preparation time"]
    if everyone:
        names = [s.name for side in Side for s in view.speakers(side)]
        lines[0] = f"**Every speaker** has the floor: {_listed(names)} ask and answer."
    if turn.side is not None:
        lines[0] += f" · {view.stance(turn.side)}"
    if turn.kind == "cross-examination" and not everyone:
        lines.append(f"{who} asks, {view.name_of(turn.answerer_id)} answers.")
    prepping = view.prep_side is not None and turn.id == getattr(view.current_turn, "id", None)
    if prepping and view.prep_side is not None:
        until = f" until {discord_time(view.prep_ends_at, 'R')}" if view.prep_ends_at else ""
        lines.append(
            f"⏳ {view.prep_side.label} is taking prep{until}: the clock stands still, and "
            f"the speech then runs its full {rounds.clock_text(turn.remaining or turn.seconds)}."
        )
    elif turn.ends_at:
        lines.append(f"Ends {discord_time(turn.ends_at, 'R')} ({rounds.clock_text(turn.seconds)}).")
    spec = rounds.takes_points(fmt, turn)
    if spec is not None and turn.side is not None:
        lines.append(
            f"Points of information from {turn.side.other.label}: "
            f"{rounds.protected_text(spec, turn, view.pace)} (Offer a point)."
        )
    pools = rounds.pools_text(view, fmt)
    if pools and turn.kind == "speech":
        lines.append(pools + ".")
    if turn.kind != "prep":
        lines.append(
            "Post your speech in this thread, or use Submit speech; press Done to finish early."
            if reads_messages
            else "Use Submit speech to put your speech on the record (messages posted in this "
            "thread are not recorded); press Done to finish early."
        )
    embed.description = "\n".join(lines)
    return embed


def _listed(names: list[str]) -> str:
    """`Alice, Carol and Bob`."""
    if len(names) < 2:
        return "".join(names) or "nobody"
    return ", ".join(names[:-1]) + " and " + names[-1]


def turn_view(view: RoundView, turn: rounds.TurnView, fmt: Format | None = None) -> discord.ui.View:
    """The buttons on a turn's announcement: the speaker's (Done, Submit speech), Offer a
    point in a speech that takes points, and Take prep while the side's pool has time."""
    ui = discord.ui.View(timeout=None)
    if turn.kind != "prep":
        ui.add_item(
            RoundButton(
                view.id, "done", str(turn.id), label="Done", style=discord.ButtonStyle.success
            )
        )
        ui.add_item(RoundButton(view.id, "speech", str(turn.id), label="Submit speech"))
    if fmt is None or turn.ended_at is not None:
        return ui
    if rounds.takes_points(fmt, turn) is not None:
        ui.add_item(RoundButton(view.id, "offer", str(turn.id), label="Offer a point"))
    pool = fmt.prep_pool(view.pace)
    if (
        pool
        and turn.kind == "speech"
        and turn.side is not None
        and view.prep_side is None
        and view.prep_left(turn.side, pool) > 0
    ):
        ui.add_item(RoundButton(view.id, "prep", str(turn.id), label="Take prep"))
    return ui


def point_embed(view: RoundView, notice: Notice, state: str = "") -> discord.Embed:
    """A point of information shown to the speaker: who offers it, and how many wait
    behind it; once answered, what became of it (`state`)."""
    assert notice.point is not None
    name = view.name_of(notice.point.user_id)
    line = f"✋ Point of information from **{name}**"
    if state:
        line += f" · {state}"
    elif notice.point.waiting:
        line += f" · {notice.point.waiting} more waiting"
    return discord.Embed(description=line, colour=MOOT_COLOUR)


def point_view(view: RoundView, notice: Notice) -> discord.ui.View:
    """Accept and Decline, for the speaker only."""
    assert notice.point is not None
    ui = discord.ui.View(timeout=None)
    arg = str(notice.point.id)
    ui.add_item(
        RoundButton(view.id, "accept", arg, label="Accept", style=discord.ButtonStyle.success)
    )
    ui.add_item(RoundButton(view.id, "decline", arg, label="Decline"))
    return ui


def prep_view(view: RoundView) -> discord.ui.View:
    """The Resume button of a prep: the side taking it, or a moderator, ends it."""
    ui = discord.ui.View(timeout=None)
    ui.add_item(RoundButton(view.id, "unprep", label="Resume", style=discord.ButtonStyle.primary))
    return ui


def prep_line(notice: Notice, view: RoundView, turn: rounds.TurnView | None) -> str:
    """What the thread is told when prep starts or ends."""
    what = turn.role if turn else "the speech"
    if notice.kind is NoticeKind.PREP:
        side = view.prep_side.label if view.prep_side else "A side"
        until = f", until {discord_time(view.prep_ends_at, 'R')}" if view.prep_ends_at else ""
        return (
            f"⏳ {side} takes prep ({view.name_of(view.prep_by)}): the clock of {what} stands "
            f"still while their pool runs ({notice.text} left{until}). Press Resume, or "
            "/debate prep again, to speak."
        )
    if turn is not None and turn.ends_at is not None and turn.ended_at is None:
        return (
            f"▶️ Prep is over: {notice.text}. {what} runs its full "
            f"{rounds.clock_text(turn.seconds)}, ending {discord_time(turn.ends_at, 'R')}."
        )
    return f"⏹ Prep ends with {what}: {notice.text}."


def point_line(notice: Notice, view: RoundView, turn: rounds.TurnView | None) -> str:
    """What the thread is told when a point is accepted, is over, or points lapse."""
    speaker = view.name_of(turn.speaker_id) if turn else "The speaker"
    if notice.kind is NoticeKind.POINTS_LAPSED:
        count, _, why = notice.text.partition(":")
        waiting = counted(int(count), "point")
        verb = "lapses" if count == "1" else "lapse"
        if why == "end":
            return f"✋ {waiting} still waiting {verb} with the end of the speech."
        return (
            f"✋ {speaker} took a point: the {waiting} still waiting {verb}; offer again once "
            "it is over."
        )
    assert notice.point is not None
    name = view.name_of(notice.point.user_id)
    if notice.kind is NoticeKind.POINT_ACCEPTED:
        return f"🎤 {speaker} accepts {name}'s point: {name} has the floor for {notice.text}."
    if notice.text == "pause":
        return f"🎤 {name}'s point ends with the pause."
    return f"🎤 {name}'s point is over; {speaker} continues."


def voting_embed(view: RoundView, fmt: Format) -> discord.Embed:
    """The announcement that voting is open; once the round is over, that it has closed
    (a relative close time would go on counting: "closes 5 minutes ago")."""
    if view.status is not RoundStatus.VOTING:
        return discord.Embed(
            title="Voting is closed",
            description="Which side won the debate? Voting has closed"
            + (": the result is posted below." if view.status is RoundStatus.DECIDED else "."),
            colour=MOOT_COLOUR,
        )
    ends = view.voting_ends_at
    return discord.Embed(
        title="Voting is open",
        description="Which side won the debate? Voting closes "
        f"{discord_time(ends, 'R') if ends else 'soon'}. "
        "One vote each; you can change it. Debaters cannot vote."
        + ("\nJudges and moderators: submit a ballot." if fmt.decision == "judges" else ""),
        colour=MOOT_COLOUR,
    )


def result_embed(view: RoundView) -> discord.Embed:
    """The announcement of the decision."""
    colour = SIDE_COLOURS[view.winner.side] if view.winner and view.winner.side else MOOT_COLOUR
    return discord.Embed(
        title=f"Result: {view.motion}"[:256],
        description=(view.result or "")[:4000],
        colour=colour,
    )
