"""Planning rounds ahead: a schedule and its first occurrence, the next one added as each
starts, is skipped or is cancelled, and moderators' changes to an occurrence or a series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_new
from bot.domain import PlannedStatus, Side
from bot.errors import MootError
from bot.formats import Format
from bot.models import PlannedRound, PlannedSeries
from bot.services import rounds
from bot.services.planning.read_models import PlannedView, _marks, get_planned, load_planned
from bot.services.planning.reminders import _done_by, _due
from bot.times import REPEATS, local_day, nth_occurrence

MAX_COUNT = 100
WHEN_SHORT = ("postpone", "cancel")


async def plan(
    guild_id: int,
    channel_id: int,
    *,
    motion: str,
    fmt: Format,
    pace: float,
    timezone: str,
    first_at: datetime,
    proposition: Side = Side.REALIST,
    repeat: str,
    until: date | None,
    count: int | None,
    reminders: tuple[int, ...],
    when_short: str,
    postpone_minutes: int,
    by: int,
    now: datetime,
    session: AsyncSession,
    venue: tuple[int, str] | None = None,
) -> PlannedView:
    """A schedule and its first occurrence; `venue`, the (channel, kind) of the Stage or
    voice channel its rounds are heard in."""
    if repeat not in REPEATS:
        raise MootError(f"Repeat is one of: {', '.join(REPEATS)}.")
    if repeat == "none" and (until is not None or count is not None):
        raise MootError("`until` and `count` end a series: pick how it repeats as well.")
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise MootError(f"A series has 1 to {MAX_COUNT} rounds.")
    if until is not None and until < local_day(first_at, timezone):
        raise MootError("`until` is before the first round.")
    if when_short not in WHEN_SHORT:
        raise MootError("When a side is empty at start time the round is postponed or cancelled.")
    if not 5 <= postpone_minutes <= 24 * 60:
        raise MootError("Postpone by 5 minutes to 24 hours.")
    schedule = PlannedSeries(
        guild_id=guild_id,
        channel_id=channel_id,
        motion=rounds.check_motion(motion),
        format_key=fmt.key,
        pace=rounds.check_pace(pace),
        proposition=proposition,
        venue_channel_id=venue[0] if venue else None,
        venue_kind=venue[1] if venue else None,
        timezone=timezone,
        first_at=first_at,
        repeat=repeat,
        until=until,
        count=count,
        reminders=",".join(str(m) for m in reminders),
        when_short=when_short,
        postpone_minutes=postpone_minutes,
        created_by=by,
        created_at=now,
    )
    session.add(schedule)
    await session.flush()
    assert schedule.id is not None
    planned_id = await _add_occurrence(schedule, 0, first_at, now, session)
    assert planned_id is not None
    return (await load_planned([planned_id], session=session))[planned_id]


async def _add_occurrence(
    schedule: PlannedSeries, number: int, starts_at: datetime, now: datetime, session: AsyncSession
) -> int | None:
    """Add occurrence `number` unless it exists (two processes, or a retry): its id."""
    assert schedule.id is not None
    marks = _marks(schedule.reminders)
    done = _done_by(starts_at, marks, now)
    values = {
        "schedule_id": schedule.id,
        "guild_id": schedule.guild_id,
        "number": number,
        "starts_at": starts_at,
        "status": PlannedStatus.UPCOMING,
        "due_at": _due(starts_at, marks, done),
        "reminders_done": done,
        "postponed": 0,
        "note": "",
    }
    await insert_new(session, PlannedRound, values, ["schedule_id", "number"])
    found = await session.exec(
        select(PlannedRound.id).where(
            PlannedRound.schedule_id == schedule.id, PlannedRound.number == number
        )
    )
    return found.first()


async def _next_occurrence(view: PlannedView, now: datetime, session: AsyncSession) -> int | None:
    """Add the occurrence after `view` if its series goes on; its id, or None."""
    schedule = await session.get(PlannedSeries, view.schedule_id)
    if schedule is None or schedule.status != "active" or schedule.repeat == "none":
        return None
    number = view.number + 1
    if schedule.count is not None and number >= schedule.count:
        return None
    starts_at = nth_occurrence(schedule.first_at, schedule.repeat, number, schedule.timezone)
    # Occurrences that would already be over (the bot was down for weeks) are passed by.
    while starts_at <= now:
        number += 1
        if schedule.count is not None and number >= schedule.count:
            return None
        starts_at = nth_occurrence(schedule.first_at, schedule.repeat, number, schedule.timezone)
    if schedule.until is not None and local_day(starts_at, schedule.timezone) > schedule.until:
        return None
    return await _add_occurrence(schedule, number, starts_at, now, session)


@dataclass(frozen=True)
class Moved:
    """What a change did: the occurrences whose Discord event and sign-up message must be
    brought in step (the changed one, and the next of its series if one was added)."""

    changed: PlannedView
    added: PlannedView | None = None


async def _end_occurrence(
    view: PlannedView, status: PlannedStatus, note: str, now: datetime, session: AsyncSession
) -> Moved:
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == view.id,
            col(PlannedRound.status) == PlannedStatus.UPCOMING,
        )
        .values(status=status.value, due_at=None, note=note[:300])
    )
    if claimed.rowcount != 1:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    added = await _next_occurrence(view, now, session)
    fresh = await load_planned([view.id, *([added] if added else [])], session=session)
    return Moved(fresh[view.id], fresh.get(added) if added else None)


async def cancel(
    planned_id: int,
    guild_id: int,
    *,
    series: bool,
    by_name: str,
    now: datetime,
    session: AsyncSession,
) -> Moved:
    """Cancel an occurrence; with `series`, the whole series (nothing after it is added)."""
    view = await get_planned(planned_id, guild_id, session=session)
    if view.is_series and not series:
        raise MootError(
            f"Round #{view.id} is part of a series that repeats {REPEATS[view.repeat]}. "
            "Use /round skip to skip this one, or /round cancel with series: True to end "
            "the series."
        )
    if view.status is not PlannedStatus.UPCOMING:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    await session.exec(
        update(PlannedSeries)
        .where(col(PlannedSeries.id) == view.schedule_id)
        .values(status="cancelled")
    )
    return await _end_occurrence(
        view, PlannedStatus.CANCELLED, f"Cancelled by {by_name}.", now, session
    )


async def skip(
    planned_id: int, guild_id: int, *, by_name: str, now: datetime, session: AsyncSession
) -> Moved:
    """Skip one occurrence of a series; the next is planned."""
    view = await get_planned(planned_id, guild_id, session=session)
    if not view.is_series:
        raise MootError(f"Round #{view.id} does not repeat: use /round cancel.")
    if view.status is not PlannedStatus.UPCOMING:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    return await _end_occurrence(
        view, PlannedStatus.SKIPPED, f"Skipped by {by_name}.", now, session
    )


async def reschedule(
    planned_id: int, guild_id: int, *, at: datetime, now: datetime, session: AsyncSession
) -> PlannedView:
    """Move one occurrence (the series keeps its own rhythm). Reminders whose time has
    already passed at the new time are not sent."""
    view = await get_planned(planned_id, guild_id, session=session)
    if view.status is not PlannedStatus.UPCOMING:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    done = _done_by(at, view.reminders, now)
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == view.id,
            col(PlannedRound.status) == PlannedStatus.UPCOMING,
        )
        .values(starts_at=at, reminders_done=done, due_at=_due(at, view.reminders, done))
    )
    if claimed.rowcount != 1:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    return (await load_planned([view.id], session=session))[view.id]
