"""Planned rounds on SQLite and PostgreSQL: racing timers send each reminder once and start
each occurrence once, seat who signed up, and a series adds its next occurrence once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.domain import PlannedStatus, Side
from bot.formats import load_formats
from bot.services import planning, rounds
from tests.conftest import PROJECT_ROOT, attempt

GUILD = 2_000_000_000_000_000_003
T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
FORMATS = load_formats(PROJECT_ROOT / "formats")
FMT = FORMATS["realist-vs-values"]


async def planned(db: Database, *, repeat: str = "none", count: int | None = None) -> int:
    async with db.session() as s:
        view = await planning.plan(
            GUILD,
            7,
            motion="Balance of power",
            fmt=FMT,
            pace=1.0,
            timezone="Europe/Paris",
            first_at=T0 + timedelta(days=2),
            repeat=repeat,
            until=None,
            count=count,
            reminders=(1440, 15),
            when_short="postpone",
            postpone_minutes=30,
            by=1,
            now=T0,
            session=s,
        )
    assert view.due_at == view.starts_at - timedelta(days=1)
    return view.id


async def test_racing_timers_send_a_reminder_once_and_start_once(db: Database) -> None:
    planned_id = await planned(db, repeat="weekly", count=2)
    for user, choice in [(10, "realist"), (11, "values"), (12, "realist"), (13, "absent")]:
        async with db.session() as s:
            await planning.sign_up(planned_id, GUILD, user, f"m{user}", choice, now=T0, session=s)
    day_before = T0 + timedelta(days=1, minutes=1)
    sent = await asyncio.gather(
        *(
            attempt(db, lambda s: planning.remind(planned_id, now=day_before, session=s))
            for _ in range(5)
        )
    )
    assert [r.minutes for r in sent if r] == [1440]
    # The bot was down past the 15-minute mark and the start: no reminder is sent late.
    start = T0 + timedelta(days=2, seconds=1)
    assert await attempt(db, lambda s: planning.remind(planned_id, now=start, session=s)) is None
    begun = await asyncio.gather(
        *(
            attempt(db, lambda s: planning.begin(planned_id, formats=FORMATS, now=start, session=s))
            for _ in range(5)
        )
    )
    started = [b for b in begun if b is not None]
    assert len(started) == 1
    [b] = started
    assert b.round is not None and b.view.status is PlannedStatus.STARTED
    # One speaker a side in this format: the second realist listens; the absent stays away.
    assert [s.user_id for s in b.round.speakers(Side.REALIST)] == [10]
    assert [s.user_id for s in b.round.speakers(Side.VALUES)] == [11]
    assert b.round.role_of(12) == "audience" and b.round.role_of(13) is None
    # The series' second (and last) occurrence was added once, a week later.
    assert b.added is not None and b.added.number == 1
    assert b.added.starts_at == T0 + timedelta(days=9)
    async with db.session() as s:
        again = await planning.begin(b.added.id, formats=FORMATS, now=start, session=s)
        listed = await planning.upcoming(GUILD, session=s)
        view = await rounds.get_round(b.round.id, session=s)
    assert again is None  # not due yet
    assert [v.id for v in listed] == [b.added.id] and view.status.value == "lobby"


async def test_short_sides_postpone_a_limited_number_of_times_then_cancel(db: Database) -> None:
    planned_id = await planned(db)
    now = T0 + timedelta(days=2)
    outcomes = []
    for _ in range(planning.POSTPONE_LIMIT + 1):
        async with db.session() as s:
            begun = await planning.begin(planned_id, formats=FORMATS, now=now, session=s)
        assert begun is not None and begun.round is None
        assert begun.missing == (Side.REALIST, Side.VALUES)
        outcomes.append(begun.view.status)
        now = begun.view.starts_at
    assert outcomes == [PlannedStatus.UPCOMING] * planning.POSTPONE_LIMIT + [
        PlannedStatus.CANCELLED
    ]


async def test_skip_and_reschedule_refuse_what_is_not_upcoming(db: Database) -> None:
    planned_id = await planned(db, repeat="daily", count=3)
    async with db.session() as s:
        moved = await planning.skip(planned_id, GUILD, by_name="Mod", now=T0, session=s)
    assert moved.changed.status is PlannedStatus.SKIPPED and moved.added is not None
    assert (
        await attempt(
            db, lambda s: planning.skip(planned_id, GUILD, by_name="Mod", now=T0, session=s)
        )
        is None
    )
    assert (
        await attempt(
            db,
            lambda s: planning.reschedule(
                planned_id, GUILD, at=T0 + timedelta(days=5), now=T0, session=s
            ),
        )
        is None
    )
    # Another server cannot see it.
    assert await attempt(db, lambda s: planning.get_planned(planned_id, 1, session=s)) is None
    # Moved to 10 minutes from now: both reminders are behind it, none is sent.
    soon = T0 + timedelta(minutes=10)
    async with db.session() as s:
        view = await planning.reschedule(moved.added.id, GUILD, at=soon, now=T0, session=s)
    # Next comes the roll call, just before the start (while its event is not yet live).
    assert view.reminders_done == 2 and view.due_at == soon - planning.DECIDE_AHEAD
