"""The file clock: every reader tells the time written in the file, running at real speed,
and follows a jump within a moment; the wall clock's instants convert to it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FILE_CLOCK_CHECK_SECONDS, Clock, FileClock

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


async def test_readers_share_the_written_time_and_follow_a_jump(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    FileClock.write(path, START)
    first, second = FileClock(path), FileClock(path)
    assert abs((first.now() - START).total_seconds()) < 0.5
    assert abs((first.now() - second.now()).total_seconds()) < 0.05
    await asyncio.sleep(0.2)
    assert timedelta(seconds=0.15) < first.now() - START < timedelta(seconds=1)  # it runs
    FileClock.write(path, START + timedelta(days=2))
    await asyncio.sleep(FILE_CLOCK_CHECK_SECONDS * 2)
    assert abs((second.now() - (START + timedelta(days=2))).total_seconds()) < 0.5
    # A message posted "now" on the wall clock is at this clock's now.
    wall = datetime.now(UTC)
    assert abs((second.at_wall(wall) - second.now()).total_seconds()) < 0.05
    assert abs((Clock().at_wall(wall) - wall).total_seconds()) < 0.05


def test_a_missing_or_half_written_file_leaves_the_time_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = FileClock(path)  # no file yet: the system time
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 0.5
    path.write_text('{"at": "2027-01-0', encoding="utf-8")
    clock._read()
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 0.5
