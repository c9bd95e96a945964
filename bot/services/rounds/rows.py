"""The round's plain tables, read and written with statements built once.

The timers change hundreds of rounds a second (bench/round_ticks.py), so their path skips
the ORM: rounds are read as plain rows, three queries however many, and a change to many
rows is one statement with many parameter sets. Commands read rounds the same way, so every
caller sees the same views.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as select_rows
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.services.rounds.read_models import RoundView, Seat, TurnView, turn_view

# The tables as such, for the timer path's plain-row reads and many-row writes.
ROUNDS, SEATS, TURNS, EVENTS, POINTS = (
    SQLModel.metadata.tables[name]
    for name in ("debate_round", "round_participant", "turn", "round_event", "round_point")
)
# The timer path's statements, built once: SQLAlchemy then finds each compiled form by a
# cache key it works out once per statement object, not once per execution.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_READ_ROUNDS = select_rows(ROUNDS).where(ROUNDS.c.id.in_(_IDS))
_READ_SEATS = (
    select_rows(SEATS.c.round_id, SEATS.c.user_id, SEATS.c.role, SEATS.c.name)
    .where(SEATS.c.round_id.in_(_IDS))
    .order_by(SEATS.c.round_id, SEATS.c.joined_at, SEATS.c.user_id)
)
_READ_TURNS = (
    select_rows(TURNS)
    .where(TURNS.c.round_id.in_(_IDS))
    .order_by(TURNS.c.round_id, TURNS.c.position)
)
_WRITE_EVENTS = insert(EVENTS)
CLAIM_LOBBIES = (
    update(ROUNDS)
    .where(ROUNDS.c.id.in_(_IDS), ROUNDS.c.status == RoundStatus.LOBBY)
    .values(status=RoundStatus.RUNNING, started_at=bindparam("now"), current=1)
    .returning(ROUNDS.c.id)
)
PLAN_TURNS = insert(TURNS).returning(TURNS.c.id, sort_by_parameter_order=True)
START_TURNS = (
    update(TURNS)
    .where(TURNS.c.id == bindparam("turn"))
    .values(
        status=bindparam("new_status"),
        started_at=bindparam("new_started_at"),
        ends_at=bindparam("new_ends_at"),
        ended_at=bindparam("new_ended_at"),
        end_reason=bindparam("new_end_reason"),
    )
)
MOVE_ROUNDS = (
    update(ROUNDS)
    .where(ROUNDS.c.id == bindparam("round"))
    .values(
        status=bindparam("new_status"),
        current=bindparam("new_current"),
        due_at=bindparam("new_due_at"),
        voting_ends_at=bindparam("new_voting_ends_at"),
        # A new turn (or the vote) begins: no point holds the floor any more.
        point_by=None,
        point_ends_at=None,
    )
)
END_TURNS = (
    update(TURNS)
    .where(TURNS.c.id.in_(_IDS), TURNS.c.status.in_(bindparam("statuses", expanding=True)))
    .values(
        status=TurnStatus.DONE,
        ended_at=bindparam("now"),
        end_reason=bindparam("reason"),
        remaining=None,
    )
    .returning(TURNS.c.id)
)
TURN_MESSAGES = (
    update(TURNS)
    .where(TURNS.c.id == bindparam("turn"))
    .values(announce_message_id=bindparam("message"))
)


async def load_rounds(round_ids: Collection[int], *, session: AsyncSession) -> dict[int, RoundView]:
    """The rounds among `round_ids` that exist, with their seats and turns: three queries
    however many rounds, read as plain rows (the timers read hundreds a second)."""
    if not round_ids:
        return {}
    await session.flush()  # plain-row reads do not flush pending ORM changes themselves
    ids = {"ids": list(round_ids)}
    rows_of = await session.connection()
    rows = (await rows_of.execute(_READ_ROUNDS, ids)).all()
    seats: dict[int, list[Seat]] = {}
    for p in (await rows_of.execute(_READ_SEATS, ids)).all():
        seats.setdefault(p.round_id, []).append(Seat(p.user_id, p.role, p.name))
    turns: dict[int, list[TurnView]] = {}
    for t in (await rows_of.execute(_READ_TURNS, ids)).all():
        turns.setdefault(t.round_id, []).append(turn_view(t))
    return {
        row.id: RoundView(
            id=row.id,
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            thread_id=row.thread_id,
            lobby_message_id=row.lobby_message_id,
            motion=row.motion,
            format_key=row.format_key,
            pace=row.pace,
            essay_slug=row.essay_slug,
            proposition=Side(row.proposition),
            status=RoundStatus(row.status),
            current=row.current,
            due_at=row.due_at,
            voting_ends_at=row.voting_ends_at,
            voting_message_id=row.voting_message_id,
            winner=row.winner,
            result=row.result,
            result_message_id=row.result_message_id,
            created_by=row.created_by,
            started_at=row.started_at,
            seats=seats.get(row.id, []),
            turns=turns.get(row.id, []),
            point_by=row.point_by,
            point_ends_at=row.point_ends_at,
            prep_side=Side(row.prep_side) if row.prep_side else None,
            prep_by=row.prep_by,
            prep_started_at=row.prep_started_at,
            prep_ends_at=row.prep_ends_at,
            realist_prep_used=row.realist_prep_used,
            values_prep_used=row.values_prep_used,
        )
        for row in rows
    }


async def get_round(round_id: int, *, session: AsyncSession) -> RoundView:
    """The round with its seats and turns; MootError if there is no such round."""
    view = (await load_rounds([round_id], session=session)).get(round_id)
    if view is None:
        raise MootError("That round no longer exists.")
    return view


async def record_event(
    session: AsyncSession,
    round_id: int,
    kind: str,
    now: datetime,
    actor: int | None = None,
    detail: str = "",
) -> None:
    """Record one round event."""
    await record_events(session, [event_row(round_id, kind, now, actor, detail)])


def event_row(
    round_id: int, kind: str, now: datetime, actor: int | None = None, detail: str = ""
) -> dict[str, Any]:
    """A row of the event table, for `record_events`."""
    return {
        "round_id": round_id,
        "kind": kind,
        "actor_id": actor,
        "detail": detail[:500],
        "at": now,
    }


async def record_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record round events: one statement for all of them."""
    if rows:
        await session.exec(_WRITE_EVENTS, params=rows)
