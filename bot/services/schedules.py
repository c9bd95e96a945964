"""Rounds planned ahead: one-off or repeating schedules, their occurrences, sign-ups,
reminders and the start.

The database is the source of truth. A schedule keeps only its next occurrence (a
`PlannedRound`); the next one is added when the current one starts, is skipped or is
cancelled. Each occurrence carries `due_at`, the next instant the timers must act on it.
Every reminder and every start is claimed with a conditional UPDATE before anything is
sent, so a restart or a second process never acts twice.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_new, upsert
from bot.errors import MootError
from bot.formats import Format
from bot.models import (
    PlannedRound,
    PlannedStatus,
    Round,
    RoundStatus,
    Schedule,
    Side,
    Signup,
)
from bot.schedule import REPEATS, format_local, local_day, nth_occurrence
from bot.services import rounds
from bot.services.rounds import AUDIENCE, RoundView
from bot.sharding import on_shards

DEFAULT_REMINDERS = "24h, 15m"
MAX_REMINDERS = 4
LONGEST_REMINDER = 7 * 24 * 60
MAX_COUNT = 100
# A round short of speakers is put off at most this many times, then cancelled.
POSTPONE_LIMIT = 3
# Whether a side has nobody is decided this long before the start: the server's event
# (an external one) goes live by itself at the start time, and a postponed round must
# not show as live, nor can a live event be cancelled.
DECIDE_AHEAD = timedelta(seconds=30)
WHEN_SHORT = ("postpone", "cancel")
ABSENT = "absent"
CHOICES = (Side.REALIST.value, Side.VALUES.value, AUDIENCE, ABSENT)
CHOICE_LABELS = {
    Side.REALIST.value: "Realist",
    Side.VALUES.value: "Values",
    AUDIENCE: "Audience",
    ABSENT: "Can't make it",
}

_MARK = re.compile(r"^(?P<number>\d{1,4})\s*(?P<unit>d|h|m|days?|hours?|min(?:ute)?s?)$")


@dataclass(frozen=True)
class SignedUp:
    user_id: int
    choice: str
    name: str


@dataclass(frozen=True)
class PlannedView:
    """An occurrence with what its schedule says about it, and its sign-ups."""

    id: int
    schedule_id: int
    guild_id: int
    channel_id: int
    motion: str
    format_key: str
    pace: float
    timezone: str
    repeat: str
    until: date | None
    count: int | None
    number: int
    starts_at: datetime
    status: PlannedStatus
    due_at: datetime | None
    reminders: tuple[int, ...]
    reminders_done: int
    when_short: str
    postpone_minutes: int
    postponed: int
    event_id: int | None
    signup_message_id: int | None
    round_id: int | None
    note: str
    series_status: str
    created_by: int
    signups: tuple[SignedUp, ...]

    def chose(self, choice: str) -> list[SignedUp]:
        return [s for s in self.signups if s.choice == choice]

    @property
    def coming(self) -> list[SignedUp]:
        """Everyone who said they will be there, in sign-up order."""
        return [s for s in self.signups if s.choice != ABSENT]

    @property
    def is_series(self) -> bool:
        return self.repeat != "none"

    @property
    def when(self) -> str:
        return format_local(self.starts_at, self.timezone)


# --- checking what moderators type ----------------------------------------------------


def parse_reminders(text: str) -> tuple[int, ...]:
    """Minutes before the start, largest first, from "24h, 15m" (or "none")."""
    cleaned = text.strip().lower()
    if cleaned in ("", "none", "no", "off"):
        return ()
    marks: set[int] = set()
    for part in re.split(r"[,\s]+(?=\d)", cleaned):
        found = _MARK.match(part.strip())
        if found is None:
            raise MootError(
                f"I cannot read “{part.strip()[:20]}” as a reminder. Write them like "
                "“24h, 15m” (d, h or m), or “none”."
            )
        number = int(found["number"])
        unit = found["unit"][0]
        minutes = number * {"d": 24 * 60, "h": 60, "m": 1}[unit]
        if not 1 <= minutes <= LONGEST_REMINDER:
            raise MootError("Reminders go from 1 minute to 7 days before the start.")
        marks.add(minutes)
    if len(marks) > MAX_REMINDERS:
        raise MootError(f"At most {MAX_REMINDERS} reminders per round.")
    return tuple(sorted(marks, reverse=True))


def reminders_text(marks: tuple[int, ...]) -> str:
    """`24h, 15m` for (1440, 15)."""

    def one(minutes: int) -> str:
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"

    return ", ".join(one(m) for m in marks) or "none"


def _marks(text: str) -> tuple[int, ...]:
    return tuple(int(m) for m in text.split(",") if m)


def _done_by(starts_at: datetime, marks: tuple[int, ...], now: datetime) -> int:
    """How many reminder marks are already behind `now` (largest mark first)."""
    return sum(1 for m in marks if starts_at - timedelta(minutes=m) <= now)


def _due(starts_at: datetime, marks: tuple[int, ...], done: int) -> datetime:
    """The next reminder's time, or once they are all sent, the roll call before the start
    (see DECIDE_AHEAD)."""
    if done < len(marks):
        return starts_at - timedelta(minutes=marks[done])
    return starts_at - DECIDE_AHEAD


# --- reading ---------------------------------------------------------------------------


async def load_planned(ids: Collection[int], *, session: AsyncSession) -> dict[int, PlannedView]:
    """The occurrences among `ids`, with their schedules and sign-ups."""
    if not ids:
        return {}
    rows = (
        await session.exec(
            select(PlannedRound, Schedule)
            .join(Schedule, col(Schedule.id) == PlannedRound.schedule_id)
            .where(col(PlannedRound.id).in_(list(ids)))
        )
    ).all()
    signups: dict[int, list[SignedUp]] = {}
    for s in (
        await session.exec(
            select(Signup)
            .where(col(Signup.planned_id).in_(list(ids)))
            .order_by(col(Signup.at), col(Signup.user_id))
        )
    ).all():
        signups.setdefault(s.planned_id, []).append(SignedUp(s.user_id, s.choice, s.name))
    views = {}
    for planned, plan in rows:
        assert planned.id is not None and plan.id is not None
        views[planned.id] = PlannedView(
            id=planned.id,
            schedule_id=plan.id,
            guild_id=plan.guild_id,
            channel_id=plan.channel_id,
            motion=plan.motion,
            format_key=plan.format_key,
            pace=plan.pace,
            timezone=plan.timezone,
            repeat=plan.repeat,
            until=plan.until,
            count=plan.count,
            number=planned.number,
            starts_at=planned.starts_at,
            status=PlannedStatus(planned.status),
            due_at=planned.due_at,
            reminders=_marks(plan.reminders),
            reminders_done=planned.reminders_done,
            when_short=plan.when_short,
            postpone_minutes=plan.postpone_minutes,
            postponed=planned.postponed,
            event_id=planned.event_id,
            signup_message_id=planned.signup_message_id,
            round_id=planned.round_id,
            note=planned.note,
            series_status=plan.status,
            created_by=plan.created_by,
            signups=tuple(signups.get(planned.id, [])),
        )
    return views


async def get_planned(planned_id: int, guild_id: int, *, session: AsyncSession) -> PlannedView:
    """The occurrence, if it belongs to this server; MootError otherwise."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.guild_id != guild_id:
        raise MootError(f"There is no planned round #{planned_id} in this server. See /round list.")
    return view


