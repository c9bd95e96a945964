"""Clocks that tests, benchmarks and the sandbox move, shared by the bot and the emulator.

`ManualClock` stands still until it is moved: a test says "ten minutes pass" with
`advance(600)` and every alarm of the bot that fell due in them rings, in time order,
while Discord's own timers in the emulator (nonces, interaction tokens) see the same ten
minutes. Nothing about it depends on how fast the machine is.

A bot in another process reads the same time from a file (`FileClock`) that the test's
ManualClock writes at each move (`mirror`).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock

# How often a FileClock looks at its file for a move.
FILE_CLOCK_CHECK_SECONDS = 0.02


class ManualClock(Clock):
    """A clock that reads `start` until it is moved forward with `advance`/`advance_to`.
    `mirror`: a file the clock writes at every move, for a FileClock in another process."""

    def __init__(self, start: datetime | None = None, *, mirror: Path | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._waiters: list[tuple[datetime | None, asyncio.Event]] = []
        self.mirror = mirror
        if mirror is not None:
            FileClock.write(mirror, self._now)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock `seconds` forward; return the new time."""
        return self.advance_to(self._now + timedelta(seconds=seconds))

    def advance_to(self, instant: datetime) -> datetime:
        """Move the clock to `instant` (never back) and wake whoever waited for it."""
        if instant < self._now:
            raise ValueError(f"the clock reads {self._now:%H:%M:%S}; it cannot go back")
        self._now = instant.astimezone(UTC)
        if self.mirror is not None:
            FileClock.write(self.mirror, self._now)
        for until, wake in self._waiters:
            if until is not None and until <= self._now:
                wake.set()
        return self._now

    def next_deadline(self) -> datetime | None:
        """The earliest instant somebody waits for, if any (what `advance_to` may aim at)."""
        ahead = [u for u, wake in self._waiters if u is not None and not wake.is_set()]
        return min(ahead, default=None)

    async def wait(self, wake: asyncio.Event, until: datetime | None) -> None:
        if until is not None and until <= self._now:
            return
        entry = (until, wake)
        self._waiters.append(entry)
        try:
            await wake.wait()
        finally:
            self._waiters.remove(entry)


class FileClock(Clock):
    """The time written in a file: `{"at": ISO instant}` stands still until the file
    changes; with `"since": Unix time` it runs at real speed from `at` as read at `since`
    (the soak benchmark compresses weeks that way). Every process reading the file tells
    the same time, across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked = -1.0
        self._mtime: int | None = None
        self._at = datetime.now(UTC)
        self._since: float | None = time.time()
        self._read()

    def _read(self) -> bool:
        """Look at the file; True if it changed."""
        self._checked = time.monotonic()
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if mtime == self._mtime:
            return False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(data["at"])
            since = float(data["since"]) if data.get("since") is not None else None
        except (OSError, ValueError, KeyError, TypeError):
            return False  # caught mid-write: the next look reads it whole
        self._mtime, self._at, self._since = mtime, at.astimezone(UTC), since
        return True

    def now(self) -> datetime:
        if time.monotonic() - self._checked >= FILE_CLOCK_CHECK_SECONDS:
            self._read()
        if self._since is None:
            return self._at
        return self._at + timedelta(seconds=time.time() - self._since)

    async def wait(self, wake: asyncio.Event, until: datetime | None) -> None:
        # Wait in short steps, looking at the file between them for a move.
        while not wake.is_set():
            if until is not None and self.now() >= until:
                return
            step = FILE_CLOCK_CHECK_SECONDS
            if until is not None and self._since is not None:
                step = min(step, max(0.0, (until - self.now()).total_seconds()))
            try:
                await asyncio.wait_for(wake.wait(), step)
            except TimeoutError:
                self._read()

    @staticmethod
    def write(path: Path, at: datetime, *, running: bool = False) -> None:
        """Set the clocks reading `path` to `at`, now (atomically: write, then rename);
        `running`: from there at real speed."""
        data: dict[str, object] = {"at": at.isoformat()}
        if running:
            data["since"] = time.time()
        part = path.with_suffix(".part")
        part.write_text(json.dumps(data), "utf-8")
        part.replace(path)
