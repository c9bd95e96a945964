"""Preparation as a pool: each side has the format's `prep_seconds` (at the round's pace)
to draw on before its speeches.

A debater of the side whose speech has just begun calls prep: the speech's clock stands
still and the side's prep clock runs, until they (or a moderator) end it or the pool is
empty (the round's alarm); then the speech runs with its full time. So that prep cannot
win back time already spoken, it can be called only in the first PREP_GRACE seconds of a
speech: after that, the speech is under way. Nobody holds the floor during prep.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.formats import Format
from bot.services.rounds.clock import clock_text, next_due, with_turn
from bot.services.rounds.read_models import Notice, NoticeKind, RoundUpdate, RoundView
from bot.services.rounds.rows import ROUNDS, TURNS, event_row, get_round, record_events

# How long into a speech its side may still call prep (wall-clock seconds from its start,
# at any pace: the time a debater needs to press the button).
PREP_GRACE = 15


def pools_text(view: RoundView, fmt: Format, now: datetime | None = None) -> str:
    """`Prep left: Realist 4:00 · Values 2:50` (empty when the format has no pool)."""
    pool = fmt.prep_pool(view.pace)
    if not pool:
        return ""
    sides = " · ".join(
        f"{side.label} {clock_text(view.prep_left(side, pool, now))}" for side in Side
    )
    return f"Prep left: {sides}"


def prep_report(view: RoundView, side: Side, fmt: Format, now: datetime) -> str:
    """`Values used 1:10 of prep; 2:50 left`."""
    pool = fmt.prep_pool(view.pace)
    used = min(pool, view.prep_used(side, now))
    return f"{side.label} used {clock_text(used)} of prep; {clock_text(pool - used)} left"


async def take_prep(
    round_id: int,
    user_id: int,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
    turn_id: int | None = None,
) -> RoundUpdate:
    """A debater of the side whose speech has just begun takes prep from their pool: the
    speech's clock stands still until prep ends. `turn_id`, the turn the member saw (its
    button, or the one announced when they sent the command): prep is not taken on a turn
    they had not seen. MootError with the reason otherwise."""
    view = await get_round(round_id, session=session)
    pool = fmt.prep_pool(view.pace)
    if not pool:
        raise MootError(f"{fmt.name} has no prep time.")
    if view.status is RoundStatus.PAUSED:
        raise MootError("The round is paused: prep can be called once it resumes.")
    turn = view.current_turn
    if view.status is not RoundStatus.RUNNING or turn is None:
        raise MootError("No turn is under way in that round.")
    if view.prep_side is not None:
        raise MootError(f"{view.prep_side.label} is already taking prep.")
    if turn_id is not None and turn_id != turn.id:
        raise MootError(
            f"That turn has ended; {turn.role} (turn {turn.position}) is under way. "
            "No prep was taken."
        )
    role = view.role_of(user_id)
    if role not in (Side.REALIST, Side.VALUES):
        raise MootError("Only the debaters of the side about to speak can take prep.")
    side = Side(role)
    if turn.kind != "speech" or turn.side is None:
        raise MootError(f"Prep is taken before a speech; {turn.role} is not a speech.")
    if turn.side is not side:
        raise MootError(
            f"Prep is taken by the side about to speak: {turn.role} is {turn.side.label}'s."
        )
    left = view.prep_left(side, pool)
    if left <= 0:
        raise MootError(f"{side.label} has no prep time left.")
    assert turn.started_at is not None and turn.ends_at is not None
    ran = (now - turn.started_at).total_seconds()
    if turn.status is not TurnStatus.RUNNING or ran > PREP_GRACE:
        raise MootError(
            f"Prep can be called only in the first {PREP_GRACE} seconds of a speech, before it "
            f"is under way; {turn.role} has run {clock_text(ran)}. Take it before your next "
            "speech."
        )
    # The speech runs in full once prep ends (with any time a moderator added).
    full = max(float(turn.seconds), (turn.ends_at - now).total_seconds())
    stopped = await session.exec(
        update(TURNS)
        .where(TURNS.c.id == turn.id, TURNS.c.status == TurnStatus.RUNNING)
        .values(status=TurnStatus.PAUSED, remaining=full, ends_at=None, warnings_sent=0)
    )
    if stopped.rowcount != 1:
        raise MootError("That turn has already ended.")
    ends = now + timedelta(seconds=left)
    claimed = await session.exec(
        update(ROUNDS)
        .where(
            ROUNDS.c.id == round_id,
            ROUNDS.c.status == RoundStatus.RUNNING,
            ROUNDS.c.prep_side.is_(None),
        )
        .values(
            prep_side=side, prep_by=user_id, prep_started_at=now, prep_ends_at=ends, due_at=ends
        )
    )
    if claimed.rowcount != 1:
        raise MootError("Prep was called a moment ago.")
    await record_events(
        session, [event_row(round_id, "prep", now, user_id, f"{side.label}: {turn.role}")]
    )
    view = replace(
        with_turn(
            view, turn.id, status=TurnStatus.PAUSED, remaining=full, ends_at=None, warnings_sent=0
        ),
        prep_side=side,
        prep_by=user_id,
        prep_started_at=now,
        prep_ends_at=ends,
        due_at=ends,
    )
    return RoundUpdate(view, [Notice(NoticeKind.PREP, round_id, turn.id, clock_text(left))])


async def end_prep(
    round_id: int,
    user_id: int,
    *,
    may_moderate: bool,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> RoundUpdate:
    """The side taking prep (or a moderator) ends it: the speech runs with its full time."""
    view = await get_round(round_id, session=session)
    side = view.prep_side
    if side is None:
        raise MootError("Nobody is taking prep in that round.")
    if view.role_of(user_id) != side and not may_moderate:
        raise MootError(f"Only {side.label}'s debaters or a moderator can end {side.label}'s prep.")
    if view.status is RoundStatus.PAUSED:
        raise MootError("The round is paused: /debate resume runs the prep clock again first.")
    notices, view = await finish_prep(view, fmt, now, session, actor=user_id)
    if not notices:
        raise MootError("That prep has already ended.")
    return RoundUpdate(view, notices)


async def finish_prep(
    view: RoundView,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
    *,
    actor: int | None = None,
    start_speech: bool = True,
) -> tuple[list[Notice], RoundView]:
    """End the prep under way (once, however many timers or members race): its time is
    taken from the side's pool and, with `start_speech`, the speech's clock runs with the
    time it had. Without it (the turn is ending anyway), only the pool is settled."""
    side = view.prep_side
    turn = view.current_turn
    if side is None or turn is None:
        return [], view
    pool = fmt.prep_pool(view.pace)
    used = min(float(pool), view.prep_used(side, now))
    column = "realist_prep_used" if side is Side.REALIST else "values_prep_used"
    due: datetime | None = None
    ends: datetime | None = None
    if start_speech:
        ends = now + timedelta(seconds=turn.remaining or turn.seconds)
        due = next_due(ends, turn.warnings, 0)
    changes: dict[str, Any] = {
        column: used,
        "prep_side": None,
        "prep_by": None,
        "prep_started_at": None,
        "prep_ends_at": None,
    }
    if start_speech:
        changes["due_at"] = due
    claimed = await session.exec(
        update(ROUNDS).where(ROUNDS.c.id == view.id, ROUNDS.c.prep_side == side).values(changes)
    )
    if claimed.rowcount != 1:
        return [], view
    report = prep_report(view, side, fmt, now)
    await record_events(session, [event_row(view.id, "prep-ended", now, actor, report)])
    view = replace(view, prep_side=None, prep_by=None, prep_started_at=None, prep_ends_at=None)
    if side is Side.REALIST:
        view = replace(view, realist_prep_used=used)
    else:
        view = replace(view, values_prep_used=used)
    if start_speech:
        await session.exec(
            update(TURNS)
            .where(TURNS.c.id == turn.id, TURNS.c.status == TurnStatus.PAUSED)
            .values(status=TurnStatus.RUNNING, ends_at=ends, remaining=None)
        )
        view = replace(
            with_turn(view, turn.id, status=TurnStatus.RUNNING, ends_at=ends, remaining=None),
            due_at=due,
        )
    return [Notice(NoticeKind.PREP_OVER, view.id, turn.id, report)], view
