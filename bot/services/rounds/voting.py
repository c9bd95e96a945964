"""Votes, ballots and the decision: the audience's votes, the judges' ballots, and the
result when voting closes. The rule that decides is in `decision`; this module gathers
what it decides from and stores what it says."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.domain import RoundStatus, Side, Tally
from bot.errors import MootError
from bot.formats import Format
from bot.models import Ballot, Participant, Round, RoundVote
from bot.services import scores
from bot.services.rounds.decision import (
    BallotView,
    Decision,
    points_of,
    points_text,
    reach_decision,
    read_ballot,
)
from bot.services.rounds.read_models import AUDIENCE, JUDGE, Notice, NoticeKind, RoundView
from bot.services.rounds.rows import get_round, record_event


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
    if role in (Side.REALIST, Side.VALUES):
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
    return Tally(counts.get(Side.REALIST, 0), counts.get(Side.VALUES, 0))


def check_judge(view: RoundView, user_id: int, *, may_judge: bool) -> None:
    """MootError unless `user_id` may submit a ballot in the round now: a moderator
    (`may_judge`) or one of its judges, never one of its debaters, while voting is open.
    The Submit ballot button asks before showing the form, the ballot itself again."""
    role = view.role_of(user_id)
    if role in (Side.REALIST, Side.VALUES):
        raise MootError("Debaters cannot judge their own round.")
    if not (may_judge or role == JUDGE):
        raise MootError("Only moderators and the round's judges can submit a ballot.")
    if view.status is not RoundStatus.VOTING:
        raise MootError("Ballots are taken after the last speech, until voting closes.")


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
    check_judge(view, judge_id, may_judge=may_judge)
    entry = read_ballot(
        winner,
        points,
        reason,
        speakers=[s for side in Side for s in view.speakers(side)],
        points_range=fmt.points,
    )
    await upsert(
        session,
        Ballot,
        {
            "round_id": round_id,
            "judge_id": judge_id,
            "judge_name": judge_name[:100],
            "winner": entry.winner,
            "points": points_text(entry.points),
            "reason": entry.reason,
            "submitted_at": now,
        },
        ["round_id", "judge_id"],
    )
    await record_event(session, round_id, "ballot", now, judge_id, entry.winner)
    return view


async def close_voting(
    row: Round, fmt: Format, now: datetime, session: AsyncSession
) -> list[Notice]:
    """Close the vote and record the result, once however many timers fire together: no
    notices when another has closed it first."""
    assert row.id is not None
    claimed = await session.exec(
        update(Round)
        .where(col(Round.id) == row.id, col(Round.status) == RoundStatus.VOTING)
        .values(status=RoundStatus.DECIDED, due_at=None, finished_at=now)
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
    await record_event(session, row.id, "decided", now, None, decision.winner or "no decision")
    return [Notice(NoticeKind.DECIDED, row.id)]


async def decide(round_id: int, fmt: Format, *, session: AsyncSession) -> Decision:
    """Apply the format's rule to the votes and ballots."""
    view = await get_round(round_id, session=session)
    post = await tally(round_id, "post", session=session)
    pre = await tally(round_id, "pre", session=session)
    stored = (await session.exec(select(Ballot).where(Ballot.round_id == round_id))).all()
    ballots = [BallotView(b.judge_name, b.winner, points_of(b.points), b.reason) for b in stored]
    return reach_decision(
        rule=fmt.decision,
        tie=fmt.tie,
        pre=pre,
        post=post,
        ballots=ballots,
        name_of=view.name_of,
        proposition=view.proposition,
    )
