"""What moderators and speakers do to a round under way: finish a turn early, skip it,
pause, resume, extend, remove a member, end the round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.formats import Format
from bot.models import Participant, Round, Turn
from bot.services.rounds.clock import clock_text, earliest, next_due
from bot.services.rounds.points import close_points, end_point, lapse_member, lapse_notices
from bot.services.rounds.read_models import ACTIVE, Notice, NoticeKind, RoundUpdate, RoundView
from bot.services.rounds.rows import get_round, record_event
from bot.services.rounds.turns import finish_turn

# Discord's ids count milliseconds from this instant (the first of 2015).
DISCORD_EPOCH_MS = 1_420_070_400_000
# How long an unannounced turn takes to count as seen (see turn_seen).
UNANNOUNCED = timedelta(seconds=5)


def turn_seen(view: RoundView, issued: int) -> int | None:
    """The id of the turn a command was aimed at: the current turn if its announcement was
    in the thread when the command was issued, else the turn before it, which has ended.
    `issued` is the command's interaction id: Discord's ids grow with time, so it tells
    whether the member could have seen the turn (two moderators skipping a moment apart
    both meant the turn they saw, and the round moves once)."""
    turn = view.current_turn
    if turn is None:
        return None
    announced = turn.announce_message_id
    if announced is None:
        # Its announcement is late (Discord refused it; the sweeper posts it again): after a
        # while, the turn is on the members' screens all the same, in the lobby and /status.
        sent_at = datetime.fromtimestamp(((issued >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)
        seen = turn.started_at is not None and sent_at - turn.started_at >= UNANNOUNCED
    else:
        seen = announced < issued
    if not seen:
        ended = [t for t in view.turns if t.position < turn.position and t.ended_at is not None]
        if ended:
            return ended[-1].id
    return turn.id


async def _check_seen(turn: Turn, turn_id: int | None, then: str, session: AsyncSession) -> None:
    """MootError if the turn the member meant (`turn_id`) is no longer the current one: it
    names both turns, then says `then` (with `{turn}` for the current turn's name)."""
    if turn_id is None or turn.id == turn_id:
        return
    meant = await session.get(Turn, turn_id)
    # Both sides often have a turn of the same name: the position tells them apart.
    ended = f"{meant.role} (turn {meant.position})" if meant is not None else "That turn"
    now = f"{turn.role} (turn {turn.position})"
    raise MootError(f"{ended} has already ended; {now} is under way. " + then.format(turn=now))


def _marks(turn: Turn) -> tuple[int, ...]:
    return tuple(int(w) for w in turn.warnings.split(",") if w)


async def _current_turn(row: Round, session: AsyncSession) -> Turn:
    if row.status in (RoundStatus.LOBBY,):
        raise MootError("The round has not started yet.")
    if row.status not in (RoundStatus.RUNNING, RoundStatus.PAUSED) or row.current is None:
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
) -> RoundUpdate:
    """The speaker finishes early: `turn_id` is the turn they meant (the one whose Done they
    pressed, or the one they saw when they typed /debate yield)."""
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    await _check_seen(turn, turn_id, "Nothing was changed.", session)
    if user_id != turn.speaker_id:
        raise MootError("Only the speaker whose turn it is can finish it early.")
    assert turn.id is not None
    notices = await finish_turn(
        round_id, turn.id, NoticeKind.YIELD, fmt=fmt, now=now, session=session, actor=user_id
    )
    if not notices:
        raise MootError("That turn has already ended.")
    return RoundUpdate(await get_round(round_id, session=session), notices)


async def skip(
    round_id: int,
    *,
    fmt: Format,
    by: int,
    now: datetime,
    session: AsyncSession,
    turn_id: int | None = None,
) -> RoundUpdate:
    """A moderator ends the current turn now: `turn_id`, the turn they saw, if given. Two
    moderators skipping the turn they both saw move the round one turn, whichever order
    their skips are applied in."""
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    assert turn.id is not None
    await _check_seen(turn, turn_id, "To skip {turn} too, skip again.", session)
    notices = await finish_turn(
        round_id, turn.id, NoticeKind.SKIP, fmt=fmt, now=now, session=session, actor=by
    )
    if not notices:
        raise MootError("That turn has already ended.")
    return RoundUpdate(await get_round(round_id, session=session), notices)


