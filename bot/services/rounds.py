"""Debate rounds: the lobby, turns that run themselves, moderator controls, votes, ballots.

Everything a round is lives in the database, with absolute times, so a restart loses
nothing. Every change that a timer, a button or a command can race on is a conditional
UPDATE ("end turn 4 if it is still running"): whoever wins it acts, the others find there
is nothing left to do. Functions return Notices: what the cog should post in the thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy import select as select_rows
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_new, upsert
from bot.errors import MootError
from bot.formats import Format, TurnSpec
from bot.models import (
    Ballot,
    Participant,
    Round,
    RoundEvent,
    RoundStatus,
    RoundVote,
    Side,
    Speech,
    Tally,
    Turn,
    TurnStatus,
)
from bot.services import scores
from bot.sharding import on_shards

# The tables as such, for the timer path's plain-row reads and many-row writes.
ROUNDS, SEATS, TURNS, EVENTS = (
    SQLModel.metadata.tables[name]
    for name in ("debate_round", "round_participant", "turn", "round_event")
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
_PLAN_TURNS = insert(TURNS).returning(TURNS.c.id, sort_by_parameter_order=True)
_START_TURNS = (
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
_MOVE_ROUNDS = (
    update(ROUNDS)
    .where(ROUNDS.c.id == bindparam("round"))
    .values(
        status=bindparam("new_status"),
        current=bindparam("new_current"),
        due_at=bindparam("new_due_at"),
        voting_ends_at=bindparam("new_voting_ends_at"),
    )
)
_END_TURNS = (
    update(TURNS)
    .where(TURNS.c.id.in_(_IDS), TURNS.c.status.in_(bindparam("statuses", expanding=True)))
    .values(
        status=TurnStatus.DONE.value,
        ended_at=bindparam("now"),
        end_reason=bindparam("reason"),
        remaining=None,
    )
    .returning(TURNS.c.id)
)
_TURN_MESSAGES = (
    update(TURNS)
    .where(TURNS.c.id == bindparam("turn"))
    .values(announce_message_id=bindparam("message"))
)

MOTION_MAX = 300
PACE_RANGE = (0.25, 2.0)
SPEECH_MAX = 4000
REASON_MAX = 1000
AUDIENCE, JUDGE = "audience", "judge"
_ACTIVE = (
    RoundStatus.LOBBY.value,
    RoundStatus.RUNNING.value,
    RoundStatus.PAUSED.value,
    RoundStatus.VOTING.value,
)


# --- read models -----------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    user_id: int
    role: str
    name: str


@dataclass(frozen=True)
class TurnView:
    id: int
    position: int
    kind: str
    side: Side | None
    role: str
    seconds: int
    warnings: tuple[int, ...]
    warnings_sent: int
    speaker_id: int | None
    answerer_id: int | None
    status: TurnStatus
    started_at: datetime | None
    ends_at: datetime | None
    remaining: float | None
    ended_at: datetime | None
    end_reason: str | None
    announce_message_id: int | None


@dataclass(frozen=True)
class RoundView:
    id: int
    guild_id: int
    channel_id: int
    thread_id: int | None
    lobby_message_id: int | None
    motion: str
    format_key: str
    pace: float
    essay_slug: str | None
    status: RoundStatus
    current: int | None
    due_at: datetime | None
    voting_ends_at: datetime | None
    voting_message_id: int | None
    winner: str | None
    result: str | None
    result_message_id: int | None
    created_by: int
    started_at: datetime | None
    seats: list[Seat]
    turns: list[TurnView]

    def speakers(self, side: Side) -> list[Seat]:
        return [s for s in self.seats if s.role == side.value]

    def role_of(self, user_id: int) -> str | None:
        return next((s.role for s in self.seats if s.user_id == user_id), None)

    def name_of(self, user_id: int | None) -> str:
        return next((s.name for s in self.seats if s.user_id == user_id), "nobody")

    @property
    def current_turn(self) -> TurnView | None:
        if self.current is None:
            return None
        return next((t for t in self.turns if t.position == self.current), None)

    @property
    def is_over(self) -> bool:
        return self.status in (RoundStatus.DECIDED, RoundStatus.ENDED)


@dataclass(frozen=True)
class Notice:
    """Something the thread must be told. `kind`: started, turn, warning, voting, decided,
    ended, paused, resumed, extended, skipped, removed, yielded."""

    kind: str
    round_id: int
    turn_id: int | None = None
    text: str = ""
    # Announced again after a crash: it may have gone out already (see MootBot.post).
    recovering: bool = False


@dataclass
class Changes:
    """A change's result: the round as it now is, and what to announce."""

    round: RoundView
    notices: list[Notice] = field(default_factory=list)


def _turn_view(row: Any) -> TurnView:
    """A turn from its ORM object or a plain row of its table."""
    return TurnView(
        id=row.id,
        position=row.position,
        kind=row.kind,
        side=Side(row.side) if row.side else None,
        role=row.role,
        seconds=row.seconds,
        warnings=tuple(int(w) for w in row.warnings.split(",") if w),
        warnings_sent=row.warnings_sent,
        speaker_id=row.speaker_id,
        answerer_id=row.answerer_id,
        status=TurnStatus(row.status),
        started_at=row.started_at,
        ends_at=row.ends_at,
        remaining=row.remaining,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        announce_message_id=row.announce_message_id,
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
        turns.setdefault(t.round_id, []).append(_turn_view(t))
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
        )
        for row in rows
    }


