"""E2E fixtures: the emulator, a seeded server, and the real bot connected to it.

The bot runs unmodified: in-process (`bot`), or as its own process (`bot_process`) for
kill, restart and signal tests. Both use a fresh SQLite database with the corpus imported.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot import migrate
from bot.client import MootBot
from bot.db import Database
from bot.runtime import stop
from bot.services.corpus_import import import_corpus
from bot.settings import Settings
from emulator import Emulator, ManualClock, World, seed_world
from emulator.timeline import Timeline
from tests.conftest import CORPUS_DIR, PROJECT_ROOT

# Where the test clock starts: a fixed instant, so no test depends on the day it runs.
CLOCK_START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(tmp_path: Path) -> ManualClock:
    """The one clock of a test: the bot's (in this process, and in a bot process through
    the file it mirrors to) and the emulator's. It stands still until the test moves it."""
    return ManualClock(CLOCK_START, mirror=tmp_path / "clock.json")


@pytest.fixture
async def emulator(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[Emulator]:
    """The emulated Discord, holding every request, answer and event to Discord's OpenAPI
    document (see emulator/contract.py). After every test nothing may have broken it, and
    every message payload the bot sent is held to moot's mention rule (see
    `mention_breaches`), unless the test made the calls itself (marked raw_calls)."""
    emu = await Emulator(clock=clock, check_contract=True).start()
    try:
        yield emu
        broken = sorted({str(v) for v in emu.violations})
        assert not broken, "broken against Discord's OpenAPI document:\n" + "\n".join(broken[:20])
        if request.node.get_closest_marker("raw_calls") is None:
            breaches = mention_breaches(emu)
            assert not breaches, "mentions the bot must never make:\n" + "\n".join(breaches[:10])
    finally:
        await emu.stop()


def message_payloads(emulator: Emulator) -> list[tuple[str, dict[str, Any]]]:
    """(method and path, message payload) of every REST call that posted or edited a
    message: channel messages, interaction answers (their data) and webhook follow-ups."""
    found = []
    for call in emulator.calls:
        body = call.body
        if not isinstance(body, dict):
            continue
        if call.path.endswith("/callback"):
            body = body.get("data")
            if not isinstance(body, dict):
                continue
        if "content" in body or "embeds" in body:
            found.append((f"{call.method} {call.path}", body))
    return found


def role_ping(content: str) -> int | None:
    """The role a message pings on purpose: one whose text is nothing but that role's
    mention (the daily excerpt's ping role, which a moderator chose)."""
    found = re.fullmatch(r"<@&(\d+)>", content.strip())
    return int(found[1]) if found else None


def mention_breaches(emulator: Emulator) -> list[str]:
    """Where the bot could have pinged more than it meant to. Text (corpus, motions,
    quotes, speeches, imported files) never pings @everyone, @here or a role; a member is
    pinged only by being named in allowed_mentions.users (a speaker whose turn it is, a
    member who signed up), and a role only by a message that is just its mention. So every
    payload with text carries allowed_mentions that parse nothing, and no stored bot
    message pinged everyone, or a role other than on purpose."""
    breaches = []
    for where, payload in message_payloads(emulator):
        content = payload.get("content")
        if not content:
            continue
        allowed = payload.get("allowed_mentions")
        if not isinstance(allowed, dict):
            breaches.append(f"{where}: text without allowed_mentions")
            continue
        parsed = set(allowed.get("parse") or []) & {"everyone", "roles", "users"}
        if parsed:
            breaches.append(f"{where}: allowed_mentions parses {sorted(parsed)}")
        roles = {int(r) for r in allowed.get("roles") or []}
        if roles and roles != {role_ping(content)}:
            breaches.append(f"{where}: allowed_mentions names roles {sorted(roles)}")
    bot_id = emulator.bot_user.id
    for message in emulator.messages.values():
        if int(message.data["author"]["id"]) != bot_id:
            continue
        if message.pinged_everyone:
            breaches.append(f"message {message.id} pinged everyone")
        if message.pinged_roles and message.pinged_roles != [role_ping(message.content)]:
            breaches.append(f"message {message.id} pinged roles {message.pinged_roles}")
    return breaches


@pytest.fixture
def world(emulator: Emulator) -> World:
    return seed_world(emulator)


@pytest.fixture
async def e2e_database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'moot.db'}"
    await migrate.upgrade(url)
    db = Database(url)
    async with db.session() as session:
        await import_corpus(CORPUS_DIR, session=session)
    await db.close()
    return url


