"""The hold on time that tests, benchmarks and the sandbox have over the bot: a clock that
stands still until moved, and a wait for the bot to be idle instead of a wait of fixed
length."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.client import MootBot
from bot.runtime import start_in_background
from bot.settings import Settings
from emulator.clock import ManualClock
from emulator.server import Emulator

# How far before one of Discord's own changes the clock stops first (see Timeline._move).
JUST_BEFORE = timedelta(milliseconds=1)


class Timeline:
    """The test's hold on time: it moves the clock that the bots and the emulator read,
    and waits for the bots in this process to be idle, never for a fixed time.

    Idle: no REST request in flight, every gateway event read, and nothing in the bot's
    `pending_work` (no alarm due, no batch, handler or announcement under way). Only then
    may a test say that nothing (more) happened: the bot had every chance to act."""

    def __init__(self, clock: ManualClock, emulator: Emulator) -> None:
        self.clock = clock
        self.emulator = emulator
        self.bots: list[MootBot] = []

    def now(self) -> datetime:
        return self.clock.now()

    def busy(self) -> list[str]:
        """What is still going on; empty when idle."""
        found = [f"{self.emulator.in_flight} REST request(s)"] if self.emulator.in_flight else []
        if self.emulator.announcing():
            found.append("emulator events on their way")
        for client in self.bots:
            if client.is_closed():
                continue
            found += client.pending_work()
            for shard in client.shards.values():
                ws = shard._parent.ws  # type: ignore[attr-defined]
                session = self.emulator.sessions.get(getattr(ws, "session_id", None) or "")
                connected = session is not None and session.socket is not None
                if connected and not session.socket.closed and (ws.sequence or 0) < session.seq:  # type: ignore[union-attr]
                    found.append("gateway events not read yet")
        return found

    async def idle(self, timeout: float = 60.0) -> None:
        """Wait until the bots are idle (seen so three times in a row)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while quiet < 3:
            busy = self.busy()
            quiet = 0 if busy else quiet + 1
            if busy and loop.time() > deadline:
                raise AssertionError(f"the bot did not become idle: {busy[:8]}")
            await asyncio.sleep(0.001 if quiet else 0.005)

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass, then wait for the bots to be idle."""
        await self.advance_to(self.clock.now() + timedelta(seconds=seconds))

    async def advance_to(self, instant: datetime) -> None:
        """Let time pass until `instant`, stopping at each moment Discord changes
        something on its own (an event going live, a thread archiving) so that the bots
        see those changes in order with their own alarms; then wait for them to be idle."""
        await self.idle()
        while (due := self.emulator.next_automation()) is not None and due <= instant:
            await self._move(due)
        await self._move(instant)

    async def _move(self, instant: datetime) -> None:
        # The bots' alarms before the instant ring first; Discord's change at the instant
        # comes before theirs at the same instant (the harder order for the bot).
        if instant > self.clock.now() + JUST_BEFORE:
            self.clock.advance_to(instant - JUST_BEFORE)
            await self.idle()
        if instant > self.clock.now():
            self.clock.advance_to(instant)
        self.emulator.pass_time()
        await self.idle()

    async def until(self, condition: Callable[[], Any], *, within: float, what: str = "") -> Any:
        """Let time pass from one alarm of the bots to the next until `condition()` is
        truthy, and return it. Fails if it is not within `within` seconds of the clock."""
        limit = self.clock.now() + timedelta(seconds=within)
        while True:
            await self.idle()
            if value := condition():
                return value
            ahead = self.clock.next_deadline()
            automation = self.emulator.next_automation()
            if automation is not None and (ahead is None or automation < ahead):
                ahead = automation
            if ahead is None or ahead > limit:
                raise AssertionError(f"not within {within:g} s on the clock: {what or condition}")
            await self._move(ahead)

    async def start(self, settings: Settings) -> tuple[MootBot, asyncio.Task[None]]:
        """The real bot, in this process, on this timeline's clock."""
        client, task = await start_in_background(settings, ready_timeout=30, clock=self.clock)
        self.bots.append(client)
        await self.idle()
        return client, task