async def get_round(round_id: int, *, session: AsyncSession) -> RoundView:
    """The round with its seats and turns; MootError if there is no such round."""
    view = (await load_rounds([round_id], session=session)).get(round_id)
    if view is None:
        raise MootError("That round no longer exists.")
    return view


async def _event(
    session: AsyncSession,
    round_id: int,
    kind: str,
    now: datetime,
    actor: int | None = None,
    detail: str = "",
) -> None:
    await _events(session, [_event_row(round_id, kind, now, actor, detail)])


def _event_row(
    round_id: int, kind: str, now: datetime, actor: int | None = None, detail: str = ""
) -> dict[str, Any]:
    return {
        "round_id": round_id,
        "kind": kind,
        "actor_id": actor,
        "detail": detail[:500],
        "at": now,
    }


async def _events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record round events: one statement for all of them."""
    if rows:
        await session.exec(_WRITE_EVENTS, params=rows)


# --- finding a round -------------------------------------------------------------------


async def round_here(guild_id: int, channel_id: int | None, *, session: AsyncSession) -> int:
    """The round whose thread `channel_id` is; else the server's only round under way."""
    if channel_id is not None:
        found = (
            await session.exec(
                select(Round.id)
                .where(Round.guild_id == guild_id, Round.thread_id == channel_id)
                .order_by(col(Round.id).desc())
            )
        ).first()
        if found is not None:
            return found
    active = (
        await session.exec(
            select(Round.id).where(Round.guild_id == guild_id, col(Round.status).in_(_ACTIVE))
        )
    ).all()
    if len(active) == 1 and active[0] is not None:
        return active[0]
    if not active:
        raise MootError(
            "No round is open in this server. A moderator can open one with /debate start."
        )
    raise MootError("Several rounds are open: run this in the thread of the round you mean.")


# --- the lobby -------------------------------------------------------------------------


def check_motion(text: str) -> str:
    motion = " ".join(text.split())
    if not motion:
        raise MootError(
            "The motion is empty: write what the round debates, e.g. “This house would…”."
        )
    if len(motion) > MOTION_MAX:
        raise MootError(f"The motion is {len(motion)} characters; keep it to {MOTION_MAX}.")
    return motion


def check_pace(pace: float) -> float:
    low, high = PACE_RANGE
    if not low <= pace <= high:
        raise MootError(f"Pace must be between {low} and {high} (1 is the format's own times).")
    return pace


