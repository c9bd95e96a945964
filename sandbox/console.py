"""The offline sandbox's console: the emulator, the real bot on a throwaway database, and
lines played as the members, from a script or typed (see sandbox/lines.py for the lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape

from bot import migrate
from bot.db import Database
from bot.runtime import stop
from bot.services.corpus_import import import_corpus
from bot.settings import Settings
from emulator import CommandUnavailable, Emulator, ManualClock, seed_world
from emulator.timeline import Timeline
from sandbox.feed import Feed
from sandbox.lines import Sandbox, ScriptError
from sandbox.render import Renderer

# How often the console's clock catches up with real time.
TICK_SECONDS = 0.25


@contextlib.asynccontextmanager
async def open_sandbox(settings: Settings, console: Console) -> AsyncIterator[Sandbox]:
    """The emulator with a seeded server and the real bot connected to it, on a database
    that is thrown away on leaving; what moot posts is printed on `console`."""
    # Whole seconds: timestamps the bot shows then read like a person's clock.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    emulator = await Emulator(clock=clock).start()
    timeline = Timeline(clock, emulator)
    world = seed_world(emulator)
    # Where rounds can hold the floor: a Stage and a voice channel.
    emulator.add_channel(world.guild, "stage", kind=13)
    emulator.add_channel(world.guild, "lounge", kind=2)
    renderer = Renderer(emulator, world, clock)
    Feed(emulator, renderer, console).watch()
    try:
        with tempfile.TemporaryDirectory(prefix="moot-sandbox-") as folder:
            url = f"sqlite+aiosqlite:///{folder}/sandbox.db"
            await migrate.upgrade(url)
            db = Database(url)
            async with db.session() as session:
                await import_corpus(settings.corpus_dir, session=session)
            await db.close()
            sandbox_settings = settings.model_copy(
                update={
                    "token": SecretStr(emulator.token),
                    "database_url": url,
                    "discord_api_url": emulator.api_url,
                    "discord_gateway_url": emulator.gateway_url,
                    "dev_guild_id": None,
                    "shard_count": None,
                    "shard_ids": None,
                    "guild_ready_timeout": 0.1,
                }
            )
            bot, task = await timeline.start(sandbox_settings)
            try:
                yield Sandbox(
                    emulator, world, console, timeline, renderer, channel_id=world.general.id
                )
            finally:
                await stop(bot, task)
    finally:
        await emulator.stop()


async def run_sandbox(settings: Settings, *, script: Path | None, console: Console) -> int:
    """Start the emulator and the bot on a throwaway database; play lines; return 0 if all
    ran. Typed at the console, a member's mistake is answered and the session goes on; in
    a script, a line that fails makes the return 1."""
    if settings.log_level_number > logging.DEBUG:
        # The transcript is the output; library chatter would bury it.
        for name in ("discord", "apscheduler", "moot", "emulator"):
            logging.getLogger(name).setLevel(logging.WARNING)
    async with open_sandbox(settings, console) as sandbox:
        console.print(
            f"[bold]moot sandbox[/]: server “{sandbox.world.guild.name}”, channels #general, "
            "#debates, the Stage #stage and the voice channel #lounge; "
            f"members {', '.join(sandbox.world.members)}. "
            "Type `help` for the line format."
        )
        if script is None:
            await _interactive(sandbox)
            return 0
        sandbox.script_folder = (await asyncio.to_thread(script.resolve)).parent
        lines = (await asyncio.to_thread(script.read_text, encoding="utf-8")).splitlines()
        for number, line in enumerate(lines, 1):
            try:
                if not await sandbox.run_line(line):
                    break
            except ScriptError as exc:
                sandbox.failures.append(f"line {number}: {exc}")
                console.print(f"[red]✗ line {number}: {escape(str(exc))}[/]")
    if sandbox.failures:
        console.print(f"[red]{len(sandbox.failures)} line(s) failed.[/]")
        return 1
    return 0


async def _interactive(sandbox: Sandbox) -> None:
    loop = asyncio.get_running_loop()
    running_line = asyncio.Lock()
    ticker = asyncio.create_task(_follow_real_time(sandbox, running_line), name="sandbox-clock")
    try:
        while True:
            try:
                line = await loop.run_in_executor(None, input, sandbox.prompt())
            except (EOFError, KeyboardInterrupt):
                return
            async with running_line:
                try:
                    if not await sandbox.run_line(line):
                        return
                except (ScriptError, CommandUnavailable) as exc:
                    sandbox.console.print(f"[red]{escape(str(exc))}[/]")
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def _follow_real_time(sandbox: Sandbox, running_line: asyncio.Lock) -> None:
    """At the console the clock runs with real time, so turns end by themselves: every
    tick it moves on by the real time since the last move (what the bot posts meanwhile
    is shown by the feed). A line that runs holds it (a `wait` moves the clock itself),
    and the time the line took is not counted again."""
    last = time.monotonic()
    while True:
        await asyncio.sleep(TICK_SECONDS)
        if running_line.locked():
            last = time.monotonic()
            continue
        now = time.monotonic()
        sandbox.timeline.clock.advance(now - last)
        last = now