async def pause(round_id: int, *, by: int, now: datetime, session: AsyncSession) -> RoundUpdate:
    """Stop the clock; the turn keeps the time it had left. During prep, the prep clock
    stops instead (the side keeps what is left of its pool). A point being heard ends."""
    row = await _round_row(round_id, session)
    if row.status == RoundStatus.PAUSED:
        raise MootError("The round is already paused. /debate resume starts the clock again.")
    turn = await _current_turn(row, session)
    view = await get_round(round_id, session=session)
    said, view = await end_point(view, now, session, "pause")
    if view.prep_side is not None:
        return await _pause_prep(view, turn, by, now, session, said)
    assert turn.ends_at is not None
    left = max(0.0, (turn.ends_at - now).total_seconds())
    claimed = await session.exec(
        update(Turn)
        .where(col(Turn.id) == turn.id, col(Turn.status) == TurnStatus.RUNNING)
        .values(status=TurnStatus.PAUSED, remaining=left, ends_at=None)
    )
    if claimed.rowcount != 1:
        raise MootError("The round is already paused.")
    await session.refresh(row)
    row.status = RoundStatus.PAUSED
    row.due_at = None
    session.add(row)
    await record_event(session, round_id, "paused", now, by, clock_text(left))
    return RoundUpdate(
        await get_round(round_id, session=session),
        [*said, Notice(NoticeKind.PAUSED, round_id, turn.id, clock_text(left))],
    )


async def _pause_prep(
    view: RoundView, turn: Turn, by: int, now: datetime, session: AsyncSession, said: list[Notice]
) -> RoundUpdate:
    """Pause during prep: the prep clock stops, and what it ran is taken from the pool."""
    side = view.prep_side
    assert side is not None
    column = "realist_prep_used" if side is Side.REALIST else "values_prep_used"
    claimed = await session.exec(
        update(Round)
        .where(
            col(Round.id) == view.id,
            col(Round.status) == RoundStatus.RUNNING,
            col(Round.prep_side) == side,
        )
        .values(
            {
                column: view.prep_used(side, now),
                "status": RoundStatus.PAUSED,
                "due_at": None,
                "prep_started_at": None,
                "prep_ends_at": None,
            }
        )
    )
    if claimed.rowcount != 1:
        raise MootError("The round is already paused.")
    await record_event(session, view.id, "paused", now, by, f"{side.label} prep")
    return RoundUpdate(
        await get_round(view.id, session=session),
        [*said, Notice(NoticeKind.PAUSED, view.id, turn.id)],
    )


async def resume(
    round_id: int,
    *,
    by: int,
    now: datetime,
    session: AsyncSession,
    fmt: Format | None = None,
) -> RoundUpdate:
    """Start the clock again with the time the turn had left when it was paused (paused
    during prep: the prep clock, with what is left of the side's pool in `fmt`)."""
    row = await _round_row(round_id, session)
    if row.status != RoundStatus.PAUSED:
        raise MootError("The round is not paused.")
    turn = await _current_turn(row, session)
    if row.prep_side is not None:
        if fmt is None:
            raise MootError("This round's format is needed to resume its prep.")
        return await _resume_prep(row, fmt, turn, by, now, session)
    left = turn.remaining or 0.0
    claimed = await session.exec(
        update(Turn)
        .where(col(Turn.id) == turn.id, col(Turn.status) == TurnStatus.PAUSED)
        .values(status=TurnStatus.RUNNING, remaining=None, ends_at=now + timedelta(seconds=left))
    )
    if claimed.rowcount != 1:
        raise MootError("The round is not paused.")
    await session.refresh(turn)
    row.status = RoundStatus.RUNNING
    row.due_at = next_due(turn.ends_at, _marks(turn), turn.warnings_sent)
    session.add(row)
    await record_event(session, round_id, "resumed", now, by, clock_text(left))
    return RoundUpdate(
        await get_round(round_id, session=session), [Notice(NoticeKind.RESUMED, round_id, turn.id)]
    )


async def _resume_prep(
    row: Round, fmt: Format, turn: Turn, by: int, now: datetime, session: AsyncSession
) -> RoundUpdate:
    """Resume a round paused during prep: the prep clock runs again on what is left."""
    view = await get_round(row.id or 0, session=session)
    side = view.prep_side
    assert side is not None
    left = view.prep_left(side, fmt.prep_pool(view.pace))
    ends = now + timedelta(seconds=left)
    claimed = await session.exec(
        update(Round)
        .where(col(Round.id) == view.id, col(Round.status) == RoundStatus.PAUSED)
        .values(status=RoundStatus.RUNNING, prep_started_at=now, prep_ends_at=ends, due_at=ends)
    )
    if claimed.rowcount != 1:
        raise MootError("The round is not paused.")
    await record_event(session, view.id, "resumed", now, by, f"{side.label} prep")
    return RoundUpdate(
        await get_round(view.id, session=session), [Notice(NoticeKind.RESUMED, view.id, turn.id)]
    )


