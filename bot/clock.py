"""The time as the bot sees it, handed to the Bot like its other dependencies."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """The system clock in UTC. Schedules read the time only through a Clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)
