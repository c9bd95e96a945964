"""Work in batches: what many tasks ask for at once is done in one call, each task gets its
own results, a failure reaches only the tasks of its batch, and closing strands nobody.

The work waits on events the test sets, so "asked while a call runs" is a fact of the
test, not a matter of timing."""

from __future__ import annotations

import asyncio

import pytest

from bot.batch import Batcher


async def queued(batched: Batcher[int, int], count: int) -> None:
    """Until `count` items wait for the next call (each asking task took its first step)."""
    for _ in range(10_000):
        if len(batched._items) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"fewer than {count} items were queued")


async def test_concurrent_requests_share_one_call_and_each_gets_its_own_results() -> None:
    calls: list[list[int]] = []
    under_way = asyncio.Event()
    release = asyncio.Event()
    release.set()
    running = 0
    most_at_once = 0

    async def square(items: list[int]) -> list[int]:
        nonlocal running, most_at_once
        calls.append(list(items))
        running += 1
        most_at_once = max(most_at_once, running)
        under_way.set()
        try:
            await release.wait()
        finally:
            running -= 1
        return [i * i for i in items]

    batched: Batcher[int, int] = Batcher(square)
    first = await asyncio.gather(*(batched.run([i, i + 100]) for i in range(5)))
    assert first == [[i * i, (i + 100) ** 2] for i in range(5)]
    assert calls == [[0, 100, 1, 101, 2, 102, 3, 103, 4, 104]]
    # Asked while a call runs: waits for the next call, which takes all of them.
    release.clear()
    under_way.clear()
    current = asyncio.create_task(batched.run([7]))
    await asyncio.wait_for(under_way.wait(), 10)  # the call for [7] is under way
    later = asyncio.gather(batched.run([8]), batched.run([9]))
    await queued(batched, 2)
    assert calls[1:] == [[7]]  # 8 and 9 were not added to the call under way
    release.set()
    assert await current == [49]
    assert await later == [[64], [81]]
    assert calls[1:] == [[7], [8, 9]]
    assert most_at_once == 1  # one call at a time
    assert await batched.run([]) == []


async def test_a_failed_call_fails_its_own_batch_only() -> None:
    under_way = asyncio.Event()
    release = asyncio.Event()
    calls: list[list[int]] = []

    async def picky(items: list[int]) -> list[int]:
        calls.append(list(items))
        under_way.set()
        await release.wait()
        if 13 in items:
            raise ValueError("unlucky")
        return items

    batched: Batcher[int, int] = Batcher(picky)
    unlucky = asyncio.create_task(batched.run([13]))
    await asyncio.wait_for(under_way.wait(), 10)  # the call for [13] is under way
    fine = asyncio.create_task(batched.run([1]))
    await queued(batched, 1)  # asked while it runs: the next call
    release.set()
    with pytest.raises(ValueError, match="unlucky"):
        await unlucky
    assert await fine == [1]
    assert calls == [[13], [1]]


async def test_work_that_loses_results_is_an_error_not_a_wrong_answer() -> None:
    async def lossy(items: list[int]) -> list[int]:
        return items[:1]

    batched: Batcher[int, int] = Batcher(lossy)
    with pytest.raises(RuntimeError, match="2 items gave 1 results"):
        await batched.run([1, 2])


async def test_a_caller_giving_up_does_not_cancel_the_others_and_closing_strands_nobody() -> None:
    under_way = asyncio.Event()
    release = asyncio.Event()
    calls: list[list[int]] = []

    async def slow(items: list[int]) -> list[int]:
        calls.append(list(items))
        under_way.set()
        await release.wait()
        return items

    batched: Batcher[int, int] = Batcher(slow)
    impatient = asyncio.create_task(batched.run([1]))
    patient = asyncio.create_task(batched.run([2]))
    await asyncio.wait_for(under_way.wait(), 10)
    assert calls == [[1, 2]]  # both in the call under way
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert not patient.done()
    release.set()
    assert await patient == [2]
    # The runner itself cancelled (the process is closing): its waiters are cancelled too.
    release.clear()
    under_way.clear()
    waiting = asyncio.create_task(batched.run([3]))
    await asyncio.wait_for(under_way.wait(), 10)  # the call for [3] is under way
    runner = batched._runner
    assert runner is not None
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert batched._runner is None
