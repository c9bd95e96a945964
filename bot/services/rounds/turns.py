"""Running the round: the running order built at the start, turns begun and ended, the
vote opened after the last turn.

A turn ends by a claim ("end it if it is still under way"), and only whoever wins the claim
begins the next turn: a timer and a moderator racing move the round once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.formats import Format, TurnSpec
from bot.services.rounds.clock import next_due, with_turn
from bot.services.rounds.points import close_points, lapse_notices
from bot.services.rounds.prep import finish_prep
from bot.services.rounds.read_models import (
    Notice,
    NoticeKind,
    RoundUpdate,
    RoundView,
    TurnView,
    turn_view,
)
from bot.services.rounds.rows import (
    CLAIM_LOBBIES,
    END_TURNS,
    MOVE_ROUNDS,
    PLAN_TURNS,
    START_TURNS,
    event_row,
    get_round,
    load_rounds,
    record_events,
)

# The text of a turn-ending notice when the round was paused: the pause ends with the turn.
PAUSE_ENDS = "pause ends"


def _speaker(speakers: list[int], number: int) -> int | None:
    if not speakers:
        return None
    return speakers[(number - 1) % len(speakers)]


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
) -> RoundUpdate:
    """Leave the lobby: build the running order with its speakers and begin the first turn."""
    [result] = await start_many([(round_id, by)], formats={fmt.key: fmt}, now=now, session=session)
    if isinstance(result, MootError):
        raise result
    return result


async def start_many(
    requests: list[tuple[int, int]],
    *,
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
) -> list[RoundUpdate | MootError]:
    """Start the rounds of `requests` ((round id, who pressed Start)) together: a handful of
    statements however many, as the timers do. For each, in order: what changed, or why
    that round cannot start (the others start all the same)."""
    views = await load_rounds({r for r, _ in requests}, session=session)
    # The first request for a round is the one that starts it.
    first = {r: index for index, (r, _) in reversed(list(enumerate(requests)))}
    results: dict[int, RoundUpdate | MootError] = {}
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
                    CLAIM_LOBBIES, params={"ids": [v.id for v, _, _ in ready], "now": now}
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
    ids = (await session.exec(PLAN_TURNS, params=plan)).scalars().all()
    # The rounds as they now stand, from what was just written: no second read.
    turns: dict[int, list[TurnView]] = {}
    for row, turn_id in zip(plan, ids, strict=True):
        turns.setdefault(row["round_id"], []).append(turn_view(_Row(row | {"id": turn_id})))
    events = [event_row(view.id, "started", now, by) for view, _, by in starting]
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
    advanced = await advance(planned, formats, now, session, events)
    await record_events(session, events)
    for view, _, _ in starting:
        said, started = advanced[view.id]
        results[view.id] = RoundUpdate(started, [Notice(NoticeKind.STARTED, view.id), *said])
    return _answers(requests, first, results)


def _answers(
    requests: list[tuple[int, int]],
    first: dict[int, int],
    results: dict[int, RoundUpdate | MootError],
) -> list[RoundUpdate | MootError]:
    """Each request's answer: its round's; a repeated request for a round that starts is
    told it has already started."""
    again = MootError("That round has already started.")
    return [
        results[r] if first[r] == index or isinstance(results[r], MootError) else again
        for index, (r, _) in enumerate(requests)
    ]


class _Row:
    """A turn row that is not in the database yet, for `turn_view`: what it was given,
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
            other = spec.side.other
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
        "status": TurnStatus.PENDING,
    }


async def advance(
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
        # Preparation, and a grand crossfire (every speaker), have no one speaker.
        turn = next(
            (t for t in ahead if t.kind == "prep" or t.side is None or t.speaker_id is not None),
            None,
        )
        for passed in ahead:
            if passed is turn:
                break
            change = _turn_change(
                passed.id, TurnStatus.DONE, now, ended_at=now, reason="no-speaker"
            )
            turns.append(change)
            view = _changed_turn(view, change)
            events.append(event_row(view.id, "turn-no-speaker", now, None, str(passed.position)))
            said.append(Notice(NoticeKind.NO_SPEAKER, view.id, passed.id))
        if turn is None:
            fmt = formats[view.format_key]
            closes = now + timedelta(seconds=voting_seconds(fmt, view.pace))
            change = _round_change(view.id, RoundStatus.VOTING, None, closes, closes)
            events.append(event_row(view.id, "voting", now))
            said.append(Notice(NoticeKind.VOTING, view.id))
        else:
            ends = now + timedelta(seconds=turn.seconds)
            started = _turn_change(turn.id, TurnStatus.RUNNING, now, ends_at=ends)
            turns.append(started)
            view = _changed_turn(view, started)
            due = next_due(ends, turn.warnings, 0)
            change = _round_change(view.id, RoundStatus.RUNNING, turn.position, due, None)
            events.append(
                event_row(view.id, "turn", now, turn.speaker_id, f"{turn.position}: {turn.role}")
            )
            said.append(Notice(NoticeKind.TURN, view.id, turn.id))
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
        await session.exec(START_TURNS, params=turns)
    if changes:
        await session.exec(MOVE_ROUNDS, params=changes)
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
    return with_turn(view, change["turn"], **fields)


def voting_seconds(fmt: Format, pace: float) -> int:
    """How long the vote stays open: the format's window at the round's pace."""
    return max(1, round(fmt.voting_seconds * pace))


async def end_turns(
    turn_ids: Collection[int],
    reason: str,
    now: datetime,
    session: AsyncSession,
    statuses: tuple[str, ...] = (TurnStatus.RUNNING, TurnStatus.PAUSED),
) -> set[int]:
    """The claim: end these turns if they are still under way. Returns those this call
    ended; a turn someone else ended first is not among them."""
    if not turn_ids:
        return set()
    ended = await session.exec(
        END_TURNS,
        params={"ids": list(turn_ids), "statuses": list(statuses), "now": now, "reason": reason},
    )
    return {turn_id for (turn_id,) in ended.all()}


async def finish_turn(
    round_id: int,
    turn_id: int,
    reason: NoticeKind,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
    actor: int | None = None,
) -> list[Notice]:
    """End a turn if it is still under way (the claim), then begin the next. Returns no
    notices when someone else ended it first. A paused round runs again from the next
    turn: the ending notice then says so (its text is PAUSE_ENDS)."""
    if not await end_turns([turn_id], reason, now, session):
        return []
    view = await get_round(round_id, session=session)
    position = next(t.position for t in view.turns if t.id == turn_id)
    # Prep under way ends with the turn (its time is taken from the pool); points still
    # waiting lapse, and a point being heard is over.
    prepped, view = await finish_prep(view, fmt, now, session, actor=actor, start_speech=False)
    lapsed = lapse_notices(round_id, turn_id, await close_points([turn_id], now, session))
    events = [event_row(round_id, f"turn-{reason}", now, actor, str(position))]
    if view.status is RoundStatus.PAUSED:
        events.append(event_row(round_id, "resumed", now, actor, "with the next turn"))
    advanced = await advance([(view, position + 1)], {fmt.key: fmt}, now, session, events)
    await record_events(session, events)
    said = PAUSE_ENDS if view.status is RoundStatus.PAUSED else ""
    return [*prepped, *lapsed, Notice(reason, round_id, turn_id, said), *advanced[round_id][0]]
