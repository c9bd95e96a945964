"""Batched alarms: what falls due together is handed over together, once, in time order;
a replaced or removed alarm does not ring; close lets the batch under way finish."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bot.clock import Clock
from bot.timers import Alarms


async def test_alarms_due_together_ring_as_one_batch_and_replaced_ones_do_not() -> None:
    clock = Clock()
    batches: list[tuple[float, list[int]]] = []
    started = time.monotonic()

    async def work(keys: list[int]) -> None:
        batches.append((time.monotonic() - started, sorted(keys)))

    alarms = Alarms(clock, work)
    alarms.start()
    soon = clock.now() + timedelta(milliseconds=150)
    for key in range(1, 6):
        alarms.set(key, soon)
    alarms.set(3, clock.now() + timedelta(milliseconds=400))  # replaced: rings later
    alarms.set(4, None)  # removed
    alarms.set(6, clock.now() + timedelta(milliseconds=50))  # earlier than the rest
    await asyncio.sleep(0.8)
    await alarms.close()
    assert [keys for _, keys in batches] == [[6], [1, 2, 5], [3]]
    at = [moment for moment, _ in batches]
    # Never early; late only by what a busy machine adds.
    assert at[0] >= 0.05 and at[1] >= 0.15 and at[2] >= 0.4
    assert at[0] < 0.3 and at[1] < 0.4 and at[2] < 0.65
    assert 3 not in alarms and 1 not in alarms


async def test_an_alarm_set_from_its_own_work_rings_again() -> None:
    clock = Clock()
    rings: list[int] = []

    async def work(keys: list[int]) -> None:
        rings.extend(keys)
        if len(rings) < 3:
            alarms.set(7, clock.now() + timedelta(milliseconds=20))

    alarms = Alarms(clock, work)
    alarms.start()
    alarms.set(7, clock.now())
    await asyncio.sleep(0.3)
    await alarms.close()
    assert rings == [7, 7, 7]


async def test_close_waits_for_the_batch_under_way_and_then_takes_no_more() -> None:
    clock = Clock()
    finished: list[list[int]] = []

    async def work(keys: list[int]) -> None:
        await asyncio.sleep(0.2)
        finished.append(keys)

    alarms = Alarms(clock, work)
    alarms.start()
    alarms.set(1, clock.now())
    await asyncio.sleep(0.05)  # the batch is under way
    alarms.set(2, clock.now())
    await alarms.close()
    assert finished == [[1]]
    await asyncio.sleep(0.1)
    assert finished == [[1]]
