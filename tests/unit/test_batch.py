"""Batched work: what many tasks ask for at once is done in one call, each task gets its
own results, a failure reaches only the tasks of its batch, and closing strands nobody."""

from __future__ import annotations

import asyncio

import pytest

from bot.batch import Batched


async def test_concurrent_requests_share_one_call_and_each_gets_its_own_results() -> None:
    calls: list[list[int]] = []

    async def square(items: list[int]) -> list[int]:
        calls.append(list(items))
        await asyncio.sleep(0.01)
        return [i * i for i in items]

    batched: Batched[int, int] = Batched(square)
    first = await asyncio.gather(*(batched.run([i, i + 100]) for i in range(5)))
    assert first == [[i * i, (i + 100) ** 2] for i in range(5)]
    assert calls == [[0, 100, 1, 101, 2, 102, 3, 103, 4, 104]]
    # Asked while a call runs: waits for the next call, which takes all of them.
    running = asyncio.create_task(batched.run([7]))
    await asyncio.sleep(0)
    later = asyncio.gather(batched.run([8]), batched.run([9]))
    assert await running == [49]
    assert await later == [[64], [81]]
    assert calls[1:] == [[7], [8, 9]]
    assert await batched.run([]) == []


async def test_a_failed_call_fails_its_own_batch_only() -> None:
    async def picky(items: list[int]) -> list[int]:
        await asyncio.sleep(0.01)
        if 13 in items:
            raise ValueError("unlucky")
        return items

    batched: Batched[int, int] = Batched(picky)
    unlucky = asyncio.create_task(batched.run([13]))
    await asyncio.sleep(0)
    fine = asyncio.create_task(batched.run([1]))
    with pytest.raises(ValueError, match="unlucky"):
        await unlucky
    assert await fine == [1]


async def test_work_that_loses_results_is_an_error_not_a_wrong_answer() -> None:
    async def lossy(items: list[int]) -> list[int]:
        return items[:1]

    batched: Batched[int, int] = Batched(lossy)
    with pytest.raises(RuntimeError, match="2 items gave 1 results"):
        await batched.run([1, 2])


async def test_a_caller_giving_up_does_not_cancel_the_others_and_closing_strands_nobody() -> None:
    release = asyncio.Event()

    async def slow(items: list[int]) -> list[int]:
        await release.wait()
        return items

    batched: Batched[int, int] = Batched(slow)
    impatient = asyncio.create_task(batched.run([1]))
    patient = asyncio.create_task(batched.run([2]))
    await asyncio.sleep(0.01)
    impatient.cancel()
    await asyncio.sleep(0.01)
    release.set()
    assert await patient == [2]
    # The runner itself cancelled (the process is closing): its waiters are cancelled too.
    release.clear()
    waiting = asyncio.create_task(batched.run([3]))
    await asyncio.sleep(0.01)
    runner = batched._runner
    assert runner is not None
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert batched._runner is None