async def create_round(
    guild_id: int,
    channel_id: int,
    *,
    motion: str,
    fmt: Format,
    pace: float,
    by: int,
    now: datetime,
    session: AsyncSession,
    essay: str | None = None,
) -> RoundView:
    """A round in its lobby, waiting for speakers; `essay`, the slug of the essay its
    motion comes from (already checked)."""
    row = Round(
        guild_id=guild_id,
        channel_id=channel_id,
        motion=check_motion(motion),
        format_key=fmt.key,
        pace=check_pace(pace),
        essay_slug=essay,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    await _event(session, row.id, "created", now, by, f"{fmt.name}: {row.motion}")
    return await get_round(row.id, session=session)


async def attach_thread(
    round_id: int, *, thread_id: int, lobby_message_id: int | None, session: AsyncSession
) -> None:
    await session.exec(
        update(Round)
        .where(col(Round.id) == round_id)
        .values(thread_id=thread_id, lobby_message_id=lobby_message_id)
    )


async def join(
    round_id: int,
    user_id: int,
    name: str,
    role: str,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> RoundView:
    """Take a seat: a side (in the lobby, while the side has room) or the audience."""
    view = await get_round(round_id, session=session)
    if view.is_over:
        raise MootError("That round is over. A moderator can open a new one with /debate start.")
    current = view.role_of(user_id)
    if current == role:
        where = "the audience" if role == AUDIENCE else f"the {Side(role).label} side"
        raise MootError(f"You are already in {where}.")
    if current == JUDGE:
        raise MootError("You are judging this round, so you cannot join a side or the audience.")
    if role != AUDIENCE:
        side = Side(role)
        if view.status is not RoundStatus.LOBBY:
            raise MootError(
                "The round has started: speakers join only in the lobby. You can join the audience."
            )
        if len(view.speakers(side)) >= fmt.speakers_per_side:
            raise MootError(
                f"The {side.label} side is full ({fmt.speakers_per_side} in {fmt.name}). "
                "Join the other side or the audience."
            )
    elif (
        current in (Side.REALIST.value, Side.VALUES.value) and view.status is not RoundStatus.LOBBY
    ):
        raise MootError(
            "You are speaking in this round; a moderator can remove you with /debate remove."
        )
    await upsert(
        session,
        Participant,
        {
            "round_id": round_id,
            "user_id": user_id,
            "role": role,
            "name": name[:100],
            "joined_at": now,
        },
        ["round_id", "user_id"],
    )
    await _event(session, round_id, "joined", now, user_id, role)
    return await get_round(round_id, session=session)


async def leave(round_id: int, user_id: int, *, now: datetime, session: AsyncSession) -> RoundView:
    """Give up a seat. Speakers can leave only before the round starts."""
    view = await get_round(round_id, session=session)
    role = view.role_of(user_id)
    if role is None:
        raise MootError("You are not in this round.")
    if role in (Side.REALIST.value, Side.VALUES.value) and view.status is not RoundStatus.LOBBY:
        raise MootError("The round has started; a moderator can remove you with /debate remove.")
    await session.exec(
        delete(Participant).where(
            col(Participant.round_id) == round_id, col(Participant.user_id) == user_id
        )
    )
    await _event(session, round_id, "left", now, user_id, role)
    return await get_round(round_id, session=session)


async def assign_judge(
    round_id: int, user_id: int, name: str, *, by: int, now: datetime, session: AsyncSession
) -> RoundView:
    view = await get_round(round_id, session=session)
    if view.is_over:
        raise MootError("That round is over.")
    if view.role_of(user_id) in (Side.REALIST.value, Side.VALUES.value):
        raise MootError(f"{name} is speaking in this round and cannot judge it.")
    await upsert(
        session,
        Participant,
        {
            "round_id": round_id,
            "user_id": user_id,
            "role": JUDGE,
            "name": name[:100],
            "joined_at": now,
        },
        ["round_id", "user_id"],
    )
    await _event(session, round_id, "judge", now, by, name)
    return await get_round(round_id, session=session)


# --- running the round -----------------------------------------------------------------


def _speaker(speakers: list[int], number: int) -> int | None:
    if not speakers:
        return None
    return speakers[(number - 1) % len(speakers)]


def _next_due(ends_at: datetime | None, warnings: tuple[int, ...], sent: int) -> datetime | None:
    """When a running turn next needs the timer: its next warning, else its end."""
    if ends_at is None:
        return None
    marks = warnings[sent:]
    if marks:
        return min(ends_at - timedelta(seconds=marks[0]), ends_at)
    return ends_at


def _marks(turn: Turn) -> tuple[int, ...]:
    return tuple(int(w) for w in turn.warnings.split(",") if w)


def check_startable(view: RoundView) -> None:
    """MootError unless the round is in its lobby with a speaker on each side."""
    if view.status is not RoundStatus.LOBBY:
        raise MootError("That round has already started.")
    missing = [side.label for side in Side if not view.speakers(side)]
    if missing:
        raise MootError(
            "The round needs at least one speaker a side; nobody has joined "
            f"{' or '.join(missing)} yet."
        )


async def start(
    round_id: int, *, fmt: Format, by: int, now: datetime, session: AsyncSession
) -> Changes:
    """Leave the lobby: build the running order with its speakers and begin the first turn."""
    [result] = await start_many([(round_id, by)], formats={fmt.key: fmt}, now=now, session=session)
    if isinstance(result, MootError):
        raise result
    return result


_CLAIM_LOBBIES = (
    update(ROUNDS)
    .where(ROUNDS.c.id.in_(_IDS), ROUNDS.c.status == RoundStatus.LOBBY.value)
    .values(status=RoundStatus.RUNNING.value, started_at=bindparam("now"), current=1)
    .returning(ROUNDS.c.id)
)


async def start_many(
    requests: list[tuple[int, int]],
    *,
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
) -> list[Changes | MootError]:
    """Start the rounds of `requests` ((round id, who pressed Start)) together: a handful of
    statements however many, as the timers do. For each, in order: what changed, or why
    that round cannot start (the others start all the same)."""
    views = await load_rounds({r for r, _ in requests}, session=session)
    # The first request for a round is the one that starts it.
    first = {r: index for index, (r, _) in reversed(list(enumerate(requests)))}
    results: dict[int, Changes | MootError] = {}
    ready: list[tuple[RoundView, Format, int]] = []
    for round_id, by in [requests[i] for i in sorted(first.values())]:
        view = views.get(round_id)
        fmt = formats.get(view.format_key) if view is not None else None
        try:
            if view is None:
                raise MootError("That round no longer exists.")
            if fmt is None:
                raise MootError(f"This round's format ({view.format_key}) is no longer installed.")
            check_startable(view)
        except MootError as refused:
            results[round_id] = refused
            continue
        ready.append((view, fmt, by))
    claimed: set[int] = set()
    if ready:
        claimed = set(
            (
                await session.exec(
                    _CLAIM_LOBBIES, params={"ids": [v.id for v, _, _ in ready], "now": now}
                )
            ).scalars()
        )
    plan: list[dict[str, Any]] = []
    starting: list[tuple[RoundView, Format, int]] = []
    for view, fmt, by in ready:
        if view.id not in claimed:
            results[view.id] = MootError("That round has already started.")
            continue
        starting.append((view, fmt, by))
        # The seats read above, in joining order: speaker 1 is who joined the side first.
        by_side = {side: [s.user_id for s in view.speakers(side)] for side in Side}
        plan += [
            _planned_turn(view.id, position, spec, by_side, view.pace)
            for position, spec in enumerate(fmt.turns, 1)
        ]
    if not starting:
        return _answers(requests, first, results)
    ids = (await session.exec(_PLAN_TURNS, params=plan)).scalars().all()
    # The rounds as they now stand, from what was just written: no second read.
    turns: dict[int, list[TurnView]] = {}
    for row, turn_id in zip(plan, ids, strict=True):
        turns.setdefault(row["round_id"], []).append(_turn_view(_Row(row | {"id": turn_id})))
    events = [_event_row(view.id, "started", now, by) for view, _, by in starting]
    planned = [
        (
            replace(
                view,
                status=RoundStatus.RUNNING,
                started_at=now,
                current=1,
                turns=turns[view.id],
            ),
            1,
        )
        for view, _, _ in starting
    ]
    advanced = await _advance(planned, formats, now, session, events)
    await _events(session, events)
    for view, _, _ in starting:
        said, started = advanced[view.id]
        results[view.id] = Changes(started, [Notice("started", view.id), *said])
    return _answers(requests, first, results)


def _answers(
    requests: list[tuple[int, int]],
    first: dict[int, int],
    results: dict[int, Changes | MootError],
) -> list[Changes | MootError]:
    """Each request's answer: its round's; a repeated request for a round that starts is
    told it has already started."""
    again = MootError("That round has already started.")
    return [
        results[r] if first[r] == index or isinstance(results[r], MootError) else again
        for index, (r, _) in enumerate(requests)
    ]


class _Row:
    """A turn row that is not in the database yet, for `_turn_view`: what it was given,
    and None for every column left unset."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _planned_turn(
    round_id: int,
    position: int,
    spec: TurnSpec,
    by_side: dict[Side, list[int]],
    pace: float,
) -> dict[str, Any]:
    """A row of the turn table: turn `position` of the running order, with its speakers."""
    speaker = answerer = None
    if spec.side is not None and spec.kind != "prep":
        speaker = _speaker(by_side[spec.side], spec.speaker)
        if spec.kind == "cross-examination":
            other = Side.VALUES if spec.side is Side.REALIST else Side.REALIST
            answerer = _speaker(by_side[other], spec.answers)
    seconds = spec.scaled(pace)
    return {
        "round_id": round_id,
        "position": position,
        "kind": spec.kind,
        "side": spec.side.value if spec.side else None,
        "role": spec.role,
        "seconds": seconds,
        "warnings": ",".join(
            str(w) for w in (max(1, round(w * pace)) for w in spec.warnings) if w < seconds
        ),
        "warnings_sent": 0,
        "speaker_id": speaker,
        "answerer_id": answerer,
        "status": TurnStatus.PENDING.value,
    }


async def _advance(
    starts: list[tuple[RoundView, int]],
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
    events: list[dict[str, Any]],
) -> dict[int, tuple[list[Notice], RoundView]]:
    """Begin turn `position` of each round now, or open the vote after its last turn: the
    writes for all of them in two statements, and the events to record added to `events`.
    A turn whose side has nobody left to speak (everyone was removed) is passed over, and
    said so. The rounds' previous turns must already be claimed as ended. Returns each
    round's notices and the round as it now is."""
    turns: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    result: dict[int, tuple[list[Notice], RoundView]] = {}
    for view, position in starts:
        said: list[Notice] = []
        ahead = [t for t in view.turns if t.position >= position]
        turn = next((t for t in ahead if t.kind == "prep" or t.speaker_id is not None), None)
        for passed in ahead:
            if passed is turn:
                break
            change = _turn_change(
                passed.id, TurnStatus.DONE, now, ended_at=now, reason="no-speaker"
            )
            turns.append(change)
            view = _changed_turn(view, change)
            events.append(_event_row(view.id, "turn-no-speaker", now, None, str(passed.position)))
            said.append(Notice("no-speaker", view.id, passed.id))
        if turn is None:
            fmt = formats[view.format_key]
            closes = now + timedelta(seconds=voting_seconds(fmt, view.pace))
            change = _round_change(view.id, RoundStatus.VOTING, None, closes, closes)
            events.append(_event_row(view.id, "voting", now))
            said.append(Notice("voting", view.id))
        else:
            ends = now + timedelta(seconds=turn.seconds)
            started = _turn_change(turn.id, TurnStatus.RUNNING, now, ends_at=ends)
            turns.append(started)
            view = _changed_turn(view, started)
            due = _next_due(ends, turn.warnings, 0)
            change = _round_change(view.id, RoundStatus.RUNNING, turn.position, due, None)
            events.append(
                _event_row(view.id, "turn", now, turn.speaker_id, f"{turn.position}: {turn.role}")
            )
            said.append(Notice("turn", view.id, turn.id))
        changes.append(change)
        view = replace(
            view,
            status=RoundStatus(change["new_status"]),
            current=change["new_current"],
            due_at=change["new_due_at"],
            voting_ends_at=change["new_voting_ends_at"],
        )
        result[view.id] = (said, view)
    if turns:
        await session.exec(_START_TURNS, params=turns)
    if changes:
        await session.exec(_MOVE_ROUNDS, params=changes)
    return result


def _turn_change(
    turn_id: int,
    status: TurnStatus,
    now: datetime,
    *,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "turn": turn_id,
        "new_status": status.value,
        "new_started_at": now,
        "new_ends_at": ends_at,
        "new_ended_at": ended_at,
        "new_end_reason": reason,
    }


def _round_change(
    round_id: int,
    status: RoundStatus,
    current: int | None,
    due_at: datetime | None,
    voting_ends_at: datetime | None,
) -> dict[str, Any]:
    return {
        "round": round_id,
        "new_status": status.value,
        "new_current": current,
        "new_due_at": due_at,
        "new_voting_ends_at": voting_ends_at,
    }


def _changed_turn(view: RoundView, change: dict[str, Any]) -> RoundView:
    """The round with one turn changed as `change` (from _turn_change) says."""
    fields = {
        "status": TurnStatus(change["new_status"]),
        "started_at": change["new_started_at"],
        "ends_at": change["new_ends_at"],
        "ended_at": change["new_ended_at"],
        "end_reason": change["new_end_reason"],
    }
    return _with_turn(view, change["turn"], **fields)


def _with_turn(view: RoundView, turn_id: int, **fields: Any) -> RoundView:
    turns = [replace(t, **fields) if t.id == turn_id else t for t in view.turns]
    return replace(view, turns=turns)


def voting_seconds(fmt: Format, pace: float) -> int:
    return max(1, round(fmt.voting_seconds * pace))


async def _end_turns(
    turn_ids: Collection[int],
    reason: str,
    now: datetime,
    session: AsyncSession,
    statuses: tuple[str, ...] = (TurnStatus.RUNNING.value, TurnStatus.PAUSED.value),
) -> set[int]:
    """The claim: end these turns if they are still under way. Returns those this call
    ended; a turn someone else ended first is not among them."""
    if not turn_ids:
        return set()
    ended = await session.exec(
        _END_TURNS,
        params={"ids": list(turn_ids), "statuses": list(statuses), "now": now, "reason": reason},
    )
    return {turn_id for (turn_id,) in ended.all()}


async def _finish_turn(
    round_id: int,
    turn_id: int,
    reason: str,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
    actor: int | None = None,
) -> list[Notice]:
    """End a turn if it is still under way (the claim), then begin the next. Returns no
    notices when someone else ended it first."""
    if not await _end_turns([turn_id], reason, now, session):
        return []
    view = await get_round(round_id, session=session)
    position = next(t.position for t in view.turns if t.id == turn_id)
    events = [_event_row(round_id, f"turn-{reason}", now, actor, str(position))]
    advanced = await _advance([(view, position + 1)], {fmt.key: fmt}, now, session, events)
    await _events(session, events)
    return [Notice(reason, round_id, turn_id), *advanced[round_id][0]]


@dataclass(frozen=True)
class Ticked:
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
) -> dict[int, Ticked]:
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
            notices[view.id] = await _decide(row, fmt, now, session)
            decided.append(view.id)
            continue
        turn = view.current_turn
        if view.status is not RoundStatus.RUNNING or turn is None:
            continue
        if turn.status is not TurnStatus.RUNNING or turn.ends_at is None:
            continue
        if turn.ends_at <= now:
            time_up[turn.id] = (view, turn)
        else:
            notices[view.id], views[view.id] = await _warn(view, turn, now, session)
    events: list[dict[str, Any]] = []
    starts = []
    for turn_id in await _end_turns(time_up, "time", now, session):
        view, turn = time_up[turn_id]
        events.append(_event_row(view.id, "turn-time", now, None, str(turn.position)))
        ended = _with_turn(
            view, turn_id, status=TurnStatus.DONE, ended_at=now, end_reason="time", remaining=None
        )
        starts.append((ended, turn.position + 1))
    for round_id, (said, view) in (await _advance(starts, formats, now, session, events)).items():
        notices[round_id], views[round_id] = said, view
    await _events(session, events)
    views |= await load_rounds(decided, session=session)
    return {
        round_id: Ticked(notices.get(round_id, []), view, view.due_at)
        for round_id, view in views.items()
    }


async def _warn(
    view: RoundView, turn: TurnView, now: datetime, session: AsyncSession
) -> tuple[list[Notice], RoundView]:
    """Post the warning marks the running turn has passed (the last of them, once)."""
    assert turn.ends_at is not None
    passed = [i for i, w in enumerate(turn.warnings) if turn.ends_at - timedelta(seconds=w) <= now]
    sent = max(passed) + 1 if passed else 0
    if sent <= turn.warnings_sent:
        due = _next_due(turn.ends_at, turn.warnings, turn.warnings_sent)
        await _set_due(view.id, due, session)
        return [], replace(view, due_at=due)
    claimed = await session.exec(
        update(TURNS)
        .where(TURNS.c.id == turn.id, TURNS.c.warnings_sent == turn.warnings_sent)
        .values(warnings_sent=sent)
    )
    if claimed.rowcount != 1:
        return [], view
    due = _next_due(turn.ends_at, turn.warnings, sent)
    await _set_due(view.id, due, session)
    left = max(0, round((turn.ends_at - now).total_seconds()))
    view = replace(_with_turn(view, turn.id, warnings_sent=sent), due_at=due)
    return [Notice("warning", view.id, turn.id, clock_text(left))], view


async def _set_due(round_id: int, due_at: datetime | None, session: AsyncSession) -> None:
    await session.exec(update(ROUNDS).where(ROUNDS.c.id == round_id).values(due_at=due_at))


def clock_text(seconds: float) -> str:
    """`1:05` for 65 seconds."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


async def _current_turn(row: Round, session: AsyncSession) -> Turn:
    if row.status in (RoundStatus.LOBBY.value,):
        raise MootError("The round has not started yet.")
    if (
        row.status not in (RoundStatus.RUNNING.value, RoundStatus.PAUSED.value)
        or row.current is None
    ):
        raise MootError("No turn is under way in that round.")
    turn = (
        await session.exec(
            select(Turn).where(Turn.round_id == row.id, Turn.position == row.current)
        )
    ).first()
    if turn is None:
        raise MootError("No turn is under way in that round.")
    return turn


async def _round_row(round_id: int, session: AsyncSession) -> Round:
    row = await session.get(Round, round_id)
    if row is None:
        raise MootError("That round no longer exists.")
    return row


async def yield_turn(
    round_id: int,
    turn_id: int | None,
    user_id: int,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> Changes:
    """The speaker finishes early ("Done" or /debate yield)."""
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    if turn_id is not None and turn.id != turn_id:
        raise MootError("That turn has already ended.")
    if user_id != turn.speaker_id:
        raise MootError("Only the speaker whose turn it is can finish it early.")
    assert turn.id is not None
    notices = await _finish_turn(
        round_id, turn.id, "yield", fmt=fmt, now=now, session=session, actor=user_id
    )
    if not notices:
        raise MootError("That turn has already ended.")
    return Changes(await get_round(round_id, session=session), notices)


async def skip(
    round_id: int,
    *,
    fmt: Format,
    by: int,
    now: datetime,
    session: AsyncSession,
    turn_id: int | None = None,
) -> Changes:
    """A moderator ends the current turn now: `turn_id`, the turn they saw, if given. Two
    moderators skipping the turn they both saw move the round one turn, whichever order
    their skips are applied in."""
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    assert turn.id is not None
    if turn_id is not None and turn.id != turn_id:
        raise MootError("That turn has already ended.")
    notices = await _finish_turn(
        round_id, turn.id, "skip", fmt=fmt, now=now, session=session, actor=by
    )
    if not notices:
        raise MootError("That turn has already ended.")
    return Changes(await get_round(round_id, session=session), notices)


async def pause(round_id: int, *, by: int, now: datetime, session: AsyncSession) -> Changes:
    """Stop the clock; the turn keeps the time it had left."""
    row = await _round_row(round_id, session)
    if row.status == RoundStatus.PAUSED.value:
        raise MootError("The round is already paused. /debate resume starts the clock again.")
    turn = await _current_turn(row, session)
    assert turn.ends_at is not None
    left = max(0.0, (turn.ends_at - now).total_seconds())
    claimed = await session.exec(
        update(Turn)
        .where(col(Turn.id) == turn.id, col(Turn.status) == TurnStatus.RUNNING.value)
        .values(status=TurnStatus.PAUSED.value, remaining=left, ends_at=None)
    )
    if claimed.rowcount != 1:
        raise MootError("The round is already paused.")
    row.status = RoundStatus.PAUSED.value
    row.due_at = None
    session.add(row)
    await _event(session, round_id, "paused", now, by, clock_text(left))
    return Changes(
        await get_round(round_id, session=session),
        [Notice("paused", round_id, turn.id, clock_text(left))],
    )


async def resume(round_id: int, *, by: int, now: datetime, session: AsyncSession) -> Changes:
    row = await _round_row(round_id, session)
    if row.status != RoundStatus.PAUSED.value:
        raise MootError("The round is not paused.")
    turn = await _current_turn(row, session)
    left = turn.remaining or 0.0
    claimed = await session.exec(
        update(Turn)
        .where(col(Turn.id) == turn.id, col(Turn.status) == TurnStatus.PAUSED.value)
        .values(
            status=TurnStatus.RUNNING.value, remaining=None, ends_at=now + timedelta(seconds=left)
        )
    )
    if claimed.rowcount != 1:
        raise MootError("The round is not paused.")
    await session.refresh(turn)
    row.status = RoundStatus.RUNNING.value
    row.due_at = _next_due(turn.ends_at, _marks(turn), turn.warnings_sent)
    session.add(row)
    await _event(session, round_id, "resumed", now, by, clock_text(left))
    return Changes(
        await get_round(round_id, session=session), [Notice("resumed", round_id, turn.id)]
    )


async def extend(
    round_id: int, seconds: int, *, by: int, now: datetime, session: AsyncSession
) -> Changes:
    """Give the current turn more time (while running or paused)."""
    if not 1 <= seconds <= 3600:
        raise MootError("Extend by 1 to 3600 seconds.")
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    if turn.status == TurnStatus.PAUSED.value:
        turn.remaining = (turn.remaining or 0.0) + seconds
    else:
        assert turn.ends_at is not None
        turn.ends_at = turn.ends_at + timedelta(seconds=seconds)
        row.due_at = _next_due(turn.ends_at, _marks(turn), turn.warnings_sent)
        session.add(row)
    session.add(turn)
    await session.flush()
    await _event(session, round_id, "extended", now, by, str(seconds))
    return Changes(
        await get_round(round_id, session=session),
        [Notice("extended", round_id, turn.id, str(seconds))],
    )


async def remove(
    round_id: int, user_id: int, *, fmt: Format, by: int, now: datetime, session: AsyncSession
) -> Changes:
    """Take a member out of the round. Their later turns pass to a teammate if there is one;
    if they are speaking now, their turn ends."""
    view = await get_round(round_id, session=session)
    role = view.role_of(user_id)
    if role is None:
        raise MootError("That member is not in this round.")
    if view.is_over:
        raise MootError("That round is over.")
    await session.exec(
        delete(Participant).where(
            col(Participant.round_id) == round_id, col(Participant.user_id) == user_id
        )
    )
    await _event(session, round_id, "removed", now, by, f"{user_id}")
    notices = [Notice("removed", round_id, None, view.name_of(user_id))]
    if role in (Side.REALIST.value, Side.VALUES.value) and view.status is not RoundStatus.LOBBY:
        mates = [s.user_id for s in view.speakers(Side(role)) if s.user_id != user_id]
        for column in ("speaker_id", "answerer_id"):
            await session.exec(
                update(Turn)
                .where(
                    col(Turn.round_id) == round_id,
                    col(Turn.status) == TurnStatus.PENDING.value,
                    getattr(Turn, column) == user_id,
                )
                .values({column: mates[0] if mates else None})
            )
        current = view.current_turn
        if current is not None and current.speaker_id == user_id:
            notices += await _finish_turn(
                round_id, current.id, "removed", fmt=fmt, now=now, session=session, actor=by
            )
    return Changes(await get_round(round_id, session=session), notices)


async def end(round_id: int, *, by: int, now: datetime, session: AsyncSession) -> Changes:
    """End the round early, without a decision."""
    row = await _round_row(round_id, session)
    if row.status in (RoundStatus.DECIDED.value, RoundStatus.ENDED.value):
        raise MootError("That round is already over.")
    claimed = await session.exec(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status).in_(_ACTIVE))
        .values(status=RoundStatus.ENDED.value, due_at=None, finished_at=now, current=None)
    )
    if claimed.rowcount != 1:
        raise MootError("That round is already over.")
    await session.exec(
        update(Turn)
        .where(
            col(Turn.round_id) == round_id,
            col(Turn.status).in_((TurnStatus.RUNNING.value, TurnStatus.PAUSED.value)),
        )
        .values(status=TurnStatus.DONE.value, ended_at=now, end_reason="ended")
    )
    await _event(session, round_id, "ended", now, by)
    return Changes(await get_round(round_id, session=session), [Notice("ended", round_id)])


# --- speeches --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What to do with a message posted in a round's thread."""

    action: str  # "record", "allow" or "out-of-turn"
    turn_id: int | None = None


def judge_message(view: RoundView, user_id: int, fmt: Format) -> Verdict:
    """Record the current speaker's words; refuse other debaters'; audience per format."""
    role = view.role_of(user_id)
    turn = view.current_turn
    speaking = (
        view.status is RoundStatus.RUNNING
        and turn is not None
        and turn.status is TurnStatus.RUNNING
        and user_id in (turn.speaker_id, turn.answerer_id)
    )
    if speaking:
        assert turn is not None
        return Verdict("record", turn.id)
    if view.status not in (RoundStatus.RUNNING, RoundStatus.PAUSED):
        return Verdict("allow")
    if role in (Side.REALIST.value, Side.VALUES.value):
        return Verdict("out-of-turn")
    if fmt.audience_may_speak or role == JUDGE:
        return Verdict("allow")
    return Verdict("out-of-turn")


async def record_speech(
    round_id: int,
    turn_id: int,
    user_id: int,
    content: str,
    *,
    message_id: int | None,
    now: datetime,
    session: AsyncSession,
) -> None:
    """Store words spoken in a turn (a message in the thread or the speech form)."""
    text = content.strip()
    if not text:
        raise MootError("The speech is empty.")
    if len(text) > SPEECH_MAX:
        raise MootError(f"A speech part is at most {SPEECH_MAX} characters; this is {len(text)}.")
    # A message can arrive twice (an event replayed on resume, or read back after a
    # restart): it is recorded once. A speech from the form has no message id, and a
    # missing id never conflicts.
    await insert_new(
        session,
        Speech,
        {
            "round_id": round_id,
            "turn_id": turn_id,
            "user_id": user_id,
            "content": text,
            "message_id": message_id,
            "posted_at": now,
        },
        ["message_id"],
    )


@dataclass(frozen=True)
class Posted:
    """A message found in a round's thread: who, when, what."""

    message_id: int
    author_id: int
    at: datetime
    content: str


async def backfill_speeches(round_id: int, posted: list[Posted], *, session: AsyncSession) -> int:
    """Record the speeches among `posted` that the bot never saw (it was down when they
    were posted): a message by a turn's speaker (or answerer) inside that turn's time. One
    already recorded is left alone. Returns how many were added."""
    view = await get_round(round_id, session=session)
    known = set(
        (
            await session.exec(
                select(Speech.message_id).where(
                    Speech.round_id == round_id, col(Speech.message_id).is_not(None)
                )
            )
        ).all()
    )
    added = 0
    for message in sorted(posted, key=lambda m: m.at):
        text = message.content.strip()[:SPEECH_MAX]
        if message.message_id in known or not text:
            continue
        turn = next(
            (
                t
                for t in view.turns
                if t.started_at is not None
                and t.started_at <= message.at
                and all(message.at < end for end in (t.ended_at, t.ends_at) if end)
                and message.author_id in (t.speaker_id, t.answerer_id)
            ),
            None,
        )
        if turn is None:
            continue
        await record_speech(
            round_id,
            turn.id,
            message.author_id,
            text,
            message_id=message.message_id,
            now=message.at,
            session=session,
        )
        known.add(message.message_id)
        added += 1
    return added


async def under_way(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, int, int]]:
    """(round, thread, lobby message) of every round running or paused on this process's
    shards: speeches are what follows the lobby in the thread."""
    rows = await session.exec(
        select(Round.id, Round.thread_id, Round.lobby_message_id).where(
            col(Round.status).in_((RoundStatus.RUNNING.value, RoundStatus.PAUSED.value)),
            col(Round.thread_id).is_not(None),
            col(Round.lobby_message_id).is_not(None),
            on_shards(col(Round.guild_id), shard_count, shard_ids),
        )
    )
    return [(r, t, lobby) for r, t, lobby in rows.all() if r and t and lobby]


