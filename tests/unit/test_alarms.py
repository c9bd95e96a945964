"""Batched alarms on a clock the test moves: what falls due together is handed over
together, once, in time order, at the instant it fell due; a replaced or removed alarm does
not ring; close lets the batch under way finish. Jobs on the same desk: a sweep runs now
and again an interval after each run ends, never two at once. A feature's alarm desk: armed
from the database once, then only what is overdue or unknown, rung in batches or key by
key, never twice at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.alarms import AlarmDesk, Alarms, Jobs
from emulator.clock import ManualClock

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


async def settled(busy: Callable[[], bool]) -> None:
    """Until `busy()` is False three turns of the event loop in a row: whatever fell due
    has been taken and its work has run (a task the work started gets its turns too)."""
    quiet = 0
    for _ in range(10_000):
        await asyncio.sleep(0)
        quiet = 0 if busy() else quiet + 1
        if quiet == 3:
            return
    raise AssertionError("still busy after 10,000 turns of the event loop")


async def until(condition: Callable[[], object]) -> None:
    """Until `condition()` holds, in turns of the event loop (no real time involved)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition did not hold within 10,000 turns of the event loop")


async def test_alarms_due_together_ring_as_one_batch_and_replaced_ones_do_not() -> None:
    clock = ManualClock(START)
    batches: list[tuple[datetime, list[int]]] = []

    async def work(keys: list[int]) -> None:
        batches.append((clock.now(), sorted(keys)))

    alarms = Alarms(clock, work)
    alarms.start()
    for key in range(1, 6):
        alarms.set(key, at(10))
    alarms.set(3, at(40))  # replaced: rings later
    alarms.set(4, None)  # removed
    alarms.set(6, at(5))  # earlier than the rest
    await settled(lambda: alarms.busy)
    assert clock.next_deadline() == at(5)  # the desk waits for the earliest alarm
    clock.advance(4.999)
    await settled(lambda: alarms.busy)
    assert batches == []  # never early
    clock.advance_to(at(5))
    await settled(lambda: alarms.busy)
    assert batches == [(at(5), [6])]
    clock.advance_to(at(10))
    await settled(lambda: alarms.busy)
    # 1, 2 and 5 together at 10 s; 3 (moved to 40 s) and 4 (removed) not with them.
    assert batches == [(at(5), [6]), (at(10), [1, 2, 5])]
    clock.advance_to(at(39.999))
    await settled(lambda: alarms.busy)
    assert len(batches) == 2
    clock.advance_to(at(40))
    await settled(lambda: alarms.busy)
    assert batches == [(at(5), [6]), (at(10), [1, 2, 5]), (at(40), [3])]
    clock.advance(3600)
    await settled(lambda: alarms.busy)
    assert len(batches) == 3  # each rang once; the removed one never
    assert all(key not in alarms for key in range(1, 7))
    await alarms.close()


async def test_alarms_ring_at_their_own_instant_when_the_clock_is_moved_to_each() -> None:
    clock = ManualClock(START)
    batches: list[tuple[datetime, list[int]]] = []

    async def work(keys: list[int]) -> None:
        batches.append((clock.now(), keys))

    alarms = Alarms(clock, work)
    alarms.start()
    alarms.set(2, at(20))
    alarms.set(1, at(10))
    alarms.set(3, at(20))  # ties in time go in the order they were set
    await settled(lambda: alarms.busy)
    while (ahead := clock.next_deadline()) is not None:
        clock.advance_to(ahead)
        await settled(lambda: alarms.busy)
    assert batches == [(at(10), [1]), (at(20), [2, 3])]
    await alarms.close()


async def test_an_alarm_set_from_its_own_work_rings_again() -> None:
    clock = ManualClock(START)
    rings: list[datetime] = []

    async def work(keys: list[int]) -> None:
        assert keys == [7]
        rings.append(clock.now())
        if len(rings) < 3:
            alarms.set(7, clock.now() + timedelta(seconds=20))

    alarms = Alarms(clock, work)
    alarms.start()
    alarms.set(7, clock.now())  # due at once
    await settled(lambda: alarms.busy)
    assert rings == [START]
    clock.advance(19)
    await settled(lambda: alarms.busy)
    assert rings == [START]
    clock.advance(1)
    await settled(lambda: alarms.busy)
    assert rings == [START, at(20)]
    clock.advance(20)
    await settled(lambda: alarms.busy)
    assert rings == [START, at(20), at(40)]
    clock.advance(3600)
    await settled(lambda: alarms.busy)
    assert rings == [START, at(20), at(40)]  # the third run set no alarm
    assert 7 not in alarms
    await alarms.close()


async def test_close_waits_for_the_batch_under_way_and_then_takes_no_more() -> None:
    clock = ManualClock(START)
    started: list[list[int]] = []
    finished: list[list[int]] = []
    under_way = asyncio.Event()
    release = asyncio.Event()

    async def work(keys: list[int]) -> None:
        started.append(keys)
        under_way.set()
        await release.wait()
        finished.append(keys)

    alarms = Alarms(clock, work)
    alarms.start()
    serving = alarms._task
    assert serving is not None
    alarms.set(1, clock.now())
    await asyncio.wait_for(under_way.wait(), 10)  # the batch is under way
    alarms.set(2, clock.now())  # due, waiting for the batch before it
    closing = asyncio.create_task(alarms.close())
    for _ in range(100):
        await asyncio.sleep(0)
    assert not closing.done()  # close waits for the batch under way...
    assert finished == []
    release.set()
    await asyncio.wait_for(closing, 10)
    assert finished == [[1]]  # ...which finished
    assert serving.done()  # and the desk has stopped: it takes no more
    clock.advance(3600)
    await settled(lambda: alarms.busy)
    assert started == [[1]] and finished == [[1]]  # 2 never ran


