"""How a round is decided, with no database: reading a judge's ballot, and the format's rule
applied to the audience's votes and the judges' ballots.

Kept apart from the service so the rule can be read, and tested, on its own: the service
gathers the votes and ballots, these functions say who won and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain import Side, Tally, Winner, counted
from bot.errors import MootError
from bot.formats import Decision as Rule
from bot.formats import Tie
from bot.services.rounds.read_models import RoundView, Seat

REASON_MAX = 1000

_POINTS_LINE = re.compile(r"^\s*(?P<name>.+?)\s*[:=]\s*(?P<points>-?\d+(?:\.\d+)?)\s*$")
# The template names each speaker with their side; a judge may leave that in.
_SIDE_AFTER_NAME = re.compile(r"\s*\((realist|values)\)$", flags=re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    """A round's result: who won (None when there was nothing to decide from: no decision,
    which is neither rated nor a draw), and the lines that explain it."""

    winner: Winner | None
    summary: str


@dataclass(frozen=True)
class BallotEntry:
    """What a judge entered, checked: the side they chose, each speaker's points by user id,
    and their reason."""

    winner: str
    points: dict[int, float]
    reason: str


@dataclass(frozen=True)
class BallotView:
    """A submitted ballot, as the decision reads it."""

    judge_name: str
    winner: str
    points: dict[int, float]
    reason: str


def ballot_template(view: RoundView) -> str:
    """The points field's starting text: one line a speaker, to fill in."""
    lines = []
    for side in Side:
        lines += [f"{s.name} ({side.label}): " for s in view.speakers(side)]
    return "\n".join(lines)


def read_ballot(
    winner: str,
    points: str,
    reason: str,
    *,
    speakers: Sequence[Seat],
    points_range: tuple[int, int],
) -> BallotEntry:
    """A ballot as typed in the form, checked whole: a side, "name: points" for each of the
    round's `speakers` within `points_range`, and a reason. MootError lists every problem at
    once, so the judge can fix them all in one go."""
    problems = []
    choice = winner.strip().lower()
    if choice not in (Side.REALIST, Side.VALUES):
        problems.append(f"Winner must be Realist or Values, not “{winner.strip()[:30]}”.")
    low, high = points_range
    by_name = {s.name.lower(): s for s in speakers}
    given: dict[int, float] = {}
    for number, line in enumerate(points.splitlines(), 1):
        if not line.strip():
            continue
        match = _POINTS_LINE.match(line)
        name = (match["name"] if match else line).strip()
        seat = by_name.get(_SIDE_AFTER_NAME.sub("", name).lower())
        if match is None or seat is None:
            problems.append(
                f"Line {number} (“{line.strip()[:40]}”): write “name: points” for a speaker."
            )
            continue
        value = float(match["points"])
        if not low <= value <= high:
            problems.append(f"{seat.name}: {match['points']} is outside {low}-{high}.")
            continue
        given[seat.user_id] = value
    missing = [s.name for s in by_name.values() if s.user_id not in given]
    if missing:
        problems.append(f"Points missing for {', '.join(missing)}.")
    text = reason.strip()
    if not text:
        problems.append("Give a reason for your decision.")
    elif len(text) > REASON_MAX:
        problems.append(f"The reason is {len(text)} characters; keep it to {REASON_MAX}.")
    if problems:
        raise MootError("Ballot not recorded:\n" + "\n".join(f"• {p}" for p in problems))
    return BallotEntry(choice, given, text)


def points_text(points: Mapping[int, float]) -> str:
    """Speaker points as the ballot table stores them."""
    return json.dumps({str(k): v for k, v in points.items()})


def points_of(text: str) -> dict[int, float]:
    """Speaker points by user id, from what the ballot table stores."""
    return {int(user): float(value) for user, value in json.loads(text).items()}


def winner_of(realist: float, values: float) -> Winner:
    """The side with more, or a draw."""
    if realist > values:
        return Winner.REALIST
    if values > realist:
        return Winner.VALUES
    return Winner.DRAW


def realist_share(votes: Tally) -> float:
    """The Realist side's share of the votes in percent; half when nobody voted."""
    total = votes.realist + votes.values
    return 50.0 if total == 0 else 100.0 * votes.realist / total


def speaker_averages(ballots: Sequence[BallotView]) -> list[tuple[int, float]]:
    """Each speaker's points averaged over the ballots that score them, highest first
    (speakers level keep the order the ballots first name them in)."""
    given: dict[int, list[float]] = {}
    for ballot in ballots:
        for user, value in ballot.points.items():
            given.setdefault(user, []).append(value)
    averages = [(user, sum(values) / len(values)) for user, values in given.items()]
    return sorted(averages, key=lambda pair: -pair[1])


def reach_decision(
    *,
    rule: Rule,
    tie: Tie,
    pre: Tally,
    post: Tally,
    ballots: Sequence[BallotView],
    name_of: Callable[[int], str],
    proposition: Side = Side.REALIST,
) -> Decision:
    """Apply the format's `rule` to the audience's votes before (`pre`) and after (`post`)
    the debate and to the judges' ballots; `tie` says whether ballots break a draw;
    `proposition`, the side that argued for the motion (the result says which way it went).

    swing: the side the audience moved towards wins. judges: the majority of ballots, or
    the audience when no ballot came. audience: the majority of the votes after. With no
    vote after the debate and no ballot, nothing decides the round: no decision.
    """
    if post.realist + post.values == 0 and not ballots:
        return Decision(
            None,
            "No decision: nobody voted after the debate and no ballot was submitted.\n"
            "The round is not a draw and does not count in ratings or records.",
        )
    ballot_votes = Tally(
        sum(1 for b in ballots if b.winner == Side.REALIST),
        sum(1 for b in ballots if b.winner == Side.VALUES),
    )
    lines = [f"Audience: Realist {post.realist} · Values {post.values}"]
    if rule == "swing":
        before, after = realist_share(pre), realist_share(post)
        gain = after - before
        lines.insert(0, f"Before: Realist {pre.realist} · Values {pre.values}")
        lines.append(f"Realist share {before:.0f}% → {after:.0f}% ({gain:+.0f} points)")
        winner = winner_of(gain, 0.0)
        margin = f"a swing of {abs(gain):.0f} points"
    elif rule == "judges" and ballots:
        winner = winner_of(ballot_votes.realist, ballot_votes.values)
        high, low = sorted((ballot_votes.realist, ballot_votes.values), reverse=True)
        margin = f"{high}-{low} on ballots"
        lines.append(f"Ballots: Realist {ballot_votes.realist} · Values {ballot_votes.values}")
    else:
        winner = winner_of(post.realist, post.values)
        margin = counted(abs(post.realist - post.values), "vote")
        if rule == "judges":
            lines.append("No ballot was submitted, so the audience vote decided.")
    if winner is Winner.DRAW and tie == "ballots" and ballots:
        winner = winner_of(ballot_votes.realist, ballot_votes.values)
        margin = "the ballots, breaking a tie"
    lines.append(
        f"Winner: **{winner.side.label}** ({winner.side.stance(proposition)}), by {margin}"
        if winner.side
        else "Result: a draw"
    )
    if ballots:
        points = ", ".join(
            f"{name_of(user)} {average:g}" for user, average in speaker_averages(ballots)
        )
        lines.append(f"Speaker points: {points}")
        for ballot in ballots:
            lines.append(f"{ballot.judge_name} ({Side(ballot.winner).label}): {ballot.reason}")
    return Decision(winner, "\n".join(lines))
