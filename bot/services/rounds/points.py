"""Points of information: offered by the other side during the unprotected time of a
speech that takes them, shown to the speaker one at a time (oldest first), accepted or
declined by the speaker; an accepted point holds the floor for the format's
`point_seconds`, ended by the round's alarm.

What lapses, and why: when the speaker accepts a point, the others still waiting lapse
(the offerers sit down, as on a real floor, and may offer again once the point is over);
when the speech ends (its time, Done, a skip, a removal, the round ended) every point
still waiting lapses, and a point being heard ends with it. A pause ends the point being
heard; those waiting keep waiting.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, TurnStatus
from bot.errors import MootError
from bot.formats import Format, TurnSpec
from bot.services.rounds.clock import clock_text, earliest
from bot.services.rounds.read_models import (
    Notice,
    NoticeKind,
    PointView,
    RoundUpdate,
    RoundView,
    TurnView,
)
from bot.services.rounds.rows import POINTS, ROUNDS, event_row, get_round, record_events

WAITING, ACCEPTED, DECLINED, LAPSED, HEARD = "waiting", "accepted", "declined", "lapsed", "heard"


def takes_points(fmt: Format, turn: TurnView) -> TurnSpec | None:
    """The turn's format entry if it is a speech that takes points of information."""
    spec = fmt.spec(turn.position)
    if turn.kind != "speech" or spec is None or spec.protected is None:
        return None
    return spec


def protected_text(spec: TurnSpec, turn: TurnView, pace: float) -> str:
    """`Protected until 1:00 and from 7:00`: the protected time of a speech at its pace."""
    start, end = spec.protected_scaled(pace) or (0, 0)
    return f"Protected until {clock_text(start)} and from {clock_text(turn.seconds - end)}"


def _check_unprotected(spec: TurnSpec, turn: TurnView, pace: float, now: datetime) -> None:
    """MootError during the protected time of the speech (by its clock: a pause stops it)."""
    start, end = spec.protected_scaled(pace) or (0, 0)
    left = (turn.ends_at - now).total_seconds() if turn.ends_at else (turn.remaining or 0.0)
    elapsed = turn.seconds - left
    if elapsed < start or left <= end:
        raise MootError(
            f"Protected time: points are taken from {clock_text(start)} to "
            f"{clock_text(turn.seconds - end)} of this speech."
        )


def _speech_under_way(view: RoundView, fmt: Format) -> tuple[TurnView, TurnSpec]:
    """The speech under way that takes points, or why there is none."""
    turn = view.current_turn
    if view.status is RoundStatus.PAUSED:
        raise MootError("The round is paused: points wait until it resumes.")
    if view.status is not RoundStatus.RUNNING or turn is None:
        raise MootError("No speech is under way in that round.")
    if view.prep_side is not None:
        raise MootError(f"{view.prep_side.label} is preparing: the speech has not begun.")
    if turn.status is not TurnStatus.RUNNING:
        raise MootError("No speech is under way in that round.")
    spec = takes_points(fmt, turn)
    if spec is None:
        what = turn.role if turn.kind == "speech" else f"a {turn.kind}"
        raise MootError(f"{what} takes no points of information.")
    return turn, spec


async def _waiting(turn_id: int, session: AsyncSession) -> list[tuple[int, int, int | None]]:
    """(point, offerer, message) of the points waiting in a turn, oldest first."""
    rows = await (await session.connection()).execute(
        select_rows(POINTS.c.id, POINTS.c.user_id, POINTS.c.message_id)
        .where(POINTS.c.turn_id == turn_id, POINTS.c.status == WAITING)
        .order_by(POINTS.c.id)
    )
    return [(i, u, m) for i, u, m in rows.all()]