async def extend(
    round_id: int,
    seconds: int,
    *,
    by: int,
    now: datetime,
    session: AsyncSession,
    turn_id: int | None = None,
) -> RoundUpdate:
    """Give the current turn more time (while running or paused): `turn_id`, the turn the
    moderator saw, if given; time meant for a turn that has ended is not given to the next."""
    if not 1 <= seconds <= 3600:
        raise MootError("Extend by 1 to 3600 seconds.")
    row = await _round_row(round_id, session)
    turn = await _current_turn(row, session)
    await _check_seen(turn, turn_id, "To give {turn} more time, extend again.", session)
    if turn.status == TurnStatus.PAUSED:
        turn.remaining = (turn.remaining or 0.0) + seconds
    else:
        assert turn.ends_at is not None
        turn.ends_at = turn.ends_at + timedelta(seconds=seconds)
        row.due_at = earliest(
            next_due(turn.ends_at, _marks(turn), turn.warnings_sent), row.point_ends_at
        )
        session.add(row)
    session.add(turn)
    await session.flush()
    await record_event(session, round_id, "extended", now, by, str(seconds))
    return RoundUpdate(
        await get_round(round_id, session=session),
        [Notice(NoticeKind.EXTENDED, round_id, turn.id, str(seconds))],
    )


async def remove(
    round_id: int, user_id: int, *, fmt: Format, by: int, now: datetime, session: AsyncSession
) -> RoundUpdate:
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
    await record_event(session, round_id, "removed", now, by, f"{user_id}")
    notices = [Notice(NoticeKind.REMOVED, round_id, None, view.name_of(user_id))]
    if view.point_by == user_id:
        # Their point is being heard: it ends with them.
        said, view = await end_point(view, now, session)
        notices += said
    notices += await lapse_member(view, user_id, now, session)
    if role in (Side.REALIST, Side.VALUES) and view.status is not RoundStatus.LOBBY:
        mates = [s.user_id for s in view.speakers(Side(role)) if s.user_id != user_id]
        for column in ("speaker_id", "answerer_id"):
            await session.exec(
                update(Turn)
                .where(
                    col(Turn.round_id) == round_id,
                    col(Turn.status) == TurnStatus.PENDING,
                    getattr(Turn, column) == user_id,
                )
                .values({column: mates[0] if mates else None})
            )
        current = view.current_turn
        if current is not None and current.speaker_id == user_id:
            notices += await finish_turn(
                round_id,
                current.id,
                NoticeKind.REMOVED,
                fmt=fmt,
                now=now,
                session=session,
                actor=by,
            )
    return RoundUpdate(await get_round(round_id, session=session), notices)


async def end(round_id: int, *, by: int, now: datetime, session: AsyncSession) -> RoundUpdate:
    """End the round early, without a decision."""
    row = await _round_row(round_id, session)
    if row.status in (RoundStatus.DECIDED, RoundStatus.ENDED):
        raise MootError("That round is already over.")
    current = row.current
    claimed = await session.exec(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status).in_(ACTIVE))
        .values(
            status=RoundStatus.ENDED,
            due_at=None,
            finished_at=now,
            current=None,
            point_by=None,
            point_ends_at=None,
            prep_side=None,
            prep_by=None,
            prep_started_at=None,
            prep_ends_at=None,
        )
    )
    if claimed.rowcount != 1:
        raise MootError("That round is already over.")
    ended = await session.exec(
        update(Turn)
        .where(
            col(Turn.round_id) == round_id,
            col(Turn.status).in_((TurnStatus.RUNNING, TurnStatus.PAUSED)),
        )
        .values(status=TurnStatus.DONE, ended_at=now, end_reason="ended")
        .returning(col(Turn.id))
    )
    await record_event(session, round_id, "ended", now, by)
    lapsed = await close_points(ended.scalars().all() if current else [], now, session)
    notices = [n for t in lapsed for n in lapse_notices(round_id, t, lapsed)]
    return RoundUpdate(
        await get_round(round_id, session=session), [*notices, Notice(NoticeKind.ENDED, round_id)]
    )
