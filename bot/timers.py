"""Timer jobs a cog runs on APScheduler, kept safe to stop.

At shutdown a job that is running is let finish (cancelled mid-query, the async SQLite
driver can hang closing its connection), a job that starts after shutdown began does
nothing, and all of it happens before the database is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("moot.timers")


class TimerWork:
    """Runs a cog's timer jobs; `close()` stops them and waits until they have let go."""

    def __init__(self) -> None:
        self.closing = False
        self._running: set[asyncio.Task[Any]] = set()

    async def run(self, work: Callable[..., Awaitable[None]], *args: Any) -> None:
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
        """Refuse new jobs, let running ones finish (they check `closing` between items),
        and cancel what is still running after `grace` seconds."""
        self.closing = True
        running = [t for t in self._running if t is not asyncio.current_task()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
