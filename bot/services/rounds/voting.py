"""Votes, ballots and the decision: the audience's votes, the judges' ballots, and the
result when voting closes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.errors import MootError
from bot.formats import Format
from bot.models import Ballot, Participant, Round, RoundStatus, RoundVote, Side, Tally
from bot.services import scores
from bot.services.rounds.read_models import AUDIENCE, JUDGE, Notice, RoundView
from bot.services.rounds.rows import get_round, record_event

REASON_MAX = 1000


async def vote(
    round_id: int,
    user_id: int,
    name: str,
    side: Side,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> Tally:
    """An audience vote: before the start (Oxford-style) or in the voting window."""
    view = await get_round(round_id, session=session)
    role = view.role_of(user_id)
    if role in (Side.REALIST.value, Side.VALUES.value):
        raise MootError("Debaters cannot vote in their own round.")
    if view.status is RoundStatus.LOBBY and fmt.decision == "swing":
        phase = "pre"
    elif view.status is RoundStatus.VOTING:
        phase = "post"
    elif view.status is RoundStatus.LOBBY:
        raise MootError("Voting opens after the last speech.")
    else:
        raise MootError(
            "Voting is closed." if view.is_over else "Voting opens after the last speech."
        )
    if role is None:
        await upsert(
            session,
            Participant,
            {
                "round_id": round_id,
                "user_id": user_id,
                "role": AUDIENCE,
                "name": name[:100],
                "joined_at": now,
            },
            ["round_id", "user_id"],
        )
    await upsert(
        session,
        RoundVote,
        {
            "round_id": round_id,
            "user_id": user_id,
            "phase": phase,
            "side": side.value,
            "voted_at": now,
        },
        ["round_id", "user_id", "phase"],
    )
    return await tally(round_id, phase, session=session)


async def tally(round_id: int, phase: str, *, session: AsyncSession) -> Tally:
    """The audience's votes of one `phase`: "pre" (before the start) or "post"."""
    rows = await session.exec(
        select(RoundVote.side, func.count())
        .where(RoundVote.round_id == round_id, RoundVote.phase == phase)
        .group_by(col(RoundVote.side))
    )
    counts = dict(rows.all())
    return Tally(counts.get(Side.REALIST.value, 0), counts.get(Side.VALUES.value, 0))


_POINTS_LINE = re.compile(r"^\s*(?P<name>.+?)\s*[:=]\s*(?P<points>-?\d+(?:\.\d+)?)\s*$")


def ballot_template(view: RoundView) -> str:
    """The points field's starting text: one line a speaker, to fill in."""
    lines = []
    for side in Side:
        lines += [f"{s.name} ({side.label}): " for s in view.speakers(side)]
    return "\n".join(lines)