async def test_jobs_sweep_now_and_an_interval_after_each_run_never_two_at_once() -> None:
    clock = ManualClock(START)
    timers = Jobs(clock, "test")
    runs: list[datetime] = []
    running = 0
    most_at_once = 0
    gate = asyncio.Event()
    gate.set()

    async def sweep() -> None:
        nonlocal running, most_at_once
        runs.append(clock.now())
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            await gate.wait()
        finally:
            running -= 1

    timers.every("sweep", 60, sweep)
    timers.every("sweep", 60, sweep)  # once per name: no second job
    await settled(lambda: timers.busy)
    assert runs == [START]  # now
    assert clock.next_deadline() == at(60)
    clock.advance(59)
    await settled(lambda: timers.busy)
    assert runs == [START]
    clock.advance(1)
    await settled(lambda: timers.busy)
    assert runs == [START, at(60)]
    # A slow run: the clock passes two more intervals while it is under way.
    gate.clear()
    clock.advance(60)
    await until(lambda: running == 1)
    assert runs == [START, at(60), at(120)]
    clock.advance(150)
    for _ in range(100):
        await asyncio.sleep(0)
    assert runs == [START, at(60), at(120)]  # no second run while one is under way
    assert clock.next_deadline() is None  # the next is counted from the end of this one
    gate.set()
    await settled(lambda: timers.busy)
    assert clock.next_deadline() == at(270 + 60)
    clock.advance(59)
    await settled(lambda: timers.busy)
    assert len(runs) == 3
    clock.advance(1)
    await settled(lambda: timers.busy)
    assert runs == [START, at(60), at(120), at(330)]
    assert most_at_once == 1
    await timers.close()
    clock.advance(3600)
    await settled(lambda: timers.busy)
    assert len(runs) == 4  # closed: no more sweeps


async def test_an_alarm_desk_rings_key_by_key_and_never_arms_a_key_still_ringing() -> None:
    """A desk that rings each key as a job of its own (daily excerpts): a slow one holds
    up no other, and a sweep while it still runs does not ring it a second time, though
    the database still calls it overdue."""
    clock = ManualClock(START)
    in_database = {1: at(10), 2: at(10)}
    slow = asyncio.Event()
    started: list[tuple[datetime, int]] = []
    finished: list[int] = []

    async def due() -> list[tuple[int, datetime]]:
        return sorted(in_database.items())

    async def post(key: int) -> None:
        started.append((clock.now(), key))
        if key == 1:
            await slow.wait()
        in_database.pop(key)
        finished.append(key)

    desk: AlarmDesk[int] = AlarmDesk(clock, "test", due=due, ring_each=post)
    desk.start(60)
    await settled(lambda: desk.busy and not started)
    clock.advance_to(at(10))
    await until(lambda: finished == [2])  # 2 went out while 1 still waits
    assert started == [(at(10), 1), (at(10), 2)]
    clock.advance_to(at(60))  # a sweep: 1 is overdue in the database, but ringing
    await until(lambda: clock.next_deadline() == at(120))
    for _ in range(100):
        await asyncio.sleep(0)
    assert started == [(at(10), 1), (at(10), 2)]
    slow.set()
    await settled(lambda: desk.busy)
    assert finished == [2, 1]
    await desk.close()


async def test_an_alarm_desk_arms_everything_once_then_only_the_overdue_and_the_unknown() -> None:
    """A feature's desk: the first sweep arms every key the database says is due; later
    sweeps leave alone an alarm the feature moved itself, but arm what is overdue and what
    the desk does not know (another process left it behind), then catch up."""
    clock = ManualClock(START)
    in_database = {1: at(100), 2: at(200)}
    rung: list[tuple[datetime, list[int]]] = []
    caught_up: list[datetime] = []

    async def due() -> list[tuple[int, datetime]]:
        return sorted(in_database.items())

    async def ring(keys: list[int]) -> None:
        rung.append((clock.now(), sorted(keys)))
        for key in keys:  # done: the database no longer has it due
            in_database.pop(key, None)

    async def after_sweep() -> None:
        caught_up.append(clock.now())

    desk: AlarmDesk[int] = AlarmDesk(clock, "test", due=due, ring=ring, after_sweep=after_sweep)
    desk.start(60)
    await settled(lambda: desk.busy)
    assert 1 in desk and 2 in desk and caught_up == [START]
    desk.set(2, at(150))  # the feature moved it (say, a turn was extended)
    in_database[3] = at(90)  # left behind by another process
    clock.advance_to(at(60))  # the second sweep
    await settled(lambda: desk.busy)
    assert caught_up == [START, at(60)]
    for instant in (at(90), at(100)):
        clock.advance_to(instant)
        await settled(lambda: desk.busy)
    assert rung == [(at(90), [3]), (at(100), [1])]
    clock.advance_to(at(150))
    await settled(lambda: desk.busy)
    assert rung[-1] == (at(150), [2])  # at the feature's instant, not the database's
    await desk.close()
    clock.advance(3600)
    await settled(lambda: desk.busy)
    assert len(caught_up) == 3  # the sweep at 120, then closed: no more
