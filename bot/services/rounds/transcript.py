"""The record of a round as Markdown: what /debate transcript attaches."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Side
from bot.formats import Format
from bot.models import Ballot, RoundEvent, Speech
from bot.services.rounds.decision import points_of
from bot.services.rounds.points import accepted_points
from bot.services.rounds.read_models import JUDGE
from bot.services.rounds.rows import get_round
from bot.services.rounds.voting import tally


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds")


async def transcript(round_id: int, fmt: Format, *, session: AsyncSession) -> str:
    """The round as Markdown: motion, roster, every speech with its time, votes, ballots."""
    view = await get_round(round_id, session=session)
    speeches = (
        await session.exec(
            select(Speech)
            .where(Speech.round_id == round_id)
            .order_by(col(Speech.posted_at), col(Speech.id))
        )
    ).all()
    events = (
        await session.exec(
            select(RoundEvent).where(RoundEvent.round_id == round_id).order_by(col(RoundEvent.id))
        )
    ).all()
    ballots = (await session.exec(select(Ballot).where(Ballot.round_id == round_id))).all()
    accepted = await accepted_points(round_id, session=session)
    out = [
        f"# {view.motion}",
        "",
        f"Format: {fmt.name} (pace {view.pace:g}) · Status: {view.status.value}",
        "",
    ]
    out.append("## Roster")
    for side in Side:
        names = ", ".join(s.name for s in view.speakers(side)) or "nobody"
        out.append(f"- {side.label}: {names}")
    judges = ", ".join(s.name for s in view.seats if s.role == JUDGE)
    if judges:
        out.append(f"- Judges: {judges}")
    out += ["", "## Speeches"]
    by_turn: dict[int, list[Speech]] = {}
    for speech in speeches:
        by_turn.setdefault(speech.turn_id, []).append(speech)
    for turn in view.turns:
        who = (
            view.name_of(turn.speaker_id)
            if turn.speaker_id
            else (turn.side.label if turn.side else "Both sides")
        )
        status = f" ({turn.end_reason})" if turn.end_reason and turn.end_reason != "time" else ""
        out += ["", f"### {turn.position}. {turn.role}: {who}{status}"]
        if turn.started_at:
            out.append(f"_Started {turn.started_at.isoformat(timespec='seconds')}_")
        for offerer, at in accepted.get(turn.id, []):
            out.append(f"_Point of information from {view.name_of(offerer)}, accepted {_iso(at)}_")
        for speech in by_turn.get(turn.id, []):
            out += [
                "",
                f"**{view.name_of(speech.user_id)}** · {_iso(speech.posted_at)}",
                "",
                speech.content,
            ]
    pre, post = (
        await tally(round_id, "pre", session=session),
        await tally(round_id, "post", session=session),
    )
    out += ["", "## Votes"]
    if fmt.decision == "swing":
        out.append(f"- Before: Realist {pre.realist}, Values {pre.values}")
    out.append(f"- After: Realist {post.realist}, Values {post.values}")
    if ballots:
        out += ["", "## Ballots"]
        for ballot in ballots:
            points = ", ".join(
                f"{view.name_of(u)} {v:g}" for u, v in points_of(ballot.points).items()
            )
            out.append(
                f"- {ballot.judge_name}: {Side(ballot.winner).label}; {points}. " + ballot.reason
            )
    if view.result:
        out += ["", "## Result", "", view.result]
    out += ["", "## Events"]
    out += [f"- {e.at.isoformat(timespec='seconds')} {e.kind} {e.detail}".rstrip() for e in events]
    return "\n".join(out) + "\n"
