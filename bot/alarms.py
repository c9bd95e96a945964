"""Alarms at instants of the bot's clock, sweeps at an interval, and a clean stop. Every
wait goes through the clock (`Clock.wait`), so a clock that a test moves moves them all.

At shutdown a job that is running is let finish (cancelled mid-query, the async SQLite
driver can hang closing its connection), a job that starts after shutdown began does
nothing, and all of it happens before the database is closed.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from bot.clock import Clock

log = logging.getLogger("moot.alarms")

Work = Callable[..., Awaitable[None]]


class Jobs:
    """One feature's background jobs on the bot's clock: a sweep at an interval, and
    tasks started for it (each its own task: a slow one holds up no other). The sweep
    waits on an `Alarms` desk, so a clock moved forward (tests move theirs) moves it."""

    def __init__(self, clock: Clock, prefix: str) -> None:
        self.clock = clock
        self.prefix = prefix
        self.closing = False
        self._jobs: dict[str, tuple[Work, float]] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._desk: Alarms[str] = Alarms(clock, self._ring)

    @property
    def busy(self) -> bool:
        """A job is running, or one is due and about to."""
        return not self.closing and (bool(self._running) or self._desk.busy)

    def every(self, name: str, seconds: float, work: Work) -> None:
        """Run `work` now and then every `seconds`, one run at a time (once per name)."""
        job_id = f"{self.prefix}-{name}"
        if job_id in self._jobs:
            return
        self._jobs[job_id] = (work, seconds)
        self._desk.set(job_id, self.clock.now())
        self._desk.start()

    def spawn(self, name: str, work: Work, *args: Any) -> asyncio.Task[None]:
        """Run `work(*args)` now as a job of its own (nothing, once closing)."""
        task = asyncio.create_task(self.run(work, *args), name=f"moot: {self.prefix}:{name}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def _ring(self, job_ids: list[str]) -> None:
        for job_id in job_ids:
            job = self._jobs.get(job_id)
            if job is None:
                continue
            work, every = job
            task = self.spawn(job_id, work)
            # The next sweep is counted from the end of this one: never two at once.
            task.add_done_callback(functools.partial(self._again, job_id, every))

    def _again(self, job_id: str, seconds: float, _: asyncio.Task[Any]) -> None:
        if not self.closing and job_id in self._jobs:
            self._desk.set(job_id, self.clock.now() + timedelta(seconds=seconds))

    async def run(self, work: Work, *args: Any) -> None:
        """One job: `work(*args)`, unless the bot is shutting down."""
        if self.closing:
            return
        try:
            await work(*args)
        except asyncio.CancelledError:
            # Stopped at shutdown: the normal end of a timer job, not an error to log.
            log.debug("timer job %s stopped at shutdown", getattr(work, "__name__", work))
        except Exception:
            log.exception("timer job %s failed", getattr(work, "__name__", work))

    async def close(self, grace: float = 10.0) -> None:
        """Remove this cog's jobs, refuse new runs, let running ones finish (they check
        `closing` between items), and cancel what still runs after `grace` seconds."""
        self.closing = True
        self._jobs.clear()
        await self._desk.close()
        running = [t for t in self._running if t is not asyncio.current_task()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


K = TypeVar("K", bound=Hashable)


class Alarms(Generic[K]):
    """Keyed alarms on the bot's clock, all served by one task: whatever is due when it
    wakes goes to `work` in one call, so rounds due in the same instant are one batch (a
    few statements) rather than one scheduler job each. The batch is awaited before the
    next is taken, so the work for a key never runs twice at once; what fell due in the
    meantime makes the next batch."""

    def __init__(self, clock: Clock, work: Callable[[list[K]], Awaitable[None]]) -> None:
        self.clock = clock
        self.work = work
        self.closing = False
        self._due: dict[K, datetime] = {}
        self._heap: list[tuple[datetime, int, K]] = []
        self._order = itertools.count()  # ties in time go in the order they were set
        self._wake = asyncio.Event()
        self._working = False
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """A batch is under way, or an alarm is due (the desk is about to take it)."""
        if self._working:
            return True
        if self.closing:
            return False
        now = self.clock.now()
        return any(at <= now for at in self._due.values())

    def set(self, key: K, at: datetime | None) -> None:
        """Ring for `key` at `at` (replacing its alarm); None removes the alarm."""
        if at is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == at:
            return
        self._due[key] = at
        entry = (at, next(self._order), key)
        heapq.heappush(self._heap, entry)
        if self._heap[0] is entry:
            self._wake.set()

    def __contains__(self, key: object) -> bool:
        return key in self._due

    def start(self) -> None:
        if self._task is None and not self.closing:
            self._task = asyncio.create_task(self._serve(), name="alarms")

    def _take_due(self, now: datetime) -> list[K]:
        keys = []
        while self._heap and self._heap[0][0] <= now:
            at, _, key = heapq.heappop(self._heap)
            if self._due.get(key) == at:  # else replaced or removed since: a stale entry
                del self._due[key]
                keys.append(key)
        return keys

    async def _serve(self) -> None:
        while not self.closing:
            keys = self._take_due(self.clock.now())
            if keys:
                self._working = True
                try:
                    await self.work(keys)
                except Exception:
                    log.exception("alarm work failed for %d key(s)", len(keys))
                finally:
                    self._working = False
                continue
            self._wake.clear()
            await self.clock.wait(self._wake, self._heap[0][0] if self._heap else None)

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


class AlarmDesk(Generic[K]):
    """One feature's alarms, and the sweep that keeps them true to the database.

    The feature says what is due (`due`: every key of this process's shards with its
    instant, after whatever catching up must come first) and how to ring: `ring`, with
    every key that fell due together in one call (a few statements for hundreds of
    rounds), or `ring_each`, each key as a job of its own (a slow post holds up no other).
    The desk arms every key at its first sweep; later sweeps arm only what is overdue and
    what it does not know (left behind by a stopped process), never a key that is ringing
    right now; then `after_sweep` catches up on the rest. The database stays the truth: a
    lost alarm is found again at the next sweep."""

    def __init__(
        self,
        clock: Clock,
        name: str,
        *,
        due: Callable[[], Awaitable[list[tuple[K, datetime]]]],
        ring: Callable[[list[K]], Awaitable[None]] | None = None,
        ring_each: Callable[[K], Awaitable[None]] | None = None,
        after_sweep: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if (ring is None) == (ring_each is None):
            raise TypeError("an alarm desk rings in batches (ring) or key by key (ring_each)")
        self.clock = clock
        self.name = name
        self._due = due
        self._ring_batch = ring
        self._ring_one = ring_each
        self._after_sweep = after_sweep
        self._ringing: set[K] = set()
        self.alarms: Alarms[K] = Alarms(clock, self._ring)
        self.jobs = Jobs(clock, name)
        self.armed = False  # every key was armed once, at the first sweep

    @property
    def busy(self) -> bool:
        return self.alarms.busy or self.jobs.busy

    @property
    def closing(self) -> bool:
        return self.jobs.closing

    def set(self, key: K, at: datetime | None) -> None:
        """Ring for `key` at `at` (replacing its alarm); None removes the alarm."""
        self.alarms.set(key, at)

    def __contains__(self, key: object) -> bool:
        return key in self.alarms

    def start(self, sweep_seconds: float) -> None:
        """Sweep now and every `sweep_seconds` after each sweep ends (once per desk)."""
        self.jobs.every("sweep", sweep_seconds, self.sweep)

    async def _ring(self, keys: list[K]) -> None:
        if self._ring_batch is not None:
            self._ringing.update(keys)
            try:
                await self._ring_batch(keys)
            finally:
                self._ringing.difference_update(keys)
            return
        assert self._ring_one is not None
        for key in keys:
            self._ringing.add(key)
            task = self.jobs.spawn(str(key), self._ring_one, key)
            task.add_done_callback(functools.partial(self._rung, key))

    def _rung(self, key: K, _: asyncio.Task[None]) -> None:
        self._ringing.discard(key)

    async def sweep(self) -> None:
        try:
            now = self.clock.now()
            for key, at in await self._due():
                if key in self._ringing:
                    continue
                if not self.armed or at <= now or key not in self.alarms:
                    self.alarms.set(key, at)
            self.armed = True
            self.alarms.start()
            if self._after_sweep is not None:
                await self._after_sweep()
        except Exception:
            log.exception("the %s sweep failed; the next one will try again", self.name)

    async def close(self) -> None:
        await self.jobs.close()
        await self.alarms.close()