async def submit_ballot(
    round_id: int,
    judge_id: int,
    judge_name: str,
    *,
    may_judge: bool,
    winner: str,
    points: str,
    reason: str,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> RoundView:
    """A ballot from a moderator or an assigned judge: checked whole, stored or refused."""
    view = await get_round(round_id, session=session)
    role = view.role_of(judge_id)
    if role in (Side.REALIST.value, Side.VALUES.value):
        raise MootError("Debaters cannot judge their own round.")
    if not (may_judge or role == JUDGE):
        raise MootError("Only moderators and the round's judges can submit a ballot.")
    if view.status is not RoundStatus.VOTING:
        raise MootError("Ballots are taken after the last speech, until voting closes.")
    problems = []
    choice = winner.strip().lower()
    if choice not in (Side.REALIST.value, Side.VALUES.value):
        problems.append(f"Winner must be Realist or Values, not “{winner.strip()[:30]}”.")
    low, high = fmt.points
    speakers = {s.name.lower(): s for side in Side for s in view.speakers(side)}
    given: dict[int, float] = {}
    for number, line in enumerate(points.splitlines(), 1):
        if not line.strip():
            continue
        match = _POINTS_LINE.match(line)
        name = (match["name"] if match else line).strip()
        name = re.sub(r"\s*\((realist|values)\)$", "", name, flags=re.IGNORECASE).lower()
        seat = speakers.get(name)
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
    missing = [s.name for s in speakers.values() if s.user_id not in given]
    if missing:
        problems.append(f"Points missing for {', '.join(missing)}.")
    text = reason.strip()
    if not text:
        problems.append("Give a reason for your decision.")
    elif len(text) > REASON_MAX:
        problems.append(f"The reason is {len(text)} characters; keep it to {REASON_MAX}.")
    if problems:
        raise MootError("Ballot not recorded:\n" + "\n".join(f"• {p}" for p in problems))
    await upsert(
        session,
        Ballot,
        {
            "round_id": round_id,
            "judge_id": judge_id,
            "judge_name": judge_name[:100],
            "winner": choice,
            "points": json.dumps({str(k): v for k, v in given.items()}),
            "reason": text,
            "submitted_at": now,
        },
        ["round_id", "judge_id"],
    )
    await record_event(session, round_id, "ballot", now, judge_id, choice)
    return view


@dataclass(frozen=True)
class Decision:
    """A round's result: who won, and the lines that explain it."""

    winner: str  # realist, values or draw
    summary: str


async def close_voting(
    row: Round, fmt: Format, now: datetime, session: AsyncSession
) -> list[Notice]:
    """Close the vote and record the result, once however many timers fire together: no
    notices when another has closed it first."""
    assert row.id is not None
    claimed = await session.exec(
        update(Round)
        .where(col(Round.id) == row.id, col(Round.status) == RoundStatus.VOTING.value)
        .values(status=RoundStatus.DECIDED.value, due_at=None, finished_at=now)
    )
    if claimed.rowcount != 1:
        return []
    decision = await decide(row.id, fmt, session=session)
    await session.exec(
        update(Round)
        .where(col(Round.id) == row.id)
        .values(winner=decision.winner, result=decision.summary)
    )
    # In the deciding transaction: each decided round counts once in the scores.
    await scores.record_round(row.id, session=session)
    await record_event(session, row.id, "decided", now, None, decision.winner)
    return [Notice("decided", row.id)]


async def decide(round_id: int, fmt: Format, *, session: AsyncSession) -> Decision:
    """Apply the format's rule to the votes and ballots."""
    view = await get_round(round_id, session=session)
    post = await tally(round_id, "post", session=session)
    pre = await tally(round_id, "pre", session=session)
    ballots = (await session.exec(select(Ballot).where(Ballot.round_id == round_id))).all()
    ballot_votes = Tally(
        sum(1 for b in ballots if b.winner == Side.REALIST.value),
        sum(1 for b in ballots if b.winner == Side.VALUES.value),
    )
    lines = [f"Audience: Realist {post.realist} · Values {post.values}"]
    if fmt.decision == "swing":

        def share(t: Tally) -> float:
            total = t.realist + t.values
            return 50.0 if total == 0 else 100.0 * t.realist / total

        before, after = share(pre), share(post)
        gain = after - before
        lines.insert(0, f"Before: Realist {pre.realist} · Values {pre.values}")
        lines.append(f"Realist share {before:.0f}% → {after:.0f}% ({gain:+.0f} points)")
        winner = _winner(gain, 0.0)
        margin = f"a swing of {abs(gain):.0f} points"
    elif fmt.decision == "judges" and ballots:
        winner = _winner(ballot_votes.realist, ballot_votes.values)
        high, low = sorted((ballot_votes.realist, ballot_votes.values), reverse=True)
        margin = f"{high}-{low} on ballots"
        lines.append(f"Ballots: Realist {ballot_votes.realist} · Values {ballot_votes.values}")
    else:
        winner = _winner(post.realist, post.values)
        margin = f"{abs(post.realist - post.values)} vote(s)"
        if fmt.decision == "judges":
            lines.append("No ballot was submitted, so the audience vote decided.")
    if winner == "draw" and fmt.tie == "ballots" and ballots:
        winner = _winner(ballot_votes.realist, ballot_votes.values)
        margin = "the ballots, breaking a tie"
    lines.append(
        "Result: a draw" if winner == "draw" else f"Winner: **{Side(winner).label}**, by {margin}"
    )
    if ballots:
        totals: dict[int, list[float]] = {}
        for ballot in ballots:
            for user, value in json.loads(ballot.points).items():
                totals.setdefault(int(user), []).append(float(value))
        points = ", ".join(
            f"{view.name_of(user)} {sum(v) / len(v):g}"
            for user, v in sorted(totals.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))
        )
        lines.append(f"Speaker points: {points}")
        for ballot in ballots:
            lines.append(f"{ballot.judge_name} ({Side(ballot.winner).label}): {ballot.reason}")
    return Decision(winner, "\n".join(lines))


def _winner(realist: float, values: float) -> str:
    if realist > values:
        return Side.REALIST.value
    if values > realist:
        return Side.VALUES.value
    return "draw"
