"""The clocks: the manual clock stands still until moved and wakes a waiter once its
deadline has passed, never earlier; the file clock tells every reader the time written in
the file, standing still or running; the system clock and the scheduler's wait until an
instant, or until their event is set."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

import bot.clock
from bot.clock import Clock, SchedulerClock
from emulator.clock import FileClock, ManualClock

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


async def turns(count: int = 100) -> None:
    """Give every task that could run `count` turns of the event loop."""
    for _ in range(count):
        await asyncio.sleep(0)


async def eventually(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Until `condition()` holds; `timeout` (real seconds) only bounds a failure."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {condition}")
        await asyncio.sleep(0.005)


# --- ManualClock ---------------------------------------------------------------------


async def test_the_manual_clock_wakes_a_waiter_once_its_deadline_has_passed() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    first = asyncio.create_task(clock.wait(asyncio.Event(), at(10)))
    second = asyncio.create_task(clock.wait(asyncio.Event(), at(20)))
    no_deadline = asyncio.Event()
    forever = asyncio.create_task(clock.wait(no_deadline, None))
    await turns()
    assert clock.now() == START  # it stands still
    assert clock.next_deadline() == at(10)
    clock.advance(9.999)
    await turns()
    assert not first.done() and not second.done()  # not earlier
    assert clock.advance(0.001) == at(10)
    await asyncio.wait_for(first, 10)
    await turns()
    assert not second.done()
    assert clock.next_deadline() == at(20)
    clock.advance_to(at(25))  # past the deadline: wakes it too
    await asyncio.wait_for(second, 10)
    assert clock.next_deadline() is None  # the one left has no deadline
    clock.advance(3600)
    await turns()
    assert not forever.done()
    no_deadline.set()  # its event, not the time, ends that wait
    await asyncio.wait_for(forever, 10)
    # A deadline already passed: no wait at all.
    await asyncio.wait_for(clock.wait(asyncio.Event(), clock.now()), 10)


async def test_setting_the_event_ends_a_manual_wait_before_its_deadline() -> None:
    clock = ManualClock(START)
    wake = asyncio.Event()
    waiting = asyncio.create_task(clock.wait(wake, at(60)))
    await turns()
    assert clock.next_deadline() == at(60)
    wake.set()
    await asyncio.wait_for(waiting, 10)
    assert clock.now() == START
    assert clock.next_deadline() is None  # the waiter is gone


def test_the_manual_clock_cannot_go_back(tmp_path: Path) -> None:
    mirror = tmp_path / "clock.json"
    clock = ManualClock(START, mirror=mirror)
    clock.advance(60)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(at(59))
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)
    assert clock.now() == at(60)
    assert FileClock(mirror).now() == at(60)  # the mirror was not moved back either


def test_the_manual_clock_mirrors_every_move_to_its_file(tmp_path: Path) -> None:
    mirror = tmp_path / "clock.json"
    clock = ManualClock(START, mirror=mirror)
    assert FileClock(mirror).now() == START
    clock.advance(90)
    assert FileClock(mirror).now() == at(90)


# --- FileClock -----------------------------------------------------------------------


async def test_readers_of_a_file_share_the_time_written_and_follow_a_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock.json"
    FileClock.write(path, START)
    first, second = FileClock(path), FileClock(path)
    assert first.now() == START and second.now() == START
    FileClock.write(path, START + timedelta(days=2))
    await eventually(lambda: first.now() == START + timedelta(days=2))
    await eventually(lambda: second.now() == START + timedelta(days=2))


async def test_a_still_file_clock_stands_and_a_running_one_runs(tmp_path: Path) -> None:
    still, running = tmp_path / "still.json", tmp_path / "running.json"
    FileClock.write(still, START)
    FileClock.write(running, START, running=True)
    standing, moving = FileClock(still), FileClock(running)
    first = moving.now()
    assert first >= START
    await eventually(lambda: moving.now() > first)  # real time passes on it
    assert moving.now() >= first
    assert standing.now() == START  # ...and not on the still one


async def test_a_file_clock_wait_returns_once_the_file_moves_past_the_deadline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock.json"
    FileClock.write(path, START)
    reader = FileClock(path)
    looks = 0
    read = reader._read

    def counted_read() -> bool:
        nonlocal looks
        looks += 1
        return read()

    reader._read = counted_read  # type: ignore[method-assign]
    waiting = asyncio.create_task(reader.wait(asyncio.Event(), at(60)))
    FileClock.write(path, at(30))  # a move, short of the deadline
    seen = looks
    await eventually(lambda: looks >= seen + 2)  # the wait looked at the file again
    assert reader._at == at(30)
    assert not waiting.done()
    FileClock.write(path, at(60))
    await asyncio.wait_for(waiting, 10)
    assert reader.now() == at(60)


async def test_setting_the_event_ends_a_file_clock_wait(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    FileClock.write(path, START)
    wake = asyncio.Event()
    waiting = asyncio.create_task(FileClock(path).wait(wake, at(3600)))
    await turns()
    wake.set()
    await asyncio.wait_for(waiting, 10)


def test_a_missing_or_half_written_file_leaves_the_time_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    before = datetime.now(UTC)
    clock = FileClock(path)  # no file yet: the system time
    reading = clock.now()
    after = datetime.now(UTC)
    tolerance = timedelta(milliseconds=1)
    assert before - tolerance <= reading <= after + tolerance
    FileClock.write(path, START)
    assert clock._read() and clock.now() == START
    path.write_text('{"at": "2027-01-0', encoding="utf-8")  # caught mid-write
    assert not clock._read()
    assert clock.now() == START


# --- the system clock ----------------------------------------------------------------


async def test_the_system_clock_waits_until_the_instant() -> None:
    clock = Clock()
    until = clock.now() + timedelta(milliseconds=50)
    await clock.wait(asyncio.Event(), until)
    assert clock.now() >= until


async def test_setting_the_event_ends_a_system_clock_wait_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The longest single wait made long: only the event can end this one early.
    monkeypatch.setattr(bot.clock, "LONGEST_WAIT_SECONDS", 3600.0)
    clock = Clock()
    for until in (clock.now() + timedelta(hours=1), None):
        wake = asyncio.Event()
        waiting = asyncio.create_task(clock.wait(wake, until))
        await turns()
        assert not waiting.done()
        wake.set()
        await asyncio.wait_for(waiting, 10)


async def test_a_system_clock_wait_looks_at_the_time_again_after_the_longest_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.clock, "LONGEST_WAIT_SECONDS", 0.05)
    clock = Clock()
    started = time.monotonic()
    await asyncio.wait_for(clock.wait(asyncio.Event(), clock.now() + timedelta(hours=1)), 10)
    assert time.monotonic() - started >= 0.05


async def test_the_scheduler_clock_rings_at_the_instant_and_leaves_no_job() -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start()
    try:
        clock = SchedulerClock(scheduler)
        until = clock.now() + timedelta(milliseconds=50)
        await asyncio.wait_for(clock.wait(asyncio.Event(), until), 10)
        assert clock.now() >= until
        assert scheduler.get_jobs() == []
        # The event set first: the wait ends early and its job is removed.
        wake = asyncio.Event()
        waiting = asyncio.create_task(clock.wait(wake, clock.now() + timedelta(hours=1)))
        await eventually(lambda: len(scheduler.get_jobs()) == 1)
        wake.set()
        await asyncio.wait_for(waiting, 10)
        assert scheduler.get_jobs() == []
    finally:
        scheduler.shutdown(wait=False)


async def test_the_scheduler_clock_waits_like_the_system_clock_when_not_running() -> None:
    clock = SchedulerClock(AsyncIOScheduler(timezone=UTC))
    until = clock.now() + timedelta(milliseconds=50)
    await clock.wait(asyncio.Event(), until)
    assert clock.now() >= until
