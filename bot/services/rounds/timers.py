"""What the timers need: the rounds due on this process's shards, what a due round does
(warn, end its turn, close its vote), and the announcements a crash left unsent."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, TurnStatus
from bot.formats import Format
from bot.models import Round, Turn
from bot.services.rounds.clock import clock_text, earliest, next_due, with_turn
from bot.services.rounds.points import close_points, end_point, lapse_notices, takes_points
from bot.services.rounds.prep import finish_prep
from bot.services.rounds.read_models import Notice, NoticeKind, RoundView, TurnView
from bot.services.rounds.rows import (
    ROUNDS,
    TURN_MESSAGES,
    TURNS,
    event_row,
    load_rounds,
    record_events,
)
from bot.services.rounds.turns import advance, end_turns
from bot.services.rounds.voting import close_voting
from bot.sharding import on_shards


@dataclass(frozen=True)
class TimerOutcome:
    """What a timer did to one round: the notices to post, the round as it now is (for
    posting them), and when the round is next due."""

    notices: list[Notice]
    view: RoundView | None
    due_at: datetime | None


async def tick(
    round_ids: Collection[int],
    *,
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
) -> dict[int, TimerOutcome]:
    """What the timers do when rounds are due: warn, end the turn and begin the next, or
    close the vote. Each is applied once however many timers (or processes) fire together,
    and all the rounds due at once cost a handful of statements together."""
    views = await load_rounds(round_ids, session=session)
    notices: dict[int, list[Notice]] = {}
    decided: list[int] = []
    time_up: dict[int, tuple[RoundView, TurnView]] = {}
    for view in views.values():
        fmt = formats.get(view.format_key)
        if fmt is None or view.due_at is None or view.due_at > now:
            continue
        if view.status is RoundStatus.VOTING:
            row = await session.get(Round, view.id)
            assert row is not None
            notices[view.id] = await close_voting(row, fmt, now, session)
            decided.append(view.id)
            continue
        turn = view.current_turn
        if view.status is not RoundStatus.RUNNING or turn is None:
            continue
        if view.prep_side is not None:
            # The side's pool is empty: prep is over and the speech runs.
            if view.prep_ends_at is not None and view.prep_ends_at <= now:
                notices[view.id], views[view.id] = await finish_prep(view, fmt, now, session)
            continue
        if turn.status is not TurnStatus.RUNNING or turn.ends_at is None:
            continue
        if turn.ends_at <= now:
            time_up[turn.id] = (view, turn)
            continue
        said: list[Notice] = []
        if view.point_ends_at is not None and view.point_ends_at <= now:
            said, view = await end_point(view, now, session)
        warned, views[view.id] = await _warn(view, turn, now, session)
        notices[view.id] = said + warned
    events: list[dict[str, Any]] = []
    starts = []
    finished = await end_turns(time_up, "time", now, session)
    # Points are offered only in speeches with protected time: only their turns are looked at.
    lapsed = await close_points(
        [t for t in finished if _takes_points(formats, *time_up[t])], now, session
    )
    for turn_id in finished:
        view, turn = time_up[turn_id]
        notices[view.id] = lapse_notices(view.id, turn_id, lapsed)
        events.append(event_row(view.id, "turn-time", now, None, str(turn.position)))
        ended = with_turn(
            view, turn_id, status=TurnStatus.DONE, ended_at=now, end_reason="time", remaining=None
        )
        starts.append((ended, turn.position + 1))
    for round_id, (said, view) in (await advance(starts, formats, now, session, events)).items():
        notices[round_id], views[round_id] = notices.get(round_id, []) + said, view
    await record_events(session, events)
    views |= await load_rounds(decided, session=session)
    return {
        round_id: TimerOutcome(notices.get(round_id, []), view, view.due_at)
        for round_id, view in views.items()
    }


def _takes_points(formats: Mapping[str, Format], view: RoundView, turn: TurnView) -> bool:
    fmt = formats.get(view.format_key)
    return fmt is not None and takes_points(fmt, turn) is not None


async def _warn(
    view: RoundView, turn: TurnView, now: datetime, session: AsyncSession
) -> tuple[list[Notice], RoundView]:
    """Post the warning marks the running turn has passed (the last of them, once)."""
    assert turn.ends_at is not None
    passed = [i for i, w in enumerate(turn.warnings) if turn.ends_at - timedelta(seconds=w) <= now]
    sent = max(passed) + 1 if passed else 0
    if sent <= turn.warnings_sent:
        due = earliest(
            next_due(turn.ends_at, turn.warnings, turn.warnings_sent), view.point_ends_at
        )
        await _set_due(view.id, due, session)
        return [], replace(view, due_at=due)
    claimed = await session.exec(
        update(TURNS)
        .where(TURNS.c.id == turn.id, TURNS.c.warnings_sent == turn.warnings_sent)
        .values(warnings_sent=sent)
    )
    if claimed.rowcount != 1:
        return [], view
    due = earliest(next_due(turn.ends_at, turn.warnings, sent), view.point_ends_at)
    await _set_due(view.id, due, session)
    left = max(0, round((turn.ends_at - now).total_seconds()))
    view = replace(with_turn(view, turn.id, warnings_sent=sent), due_at=due)
    return [Notice(NoticeKind.WARNING, view.id, turn.id, clock_text(left))], view


async def _set_due(round_id: int, due_at: datetime | None, session: AsyncSession) -> None:
    await session.exec(update(ROUNDS).where(ROUNDS.c.id == round_id).values(due_at=due_at))


async def due_rounds(
    *, now: datetime, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(round, due time) of every round under way on this process's shards."""
    rows = await session.exec(
        select(Round.id, Round.due_at).where(
            col(Round.due_at).is_not(None),
            col(Round.status).in_((RoundStatus.RUNNING, RoundStatus.VOTING)),
            on_shards(col(Round.guild_id), shard_count, shard_ids),
        )
    )
    return [(i, at) for i, at in rows.all() if i is not None and at is not None]


