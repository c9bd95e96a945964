"""Two bot processes on one PostgreSQL database, both due to post in the same servers at
the same moment (as during a rolling deploy): every server gets its excerpt exactly once.

Both processes follow the test's clock through the file it mirrors to; their sweeps (and,
the next day, their alarms) fall due at the same instant of it, so they race for every
server's post. Whether they are idle cannot be seen from here, so the posts are counted
after both have stopped: by then everything either of them sent has arrived."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import migrate
from bot.db import Database
from bot.domain import Rotation
from bot.services.corpus_import import import_corpus
from bot.services.excerpts import setup_schedule
from emulator import Emulator, ManualClock, Message, World
from emulator.server import RateLimits
from emulator.state import Channel
from tests.conftest import CORPUS_DIR
from tests.e2e.conftest import (
    BotProcess,
    Timeline,
    emulator_settings,
    eventually,
    wait_until_serving,
)

SERVERS = 12
# What a process logs at its first sweep: from then on it sweeps every sweep_seconds.
FIRST_SWEEP = "daily excerpts: 0 schedules on this process's shards"


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_processes_never_double_post(
    emulator: Emulator,
    world: World,
    database_url: str,
    tmp_path: Path,
    clock: ManualClock,
    timeline: Timeline,
) -> None:
    channels = _servers(emulator, world, SERVERS)
    db = await _database(database_url)
    settings = emulator_settings(emulator, database_url)
    first = BotProcess(emulator, settings, tmp_path / "first.log")
    second = BotProcess(emulator, settings, tmp_path / "second.log")
    runners = (first, second)

    def logs() -> str:
        return first.output()[-3000:] + "\n---\n" + second.output()[-3000:]

    try:
        first.start()
        second.start()
        # Bounds for a loaded machine, where starting two processes takes its time.
        await wait_until_serving(emulator, world, timeout=120)
        # Both processes sweep: each logged its first sweep, at the clock's start.
        await eventually(lambda: all(FIRST_SWEEP in r.output() for r in runners), timeout=120)
        assert emulator.identify_count >= 2, logs()

        # Due in a minute, when both processes' next sweeps fall due too: they race.
        due = await _schedule_all(db, channels, clock)
        clock.advance_to(due)
        await eventually(lambda: all(_excerpt_posts(emulator, c) for c in channels), timeout=60)
        # The next day both processes' alarms for every server ring at the same instant.
        clock.advance_to(due + timedelta(days=1))
        await eventually(
            lambda: all(len(_excerpt_posts(emulator, c)) >= 2 for c in channels), timeout=60
        )

        # Stopped cleanly, each process finished its work (sweeps and posts under way)
        # before it exited: nothing either of them sent can still be on its way.
        for runner in runners:
            assert await runner.terminate() == 0, logs()
        await timeline.idle()
        days = [[_day(m) for m in _excerpt_posts(emulator, c)] for c in channels]
        assert days == [[f"{due:%Y-%m-%d}", f"{due + timedelta(days=1):%Y-%m-%d}"]] * SERVERS, (
            logs()
        )
        threads = [m for m in emulator.messages.values() if "Which side" in m.text()]
        assert len(threads) == 2 * SERVERS
    finally:
        await db.close()
        for runner in runners:
            if runner.process is not None and runner.process.poll() is None:
                runner.kill()


# Enough servers that posting them all takes several seconds of the global limit.
BUSY_SERVERS = 40


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_processes_share_the_global_limit(
    emulator: Emulator,
    world: World,
    database_url: str,
    tmp_path: Path,
    clock: ManualClock,
    timeline: Timeline,
) -> None:
    """Discord's global limit (50 requests a second) is the bot's, not each process's: two
    processes posting in 40 servers at once send well over 50 requests, and none of them
    is refused, because the processes take their slots from the budget in the database.
    (Pacing each process alone, at 40 a second each, sends 80 a second: refused.)"""
    emulator.rate_limits = RateLimits(wall_clock=True)
    channels = _servers(emulator, world, BUSY_SERVERS)
    db = await _database(database_url)
    settings = emulator_settings(emulator, database_url)
    rate = {"MOOT_POST_RATE": "40"}
    runners = (
        BotProcess(emulator, settings, tmp_path / "first.log", extra=rate),
        BotProcess(emulator, settings, tmp_path / "second.log", extra=rate),
    )

    def logs() -> str:
        return "\n---\n".join(r.output()[-3000:] for r in runners)

    try:
        for runner in runners:
            runner.start()
        await wait_until_serving(emulator, world, timeout=120)
        await eventually(lambda: all(FIRST_SWEEP in r.output() for r in runners), timeout=120)
        due = await _schedule_all(db, channels, clock)
        before = len(emulator.calls)
        clock.advance_to(due)
        await eventually(
            lambda: (
                sum("Which side" in m.text() for m in emulator.messages.values()) == BUSY_SERVERS
            ),
            timeout=120,
        )
        for runner in runners:
            assert await runner.terminate() == 0, logs()
        await timeline.idle()
        sent = emulator.calls[before:]
        refused = [c for c in sent if c.global_limit]
        assert refused == [], logs()
        # Well over one second's allowance went out (so the budget was needed) ...
        assert len(sent) > 2 * emulator.rate_limits.global_per_second
        # ... and every server got its excerpt exactly once.
        assert [len(_excerpt_posts(emulator, c)) for c in channels] == [1] * BUSY_SERVERS
    finally:
        await db.close()
        for runner in runners:
            if runner.process is not None and runner.process.poll() is None:
                runner.kill()


def _servers(emulator: Emulator, world: World, count: int) -> list[Channel]:
    """The world's excerpt channel and `count - 1` more servers with one each."""
    channels: list[Channel] = [world.debates]
    for number in range(count - 1):
        owner = emulator.add_user(f"owner{number}")
        guild = emulator.add_guild(f"Club {number}", owner)
        channels.append(emulator.add_channel(guild, "excerpts"))
    return channels


async def _database(database_url: str) -> Database:
    await migrate.upgrade(database_url)
    db = Database(database_url)
    async with db.session() as session:
        await import_corpus(CORPUS_DIR, session=session)
    return db


async def _schedule_all(db: Database, channels: list[Channel], clock: ManualClock) -> datetime:
    """Daily excerpts with a thread in every channel, due in a minute; returns when."""
    due = clock.now() + timedelta(minutes=1)
    async with db.session() as session:
        for channel in channels:
            await setup_schedule(
                channel.guild_id,
                channel_id=channel.id,
                minute_of_day=due.hour * 60 + due.minute,
                timezone="UTC",
                ping_role_id=None,
                thread=True,
                rotation=Rotation.ALTERNATE,
                by=1,
                now=clock.now(),
                session=session,
            )
    return due


def _excerpt_posts(emulator: Emulator, channel: Channel) -> list[Message]:
    return [
        m
        for m in emulator.channel_messages(channel)
        if m.embeds and m.embeds[0].get("footer", {}).get("text", "").startswith("Daily excerpt")
    ]


def _day(post: Message) -> str:
    """The day in a post's footer: "Daily excerpt · 2026-11-02 ..."."""
    return post.embeds[0]["footer"]["text"].split(" · ")[1]