async def offer_point(
    round_id: int,
    user_id: int,
    *,
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
) -> RoundUpdate:
    """A debater of the other side offers a point of information to the speaker. The
    oldest point waiting is the one shown to the speaker; a later one waits behind it.
    MootError with the reason when the offer cannot be made (nothing is changed)."""
    # Offers made at the same moment queue one behind the other: each reads the points
    # waiting with the round locked (PostgreSQL; SQLite writes one at a time already).
    locking = select_rows(ROUNDS.c.id).where(ROUNDS.c.id == round_id).with_for_update()
    await (await session.connection()).execute(locking)
    view = await get_round(round_id, session=session)
    fmt = formats.get(view.format_key)
    if fmt is None:
        raise MootError(f"This round's format ({view.format_key}) is no longer installed.")
    turn, spec = _speech_under_way(view, fmt)
    role = view.role_of(user_id)
    assert turn.side is not None
    if role == turn.side:
        raise MootError("Points of information come from the other side, not the speaker's own.")
    if role != turn.side.other:
        raise MootError(
            f"Only {turn.side.other.label}'s debaters can offer {view.name_of(turn.speaker_id)} "
            "a point of information."
        )
    if view.point_by is not None:
        raise MootError(
            f"{view.name_of(view.point_by)}'s point is being heard; offer yours once it is over."
        )
    _check_unprotected(spec, turn, view.pace, now)
    waiting = await _waiting(turn.id, session)
    if any(u == user_id for _, u, _ in waiting):
        raise MootError(
            f"Your point is already waiting for {view.name_of(turn.speaker_id)} to answer."
        )
    [point_id] = (
        await session.exec(
            insert(POINTS)
            .values(
                round_id=round_id, turn_id=turn.id, user_id=user_id, status=WAITING, offered_at=now
            )
            .returning(POINTS.c.id)
        )
    ).one()
    await record_events(session, [event_row(round_id, "point-offered", now, user_id, turn.role)])
    if not waiting:
        notice = Notice(NoticeKind.POINT, round_id, turn.id, point=PointView(point_id, user_id))
    else:
        shown, offerer, message = waiting[0]
        notice = Notice(
            NoticeKind.POINT_QUEUE,
            round_id,
            turn.id,
            point=PointView(shown, offerer, len(waiting), message),
        )
    return RoundUpdate(view, [notice])


async def note_refused_offer(
    round_id: int, user_id: int, reason: str, *, now: datetime, session: AsyncSession
) -> None:
    """Record an offer that was refused (protected time, the wrong side...), for the record."""
    await record_events(session, [event_row(round_id, "point-refused", now, user_id, reason)])