async def upcoming(guild_id: int, *, session: AsyncSession, limit: int = 20) -> list[PlannedView]:
    """The server's occurrences still to come, soonest first."""
    ids = (
        await session.exec(
            select(PlannedRound.id)
            .where(
                PlannedRound.guild_id == guild_id,
                PlannedRound.status == PlannedStatus.UPCOMING.value,
            )
            .order_by(col(PlannedRound.starts_at))
            .limit(limit)
        )
    ).all()
    views = await load_planned([i for i in ids if i is not None], session=session)
    return sorted(views.values(), key=lambda v: v.starts_at)


# --- planning --------------------------------------------------------------------------


async def plan(
    guild_id: int,
    channel_id: int,
    *,
    motion: str,
    fmt: Format,
    pace: float,
    timezone: str,
    first_at: datetime,
    repeat: str,
    until: date | None,
    count: int | None,
    reminders: tuple[int, ...],
    when_short: str,
    postpone_minutes: int,
    by: int,
    now: datetime,
    session: AsyncSession,
) -> PlannedView:
    """A schedule and its first occurrence."""
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
    schedule = Schedule(
        guild_id=guild_id,
        channel_id=channel_id,
        motion=rounds.check_motion(motion),
        format_key=fmt.key,
        pace=rounds.check_pace(pace),
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
    schedule: Schedule, number: int, starts_at: datetime, now: datetime, session: AsyncSession
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
        "status": PlannedStatus.UPCOMING.value,
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
    schedule = await session.get(Schedule, view.schedule_id)
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
            col(PlannedRound.status) == PlannedStatus.UPCOMING.value,
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
        update(Schedule).where(col(Schedule.id) == view.schedule_id).values(status="cancelled")
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
            col(PlannedRound.status) == PlannedStatus.UPCOMING.value,
        )
        .values(starts_at=at, reminders_done=done, due_at=_due(at, view.reminders, done))
    )
    if claimed.rowcount != 1:
        raise MootError(f"Planned round #{view.id} is no longer upcoming.")
    return (await load_planned([view.id], session=session))[view.id]


