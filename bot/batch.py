"""Work that many tasks ask for at once, done together: one call for everything asked while
the previous call ran."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Collects items from any number of tasks and hands them to `work` in batches; `work`
    returns one result per item, in order.

    `run` returns the results for its own items once their batch is done, or raises what
    `work` raised for that batch. While `work` runs, new items wait for the next call: under
    load the batches grow by themselves, and a lone item waits for nothing but one turn of
    the event loop."""

    def __init__(self, work: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._work = work
        self._items: list[T] = []
        self._done: asyncio.Future[list[R]] | None = None
        self._runner: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """A batch is being worked on, or items wait for one."""
        return self._runner is not None

    async def run(self, items: list[T]) -> list[R]:
        if not items:
            return []
        start = len(self._items)
        self._items.extend(items)
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        done = self._done
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="batched-work")
        # Shielded: one caller giving up must not cancel the batch the others wait on.
        results = await asyncio.shield(done)
        return results[start : start + len(items)]

    async def _run(self) -> None:
        done: asyncio.Future[list[R]] | None = None
        try:
            while self._items:
                items, done = self._items, self._done
                self._items, self._done = [], None
                assert done is not None
                try:
                    results = await self._work(items)
                    if len(results) != len(items):
                        raise RuntimeError(f"{len(items)} items gave {len(results)} results")
                except Exception as error:
                    done.set_exception(error)
                else:
                    done.set_result(results)
        finally:
            self._runner = None
            # Cancelled (the process is closing): nobody may wait for ever.
            for waiting in (done, self._done):
                if waiting is not None and not waiting.done():
                    waiting.cancel()
            self._items, self._done = [], None