async def answer_point(
    round_id: int,
    point_id: int,
    user_id: int,
    accept: bool,
    *,
    formats: Mapping[str, Format],
    now: datetime,
    session: AsyncSession,
) -> RoundUpdate:
    """The speaker accepts or declines the point shown to them. Accepted: it holds the
    floor for the format's point time, and the others waiting lapse. Declined: the next
    one waiting is shown."""
    view = await get_round(round_id, session=session)
    fmt = formats.get(view.format_key)
    if fmt is None:
        raise MootError(f"This round's format ({view.format_key}) is no longer installed.")
    row = (
        await (await session.connection()).execute(
            select_rows(POINTS.c.turn_id, POINTS.c.user_id, POINTS.c.status).where(
                POINTS.c.id == point_id, POINTS.c.round_id == round_id
            )
        )
    ).first()
    if row is None:
        raise MootError("That point of information no longer exists.")
    turn_id, offerer, status = row
    turn = view.current_turn
    speaker = next((t.speaker_id for t in view.turns if t.id == turn_id), None)
    if user_id != speaker:
        raise MootError(
            f"Only {view.name_of(speaker)}, who has the floor, can accept or decline this point."
        )
    if status != WAITING:
        raise MootError(
            {
                DECLINED: "You already declined that point.",
                LAPSED: "That point has lapsed.",
            }.get(status, "You already accepted that point.")
        )
    if turn is None or turn.id != turn_id or view.is_over:
        raise MootError("That speech has ended; its points have lapsed.")
    if view.status is RoundStatus.PAUSED:
        raise MootError("The round is paused: answer the point once it resumes.")
    if accept:
        _turn, spec = _speech_under_way(view, fmt)
        if view.point_by is not None:
            raise MootError(f"{view.name_of(view.point_by)}'s point is still being heard.")
        _check_unprotected(spec, turn, view.pace, now)
    claimed = await session.exec(
        update(POINTS)
        .where(POINTS.c.id == point_id, POINTS.c.status == WAITING)
        .values(status=ACCEPTED if accept else DECLINED, answered_at=now)
        .returning(POINTS.c.message_id)
    )
    found = claimed.all()
    if not found:
        raise MootError("That point was already answered.")
    [(message,)] = found
    answered = PointView(point_id, offerer, message_id=message)
    name = view.name_of(offerer)
    if not accept:
        events = [event_row(round_id, "point-declined", now, user_id, name)]
        notices = [Notice(NoticeKind.POINT_DECLINED, round_id, turn_id, point=answered)]
        waiting = await _waiting(turn_id, session)
        if waiting:
            shown, by, _ = waiting[0]
            notices.append(
                Notice(
                    NoticeKind.POINT,
                    round_id,
                    turn_id,
                    point=PointView(shown, by, len(waiting) - 1),
                )
            )
        await record_events(session, events)
        return RoundUpdate(view, notices)
    assert turn.ends_at is not None
    ends = min(now + timedelta(seconds=fmt.point_time(view.pace)), turn.ends_at)
    due = earliest(view.due_at, ends)
    held = await session.exec(
        update(ROUNDS)
        .where(ROUNDS.c.id == round_id, ROUNDS.c.point_by.is_(None))
        .values(point_by=offerer, point_ends_at=ends, due_at=due)
    )
    if held.rowcount != 1:
        raise MootError("Another point is being heard.")
    lapsed = await session.exec(
        update(POINTS)
        .where(POINTS.c.turn_id == turn_id, POINTS.c.status == WAITING)
        .values(status=LAPSED, ended_at=now)
        .returning(POINTS.c.id)
    )
    count = len(lapsed.all())
    events = [event_row(round_id, "point-accepted", now, user_id, name)]
    notices = [
        Notice(
            NoticeKind.POINT_ACCEPTED,
            round_id,
            turn_id,
            clock_text(fmt.point_time(view.pace)),
            point=answered,
        )
    ]
    if count:
        events.append(event_row(round_id, "points-lapsed", now, None, str(count)))
        notices.append(Notice(NoticeKind.POINTS_LAPSED, round_id, turn_id, str(count)))
    await record_events(session, events)
    view = replace(view, point_by=offerer, point_ends_at=ends, due_at=due)
    return RoundUpdate(view, notices)


async def end_point(
    view: RoundView, now: datetime, session: AsyncSession, why: str = ""
) -> tuple[list[Notice], RoundView]:
    """The point holding the floor is over (its time, or a pause): the speaker has the floor
    alone again. Applied once however many timers fire."""
    if view.point_by is None:
        return [], view
    claimed = await session.exec(
        update(ROUNDS)
        .where(ROUNDS.c.id == view.id, ROUNDS.c.point_by == view.point_by)
        .values(point_by=None, point_ends_at=None)
    )
    if claimed.rowcount != 1:
        # Another timer ended it first (or a new point began since): the round as it is.
        row = (
            await (await session.connection()).execute(
                select_rows(ROUNDS.c.point_by, ROUNDS.c.point_ends_at).where(ROUNDS.c.id == view.id)
            )
        ).one()
        return [], replace(view, point_by=row.point_by, point_ends_at=row.point_ends_at)
    turn = view.current_turn
    if turn is not None:
        await session.exec(
            update(POINTS)
            .where(POINTS.c.turn_id == turn.id, POINTS.c.status == ACCEPTED)
            .values(status=HEARD, ended_at=now)
        )
    name = view.name_of(view.point_by)
    await record_events(session, [event_row(view.id, "point-heard", now, view.point_by, name)])
    notice = Notice(
        NoticeKind.POINT_OVER,
        view.id,
        turn.id if turn else None,
        why,
        point=PointView(0, view.point_by),
    )
    return [notice], replace(view, point_by=None, point_ends_at=None)