async def unannounced(
    *, before: datetime, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[Notice]:
    """Turn starts, votes and results whose message never went out (the bot was killed
    between the change and the post): what the sweeper announces again."""
    notices: list[Notice] = []
    turns = await session.exec(
        select(Turn.round_id, Turn.id)
        .join(Round, col(Round.id) == Turn.round_id)
        .where(
            col(Turn.status).in_((TurnStatus.RUNNING, TurnStatus.PAUSED)),
            col(Turn.announce_message_id).is_(None),
            col(Turn.started_at) < before,
            on_shards(col(Round.guild_id), shard_count, shard_ids),
        )
    )
    notices += [Notice(NoticeKind.TURN, r, t, recovering=True) for r, t in turns.all()]
    rounds = await session.exec(
        select(Round.id, Round.status).where(
            col(Round.status).in_((RoundStatus.VOTING, RoundStatus.DECIDED)),
            col(Round.finished_at).is_(None) | (col(Round.finished_at) < before),
            on_shards(col(Round.guild_id), shard_count, shard_ids),
            ((col(Round.status) == RoundStatus.VOTING) & col(Round.voting_message_id).is_(None))
            | ((col(Round.status) == RoundStatus.DECIDED) & col(Round.result_message_id).is_(None)),
        )
    )
    for round_id, status in rounds.all():
        if round_id is not None:
            kind = NoticeKind.VOTING if status == RoundStatus.VOTING else NoticeKind.DECIDED
            notices.append(Notice(kind, round_id, recovering=True))
    return notices


async def announced(sent: list[tuple[Notice, int]], *, session: AsyncSession) -> None:
    """Remember the messages turn starts, votes and results went out as (notice, message
    id): one statement a kind."""
    turns = [
        {"turn": n.turn_id, "message": m}
        for n, m in sent
        if n.kind is NoticeKind.TURN and n.turn_id
    ]
    if turns:
        await session.exec(TURN_MESSAGES, params=turns)
    for kind, column in (
        (NoticeKind.VOTING, "voting_message_id"),
        (NoticeKind.DECIDED, "result_message_id"),
    ):
        changes = [{"round": n.round_id, "message": m} for n, m in sent if n.kind == kind]
        if changes:
            await session.exec(
                update(ROUNDS)
                .where(ROUNDS.c.id == bindparam("round"))
                .values({column: bindparam("message")}),
                params=changes,
            )