async def record_out_of_turn(
    round_id: int, user_id: int, *, now: datetime, session: AsyncSession
) -> None:
    """Note a debater's (or the audience's) message that came out of turn."""
    await _event(session, round_id, "out-of-turn", now, user_id)


async def speech_turn(round_id: int, user_id: int, *, session: AsyncSession) -> int:
    """The turn a member may submit a speech for now (the form), or why not."""
    view = await get_round(round_id, session=session)
    turn = view.current_turn
    if (
        view.status is not RoundStatus.RUNNING
        or turn is None
        or turn.status is not TurnStatus.RUNNING
    ):
        raise MootError("No turn is running: speeches can be submitted only during your turn.")
    if user_id not in (turn.speaker_id, turn.answerer_id):
        raise MootError("It is not your turn to speak.")
    return turn.id


# --- votes, ballots and the decision ---------------------------------------------------


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
    await _event(session, round_id, "ballot", now, judge_id, choice)
    return view


@dataclass(frozen=True)
class Decision:
    winner: str  # realist, values or draw
    summary: str


async def _decide(row: Round, fmt: Format, now: datetime, session: AsyncSession) -> list[Notice]:
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
    await _event(session, row.id, "decided", now, None, decision.winner)
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


# --- what the timers need, and the record ----------------------------------------------


