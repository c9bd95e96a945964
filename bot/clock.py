"""The time as the bot sees it, handed to the Bot like its other dependencies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# How often a FileClock looks at its file for a jump.
FILE_CLOCK_CHECK_SECONDS = 0.05


class Clock:
    """The system clock in UTC. Schedules read the time only through a Clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def at_wall(self, instant: datetime) -> datetime:
        """This clock's reading at the moment the wall clock read `instant` (the time of a
        Discord message, say)."""
        return instant + (self.now() - datetime.now(UTC))


class FileClock(Clock):
    """A clock that runs at real speed from an instant written in a file, and jumps when
    the file changes: `{"at": ISO instant, "since": Unix time}` means the clock read `at`
    when the wall clock read `since`. Every process reading the file tells the same time,
    across restarts. For soak tests and demos that compress weeks into minutes (the
    sweeper notices what a jump made due); never for a real server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked = -1.0
        self._mtime: int | None = None
        self._at = datetime.now(UTC)
        self._since = time.time()
        self._read()

    def _read(self) -> None:
        self._checked = time.monotonic()
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._mtime:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            at, since = datetime.fromisoformat(data["at"]), float(data["since"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # caught mid-write: the next look reads it whole
        self._mtime, self._at, self._since = mtime, at.astimezone(UTC), since

    def now(self) -> datetime:
        if time.monotonic() - self._checked >= FILE_CLOCK_CHECK_SECONDS:
            self._read()
        return self._at + timedelta(seconds=time.time() - self._since)

    @staticmethod
    def write(path: Path, at: datetime) -> None:
        """Set the clocks reading `path` to `at`, now (atomically: write, then rename)."""
        part = path.with_suffix(".part")
        part.write_text(json.dumps({"at": at.isoformat(), "since": time.time()}), "utf-8")
        part.replace(path)