async def sign_up(
    planned_id: int,
    guild_id: int,
    user_id: int,
    name: str,
    choice: str,
    *,
    now: datetime,
    session: AsyncSession,
) -> PlannedView:
    """A member's answer (changeable until the start)."""
    if choice not in CHOICES:
        raise MootError("That is not a sign-up choice.")
    view = await get_planned(planned_id, guild_id, session=session)
    if view.status is not PlannedStatus.UPCOMING:
        raise MootError("Sign-ups for that round are closed.")
    await upsert(
        session,
        Signup,
        {
            "planned_id": planned_id,
            "user_id": user_id,
            "choice": choice,
            "name": name[:100],
            "at": now,
        },
        ["planned_id", "user_id"],
    )
    return (await load_planned([planned_id], session=session))[planned_id]


async def record_discord(
    planned_id: int,
    *,
    session: AsyncSession,
    event_id: int | None = None,
    signup_message_id: int | None = None,
) -> None:
    """Remember the Discord event and sign-up message an occurrence went out as."""
    values: dict[str, Any] = {}
    if event_id is not None:
        values["event_id"] = event_id
    if signup_message_id is not None:
        values["signup_message_id"] = signup_message_id
    if values:
        await session.exec(
            update(PlannedRound).where(col(PlannedRound.id) == planned_id).values(**values)
        )


async def forget_event(planned_id: int, event_id: int, *, session: AsyncSession) -> None:
    """The occurrence's event is over on Discord though the occurrence is not (it went
    live, then the round was postponed): the next publish creates a new one."""
    await session.exec(
        update(PlannedRound)
        .where(col(PlannedRound.id) == planned_id, col(PlannedRound.event_id) == event_id)
        .values(event_id=None)
    )


# --- what the timers do ----------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    view: PlannedView
    minutes: int


@dataclass(frozen=True)
class Begun:
    """What start time did to an occurrence: `round` when it became a round (speakers
    seated, not yet started); `missing` the sides nobody signed up for, when it was
    postponed (`view.status` upcoming) or cancelled instead. `added`: the series' next."""

    view: PlannedView
    round: RoundView | None
    missing: tuple[Side, ...]
    added: PlannedView | None


async def remind(planned_id: int, *, now: datetime, session: AsyncSession) -> Reminder | None:
    """Claim the reminder that is due (the latest mark passed; earlier ones missed while
    the bot was down are not sent late). None when there is nothing to send or another
    timer sent it."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.status is not PlannedStatus.UPCOMING or view.starts_at <= now:
        return None
    done = _done_by(view.starts_at, view.reminders, now)
    if done <= view.reminders_done:
        return None
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.reminders_done) == view.reminders_done,
            col(PlannedRound.status) == PlannedStatus.UPCOMING.value,
        )
        .values(reminders_done=done, due_at=_due(view.starts_at, view.reminders, done))
    )
    if claimed.rowcount != 1:
        return None
    return Reminder(view, view.reminders[done - 1])


async def begin(
    planned_id: int, *, formats: Mapping[str, Format], now: datetime, session: AsyncSession
) -> Begun | None:
    """The roll call (DECIDE_AHEAD before the start): when a side has nobody, claim the
    occurrence and postpone or cancel it as the schedule says, while its event has not
    gone live. Start time: claim it and seat the signed-up speakers in a new round (or,
    if a side emptied since the roll call, postpone or cancel after all). None when
    nothing is due or another timer took it."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.status is not PlannedStatus.UPCOMING:
        return None
    fmt = formats.get(view.format_key)
    missing = tuple(side for side in Side if not view.chose(side.value))
    if view.starts_at > now:
        if now < view.starts_at - DECIDE_AHEAD:
            return None
        if fmt is not None and not missing:
            # The roll call: both sides have someone; the round starts at its time.
            await session.exec(
                update(PlannedRound)
                .where(
                    col(PlannedRound.id) == planned_id,
                    col(PlannedRound.status) == PlannedStatus.UPCOMING.value,
                    col(PlannedRound.starts_at) == view.starts_at,
                )
                .values(due_at=view.starts_at)
            )
            return None
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.UPCOMING.value,
            col(PlannedRound.starts_at) == view.starts_at,
        )
        .values(status=PlannedStatus.STARTED.value, due_at=None)
    )
    if claimed.rowcount != 1:
        return None
    if fmt is None or missing:
        return await _short(view, missing, fmt, now, session)
    created = await rounds.create_round(
        view.guild_id,
        view.channel_id,
        motion=view.motion,
        fmt=fmt,
        pace=view.pace,
        by=view.created_by,
        now=now,
        session=session,
    )
    for side in Side:
        for number, member in enumerate(view.chose(side.value)):
            role = side.value if number < fmt.speakers_per_side else AUDIENCE
            await rounds.join(
                created.id, member.user_id, member.name, role, fmt=fmt, now=now, session=session
            )
    for member in view.chose(AUDIENCE):
        await rounds.join(
            created.id, member.user_id, member.name, AUDIENCE, fmt=fmt, now=now, session=session
        )
    await session.exec(
        update(PlannedRound).where(col(PlannedRound.id) == planned_id).values(round_id=created.id)
    )
    added = await _next_occurrence(view, now, session)
    fresh = await load_planned([planned_id, *([added] if added else [])], session=session)
    seated = await rounds.get_round(created.id, session=session)
    return Begun(fresh[planned_id], seated, (), fresh.get(added) if added else None)