async def due_rounds(
    *, now: datetime, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(round, due time) of every round under way on this process's shards."""
    rows = await session.exec(
        select(Round.id, Round.due_at).where(
            col(Round.due_at).is_not(None),
            col(Round.status).in_((RoundStatus.RUNNING.value, RoundStatus.VOTING.value)),
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
            col(Turn.status).in_((TurnStatus.RUNNING.value, TurnStatus.PAUSED.value)),
            col(Turn.announce_message_id).is_(None),
            col(Turn.started_at) < before,
            on_shards(col(Round.guild_id), shard_count, shard_ids),
        )
    )
    notices += [Notice("turn", r, t, recovering=True) for r, t in turns.all()]
    rounds = await session.exec(
        select(Round.id, Round.status).where(
            col(Round.status).in_((RoundStatus.VOTING.value, RoundStatus.DECIDED.value)),
            col(Round.finished_at).is_(None) | (col(Round.finished_at) < before),
            on_shards(col(Round.guild_id), shard_count, shard_ids),
            (
                (col(Round.status) == RoundStatus.VOTING.value)
                & col(Round.voting_message_id).is_(None)
            )
            | (
                (col(Round.status) == RoundStatus.DECIDED.value)
                & col(Round.result_message_id).is_(None)
            ),
        )
    )
    for round_id, status in rounds.all():
        if round_id is not None:
            kind = "voting" if status == RoundStatus.VOTING.value else "decided"
            notices.append(Notice(kind, round_id, recovering=True))
    return notices


async def announced(sent: list[tuple[Notice, int]], *, session: AsyncSession) -> None:
    """Remember the messages turn starts, votes and results went out as (notice, message
    id): one statement a kind."""
    turns = [{"turn": n.turn_id, "message": m} for n, m in sent if n.kind == "turn" and n.turn_id]
    if turns:
        await session.exec(_TURN_MESSAGES, params=turns)
    for kind, column in (("voting", "voting_message_id"), ("decided", "result_message_id")):
        changes = [{"round": n.round_id, "message": m} for n, m in sent if n.kind == kind]
        if changes:
            await session.exec(
                update(ROUNDS)
                .where(ROUNDS.c.id == bindparam("round"))
                .values({column: bindparam("message")}),
                params=changes,
            )


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
                f"{view.name_of(int(u))} {v:g}" for u, v in json.loads(ballot.points).items()
            )
            out.append(
                f"- {ballot.judge_name}: {Side(ballot.winner).label}; {points}. " + ballot.reason
            )
    if view.result:
        out += ["", "## Result", "", view.result]
    out += ["", "## Events"]
    out += [f"- {e.at.isoformat(timespec='seconds')} {e.kind} {e.detail}".rstrip() for e in events]
    return "\n".join(out) + "\n"
