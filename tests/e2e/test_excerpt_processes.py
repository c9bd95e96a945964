"""Two bot processes on one PostgreSQL database, both due to post in the same servers at
the same moment (as during a rolling deploy): every server gets its excerpt exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import migrate
from bot.db import Database
from bot.models import Rotation
from bot.services.corpus_import import import_corpus
from bot.services.excerpts import setup_schedule
from emulator import Emulator, World
from emulator.state import Channel
from tests.conftest import CORPUS_DIR
from tests.e2e.conftest import BotProcess, emulator_settings, wait_until_serving

SERVERS = 12


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_processes_never_double_post(
    emulator: Emulator, world: World, database_url: str, tmp_path: Path
) -> None:
    channels: list[Channel] = [world.debates]
    for number in range(SERVERS - 1):
        owner = emulator.add_user(f"owner{number}")
        guild = emulator.add_guild(f"Club {number}", owner)
        channels.append(emulator.add_channel(guild, "excerpts"))
    await migrate.upgrade(database_url)
    db = Database(database_url)
    async with db.session() as session:
        await import_corpus(CORPUS_DIR, session=session)
    settings = emulator_settings(emulator, database_url)
    fast = {"MOOT_SWEEP_SECONDS": "0.3"}
    first = BotProcess(emulator, settings, tmp_path / "first.log", extra=fast)
    second = BotProcess(emulator, settings, tmp_path / "second.log", extra=fast)
    try:
        first.start()
        second.start()
        await wait_until_serving(emulator, world)
        for _ in range(600):
            if emulator.identify_count >= 2:
                break
            await asyncio.sleep(0.05)
        assert emulator.identify_count >= 2, first.output() + "\n---\n" + second.output()
        await asyncio.sleep(0.5)  # both sweeping
        # Set up a few minutes ago for the minute that has just passed: due at once, so
        # both processes' sweeps race for every server's post.
        now = datetime.now(UTC)
        due = now - timedelta(minutes=1)
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
                    now=now - timedelta(minutes=3),
                    session=session,
                )
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            counts = [len(_excerpt_posts(emulator, c)) for c in channels]
            if all(counts) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # anything doubled would have arrived by now
        counts = [len(_excerpt_posts(emulator, c)) for c in channels]
        assert counts == [1] * SERVERS, (first.output()[-3000:], second.output()[-3000:])
        threads = [m for m in emulator.messages.values() if "Which side" in m.text()]
        assert len(threads) == SERVERS
    finally:
        await db.close()
        for runner in (first, second):
            if runner.process is not None and runner.process.poll() is None:
                runner.kill()


def _excerpt_posts(emulator: Emulator, channel: Channel) -> list[object]:
    return [
        m
        for m in emulator.channel_messages(channel)
        if m.embeds and m.embeds[0].get("footer", {}).get("text", "").startswith("Daily excerpt")
    ]
