"""Timer jobs a cog runs on APScheduler: alarms at instants of the bot's clock, sweeps at
an interval, and a clean stop.

At shutdown a job that is running is let finish (cancelled mid-query, the async SQLite
driver can hang closing its connection), a job that starts after shutdown began does
nothing, and all of it happens before the database is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock

log = logging.getLogger("moot.timers")

# An alarm rings a hair late rather than early: early, it would find nothing due yet.
MARGIN = timedelta(milliseconds=2)
Work = Callable[..., Awaitable[None]]


class TimerWork:
    """One cog's timer jobs, all with ids starting `prefix`."""

    def __init__(self, scheduler: AsyncIOScheduler, clock: Clock, prefix: str) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.prefix = prefix
        self.closing = False
        self._running: set[asyncio.Task[Any]] = set()

    def every(self, name: str, seconds: float, work: Work) -> None:
        """Run `work` now and then every `seconds`, one run at a time (once per name)."""
        job_id = f"{self.prefix}-{name}"
        if self.scheduler.get_job(job_id) is not None:
            return
        self.scheduler.add_job(
            self.run,
            "interval",
            args=[work],
            seconds=seconds,
            id=job_id,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def ring(self, key: int, at: datetime | None, work: Work, *args: Any) -> None:
        """Run `work(*args)` at `at` on the bot's clock (replacing the alarm for `key`);
        None removes the alarm."""
        job_id = f"{self.prefix}:{key}"
        if at is None:
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
            return
        # APScheduler keeps wall time; the bot's clock may be another (tests move theirs).
        delay = max(timedelta(0), at - self.clock.now()) + MARGIN
        self.scheduler.add_job(
            self.run,
            "date",
            args=[work, *args],
            run_date=datetime.now(UTC) + delay,
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            # Re-armed from inside its own run: the next alarm may fall due before this
            # run returns, and must not be skipped as a second instance.
            max_instances=10,
        )

    async def run(self, work: Work, *args: Any) -> None:
        """The APScheduler job: `work(*args)`, unless the bot is shutting down."""
        if self.closing:
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await work(*args)
        except asyncio.CancelledError:
            # Stopped at shutdown: the normal end of a timer job, not an error to log.
            log.debug("timer job %s stopped at shutdown", getattr(work, "__name__", work))
        finally:
            self._running.discard(task)

    async def close(self, grace: float = 10.0) -> None:
        """Remove this cog's jobs, refuse new runs, let running ones finish (they check
        `closing` between items), and cancel what still runs after `grace` seconds."""
        self.closing = True
        for job in self.scheduler.get_jobs():
            if job.id.startswith(self.prefix):
                job.remove()
        running = [t for t in self._running if t is not asyncio.current_task()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


Batch = Callable[[list[int]], Awaitable[None]]


class Alarms:
    """Keyed alarms on the bot's clock, all served by one task: whatever is due when it
    wakes goes to `work` in one call, so rounds due in the same instant are one batch (a
    few statements) rather than one scheduler job each. The batch is awaited before the
    next is taken, so the work for a key never runs twice at once; what fell due in the
    meantime makes the next batch."""

    def __init__(self, clock: Clock, work: Batch, *, idle: float = 1.0) -> None:
        self.clock = clock
        self.work = work
        # The longest sleep: a clock moved forward (tests do) is noticed within it.
        self.idle = idle
        self.closing = False
        self._due: dict[int, datetime] = {}
        self._heap: list[tuple[datetime, int]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def set(self, key: int, at: datetime | None) -> None:
        """Ring for `key` at `at` (replacing its alarm); None removes the alarm."""
        if at is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == at:
            return
        self._due[key] = at
        heapq.heappush(self._heap, (at, key))
        if self._heap[0] == (at, key):
            self._wake.set()

    def __contains__(self, key: int) -> bool:
        return key in self._due

    def start(self) -> None:
        if self._task is None and not self.closing:
            self._task = asyncio.create_task(self._serve(), name="alarms")

    def _take_due(self, now: datetime) -> list[int]:
        keys = []
        while self._heap and self._heap[0][0] <= now:
            at, key = heapq.heappop(self._heap)
            if self._due.get(key) == at:  # else replaced or removed since: a stale entry
                del self._due[key]
                keys.append(key)
        return keys

    async def _serve(self) -> None:
        while not self.closing:
            keys = self._take_due(self.clock.now() - MARGIN)
            if keys:
                try:
                    await self.work(keys)
                except Exception:
                    log.exception("alarm work failed for %d key(s)", len(keys))
                continue
            wait = self.idle
            if self._heap:
                ahead = (self._heap[0][0] - self.clock.now() + MARGIN).total_seconds()
                wait = min(wait, max(0.0, ahead))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def close(self, grace: float = 10.0) -> None:
        """Stop taking alarms; let a batch under way finish (cancel it after `grace`)."""
        self.closing = True
        self._wake.set()
        task, self._task = self._task, None
        if task is None or task is asyncio.current_task():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