async def _short(
    view: PlannedView,
    missing: tuple[Side, ...],
    fmt: Format | None,
    now: datetime,
    session: AsyncSession,
) -> Begun:
    who = " or ".join(side.label for side in missing) or "anyone"
    if fmt is not None and view.when_short == "postpone" and view.postponed < POSTPONE_LIMIT:
        later = max(now, view.starts_at) + timedelta(minutes=view.postpone_minutes)
        await session.exec(
            update(PlannedRound)
            .where(col(PlannedRound.id) == view.id)
            .values(
                status=PlannedStatus.UPCOMING.value,
                starts_at=later,
                due_at=later - DECIDE_AHEAD,
                reminders_done=len(view.reminders),
                postponed=view.postponed + 1,
                note=f"Postponed: nobody signed up for {who}.",
            )
        )
        fresh = await load_planned([view.id], session=session)
        return Begun(fresh[view.id], None, missing, None)
    reason = (
        f"Cancelled: the format {view.format_key} is no longer installed."
        if fmt is None
        else f"Cancelled: nobody signed up for {who}."
    )
    await session.exec(
        update(PlannedRound)
        .where(col(PlannedRound.id) == view.id)
        .values(status=PlannedStatus.CANCELLED.value, note=reason)
    )
    added = await _next_occurrence(view, now, session)
    fresh = await load_planned([view.id, *([added] if added else [])], session=session)
    return Begun(fresh[view.id], None, missing, fresh.get(added) if added else None)


async def due_planned(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(occurrence, due time) of every upcoming occurrence on this process's shards."""
    rows = await session.exec(
        select(PlannedRound.id, PlannedRound.due_at).where(
            PlannedRound.status == PlannedStatus.UPCOMING.value,
            col(PlannedRound.due_at).is_not(None),
            on_shards(col(PlannedRound.guild_id), shard_count, shard_ids),
        )
    )
    return [(i, at) for i, at in rows.all() if i is not None and at is not None]


async def needing_discord(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[PlannedView]:
    """Occurrences whose Discord side is behind: upcoming ones without their sign-up
    message or event, started ones whose round has no thread yet (the process stopped in
    between), and started ones whose round is over (the event is then completed)."""
    ids = (
        await session.exec(
            select(PlannedRound.id)
            .outerjoin(Round, col(Round.id) == PlannedRound.round_id)
            .where(
                on_shards(col(PlannedRound.guild_id), shard_count, shard_ids),
                (
                    (col(PlannedRound.status) == PlannedStatus.UPCOMING.value)
                    & (
                        col(PlannedRound.signup_message_id).is_(None)
                        | col(PlannedRound.event_id).is_(None)
                    )
                )
                | (
                    (col(PlannedRound.status) == PlannedStatus.STARTED.value)
                    & (
                        col(Round.thread_id).is_(None)
                        | (col(Round.status) == RoundStatus.LOBBY.value)
                        | col(Round.status).in_(
                            (RoundStatus.DECIDED.value, RoundStatus.ENDED.value)
                        )
                        | col(PlannedRound.round_id).is_(None)
                    )
                ),
            )
        )
    ).all()
    views = await load_planned([i for i in ids if i is not None], session=session)
    return list(views.values())


async def finish(planned_id: int, *, session: AsyncSession) -> bool:
    """Mark a started occurrence done once its round is over (claimed: once)."""
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.STARTED.value,
        )
        .values(status=PlannedStatus.DONE.value)
    )
    return claimed.rowcount == 1


async def abandon(planned_id: int, note: str, *, session: AsyncSession) -> PlannedView:
    """Cancel a started occurrence whose round cannot be opened (its channel is gone)."""
    await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.STARTED.value,
        )
        .values(status=PlannedStatus.CANCELLED.value, note=note[:300])
    )
    return (await load_planned([planned_id], session=session))[planned_id]