async def close_points(
    turn_ids: Collection[int], now: datetime, session: AsyncSession
) -> dict[int, tuple[int, int | None]]:
    """The speeches `turn_ids` ended: the points still waiting lapse, a point being heard
    is over. By turn: how many lapsed, and the message of the one shown (to take its
    buttons off)."""
    if not turn_ids:
        return {}
    await session.exec(
        update(POINTS)
        .where(POINTS.c.turn_id.in_(list(turn_ids)), POINTS.c.status == ACCEPTED)
        .values(status=HEARD, ended_at=now)
    )
    lapsed = await session.exec(
        update(POINTS)
        .where(POINTS.c.turn_id.in_(list(turn_ids)), POINTS.c.status == WAITING)
        .values(status=LAPSED, ended_at=now)
        .returning(POINTS.c.turn_id, POINTS.c.id, POINTS.c.message_id)
    )
    found: dict[int, tuple[int, int | None]] = {}
    for turn_id, _point, message in sorted(lapsed.all(), key=lambda r: r[1]):
        count, shown = found.get(turn_id, (0, None))
        found[turn_id] = (count + 1, shown if shown is not None else message)
    return found


def lapse_notices(
    round_id: int, turn_id: int, lapsed: dict[int, tuple[int, int | None]]
) -> list[Notice]:
    """The word said when a speech ends with points still waiting."""
    if turn_id not in lapsed:
        return []
    count, message = lapsed[turn_id]
    return [
        Notice(
            NoticeKind.POINTS_LAPSED,
            round_id,
            turn_id,
            f"{count}:end",
            point=PointView(0, 0, message_id=message),
        )
    ]


async def lapse_member(
    view: RoundView, user_id: int, now: datetime, session: AsyncSession
) -> list[Notice]:
    """A member leaves the round (removed): their points still waiting lapse; if theirs was
    the one shown, its buttons go and the next one waiting is shown."""
    turn = view.current_turn
    if turn is None:
        return []
    waiting = await _waiting(turn.id, session)
    mine = [(p, m) for p, u, m in waiting if u == user_id]
    if not mine:
        return []
    await session.exec(
        update(POINTS)
        .where(POINTS.c.id.in_([p for p, _ in mine]))
        .values(status=LAPSED, ended_at=now)
    )
    await record_events(session, [event_row(view.id, "points-lapsed", now, user_id, "removed")])
    if waiting[0][1] != user_id:
        return []
    notices = [
        Notice(
            NoticeKind.POINT_DECLINED,
            view.id,
            turn.id,
            "lapsed",
            point=PointView(waiting[0][0], user_id, message_id=waiting[0][2]),
        )
    ]
    rest = [(p, u) for p, u, _ in waiting if u != user_id]
    if rest:
        point = PointView(rest[0][0], rest[0][1], len(rest) - 1)
        notices.append(Notice(NoticeKind.POINT, view.id, turn.id, point=point))
    return notices


async def point_posted(point_id: int, message_id: int, *, session: AsyncSession) -> None:
    """Remember the message that shows a point to the speaker (its buttons)."""
    await session.exec(update(POINTS).where(POINTS.c.id == point_id).values(message_id=message_id))


async def accepted_points(
    round_id: int, *, session: AsyncSession
) -> dict[int, list[tuple[int, datetime]]]:
    """The points accepted in a round, by turn: (offerer, when accepted)."""
    rows = await (await session.connection()).execute(
        select_rows(POINTS.c.turn_id, POINTS.c.user_id, POINTS.c.answered_at)
        .where(POINTS.c.round_id == round_id, POINTS.c.status.in_((ACCEPTED, HEARD)))
        .order_by(POINTS.c.answered_at, POINTS.c.id)
    )
    found: dict[int, list[tuple[int, datetime]]] = {}
    for turn_id, user_id, at in rows.all():
        found.setdefault(turn_id, []).append((user_id, at))
    return found
