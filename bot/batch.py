"""Work that many tasks ask for at once, done together: one call for everything asked while
the previous call ran."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Batched(Generic[T]):
    """Collects items from any number of tasks and hands them to `work` in batches.

    `add` returns once the batch holding its items is done, and raises what `work` raised
    for it, so a caller knows its own items were handled. While `work` runs, new items wait
    for the next call: under load the batches grow by themselves, and a lone item waits
    for nothing but one turn of the event loop."""

    def __init__(self, work: Callable[[list[T]], Awaitable[None]]) -> None:
        self._work = work
        self._items: list[T] = []
        self._done: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None

    async def add(self, items: Iterable[T]) -> None:
        self._items.extend(items)
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        done = self._done
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="batched-work")
        # Shielded: one caller giving up must not cancel the batch the others wait on.
        await asyncio.shield(done)

    async def _run(self) -> None:
        done: asyncio.Future[None] | None = None
        try:
            while self._items:
                items, done = self._items, self._done
                self._items, self._done = [], None
                assert done is not None
                try:
                    await self._work(items)
                except Exception as error:
                    done.set_exception(error)
                else:
                    done.set_result(None)
        finally:
            self._runner = None
            # Cancelled (the process is closing): nobody may wait for ever.
            for waiting in (done, self._done):
                if waiting is not None and not waiting.done():
                    waiting.cancel()
            self._items, self._done = [], None