def emulator_settings(emulator: Emulator, database_url: str) -> Settings:
    """Settings for a bot talking to `emulator`, ignoring any .env of the developer's."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        token=SecretStr(emulator.token),
        database_url=database_url,
        discord_api_url=emulator.api_url,
        discord_gateway_url=emulator.gateway_url,
        guild_ready_timeout=0.1,
        corpus_dir=CORPUS_DIR,
    )


@pytest.fixture
def timeline(clock: ManualClock, emulator: Emulator) -> Timeline:
    return Timeline(clock, emulator)


@pytest.fixture
def bot_settings(emulator: Emulator, e2e_database: str) -> Settings:
    return emulator_settings(emulator, e2e_database)


@pytest.fixture
async def bots(
    request: pytest.FixtureRequest, bot_settings: Settings, world: World, timeline: Timeline
) -> AsyncIterator[Bots]:
    """The real bot, in this process, started and stopped by the test (more than once if
    it likes). Marked reads_messages: with the Message Content intent."""
    settings = bot_settings
    if request.node.get_closest_marker("reads_messages") is not None:
        settings = settings.model_copy(update={"message_content": True})
    runner = Bots(settings, timeline)
    try:
        yield runner
    finally:
        await runner.stop()


@pytest.fixture
async def bot(
    request: pytest.FixtureRequest, bot_settings: Settings, world: World, timeline: Timeline
) -> AsyncIterator[MootBot]:
    """The real bot, in this process, on the test's clock. Marked reads_messages: with
    the Message Content intent (speeches from messages)."""
    settings = bot_settings
    if request.node.get_closest_marker("reads_messages") is not None:
        settings = settings.model_copy(update={"message_content": True})
    client, task = await timeline.start(settings)
    try:
        yield client
    finally:
        await stop(client, task)


@pytest.fixture
async def bot_on_each_database(
    emulator: Emulator, world: World, database_url: str, timeline: Timeline
) -> AsyncIterator[MootBot]:
    """The bot on SQLite and, as a second parameter, on PostgreSQL."""
    await migrate.upgrade(database_url)
    db = Database(database_url)
    async with db.session() as session:
        await import_corpus(CORPUS_DIR, session=session)
    await db.close()
    settings = emulator_settings(emulator, database_url)
    client, task = await timeline.start(settings)
    try:
        yield client
    finally:
        await stop(client, task)


@dataclass
class BotProcess:
    """The bot as its own process: `python -m bot run` with the emulator's addresses."""

    emulator: Emulator
    settings: Settings
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    # More MOOT_ settings for this process, e.g. a short sweep interval.
    extra: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
        return (
            env
            | self.emulator.bot_environment()
            | {
                "MOOT_DATABASE_URL": self.settings.database_url,
                "MOOT_CORPUS_DIR": str(self.settings.corpus_dir),
            }
            | self.extra
        )

    def start(self) -> None:
        """`python -m bot run` on the test's clock (through the file it mirrors to)."""
        log = self.log_path.open("ab")
        clock_file = self.log_path.parent / "clock.json"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator.clocked", str(clock_file), "run"],
            cwd=self.log_path.parent,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, 20)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def bot_process(
    emulator: Emulator, bot_settings: Settings, world: World, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    runner = BotProcess(emulator, bot_settings, tmp_path / "bot.log")
    try:
        yield runner
    finally:
        if runner.process is not None and runner.process.poll() is None:
            runner.kill()


async def wait_until_serving(emulator: Emulator, world: World, timeout: float = 30.0) -> None:
    await emulator.wait_until_serving(world.member("alice"), world.general, timeout=timeout)


__all__ = ["PROJECT_ROOT", "BotProcess", "wait_until_serving"]


async def eventually(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Wait until `condition()` is truthy and return its value; fail after `timeout` s
    (real seconds: only a broken bot takes that long, so it is generous)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := condition()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)
    return value


class Bots:
    """Start and stop the real bot (more than once in a test) on one database and clock."""

    def __init__(self, settings: Settings, timeline: Timeline) -> None:
        self.settings = settings
        self.timeline = timeline
        self.running: list[tuple[MootBot, asyncio.Task[None]]] = []

    async def start(self) -> MootBot:
        client, task = await self.timeline.start(self.settings)
        self.running.append((client, task))
        return client

    async def stop(self) -> None:
        while self.running:
            await stop(*self.running.pop())
