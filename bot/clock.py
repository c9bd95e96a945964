"""The time as the bot sees it, handed to the Bot like its other dependencies.

Everything time-based in moot (turns, vote windows, excerpts, reminders, planned starts,
sweeps) reads the time through a Clock and waits on it with `wait`, never with
`asyncio.sleep`: a clock that tests move (emulator.clock.ManualClock) then moves all of
it at once, and a round of 32 minutes plays through as fast as the bot can do its work.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

# The longest the system clock waits without looking at the time again: a wall clock
# stepped by NTP (or a host resumed from suspend) is noticed within it.
LONGEST_WAIT_SECONDS = 1.0


class Clock:
    """The system clock in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, wake: asyncio.Event, until: datetime | None) -> None:
        """Return once `wake` is set or this clock reads `until` (None: no deadline).
        It may return early; callers look at the time again and wait on."""
        if until is None:
            await wake.wait()
            return
        seconds = min((until - self.now()).total_seconds(), LONGEST_WAIT_SECONDS)
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)


class SchedulerClock(Clock):
    """The system clock whose alarms are APScheduler date jobs: the bot's in-process
    alarm clock. A waiter's deadline becomes a job at that wall instant that sets the
    waiter's event; the job is removed if the event is set first. The database stays
    the source of truth: no job outlives the wait that made it."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.scheduler = scheduler

    async def wait(self, wake: asyncio.Event, until: datetime | None) -> None:
        if until is None or not self.scheduler.running:
            await super().wait(wake, until)
            return
        if until <= self.now():
            return

        async def ring() -> None:
            wake.set()

        job = self.scheduler.add_job(ring, "date", run_date=until, misfire_grace_time=None)
        try:
            await wake.wait()
        finally:
            with contextlib.suppress(Exception):  # already run, or the scheduler stopped
                job.remove()
