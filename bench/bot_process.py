"""The bot as benchmarks run it: `python -m bot run` in its own process, on the emulator."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from bot import migrate
from bot.db import Database
from bot.services.corpus_import import import_corpus
from emulator import Emulator, Interaction, Message
from emulator.state import Member

ROOT = Path(__file__).resolve().parent.parent


def spawn_bot(
    emulator: Emulator,
    url: str,
    folder: Path,
    extra: dict[str, str] | None = None,
    *,
    clock_file: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start the bot on database `url` (and `extra` MOOT_ settings), logging warnings to
    `folder`/bot.log; with `clock_file`, on the time written there (emulator.clocked)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
    env |= emulator.bot_environment() | {
        "MOOT_DATABASE_URL": url,
        "MOOT_LOG_LEVEL": "WARNING",
        "MOOT_CORPUS_DIR": str(ROOT / "corpus"),
    }
    env |= extra or {}
    log = (folder / "bot.log").open("ab")
    command = ["-m", "bot", "run"]
    if clock_file is not None:
        command = ["-m", "emulator.clocked", str(clock_file), "run"]
    return subprocess.Popen([sys.executable, *command], cwd=folder, env=env, stdout=log, stderr=log)


async def import_shipped_corpus(url: str) -> None:
    """Import corpus/ into the (migrated) database at `url`, as `make run` does."""
    db = Database(url)
    try:
        async with db.session() as session:
            await import_corpus(ROOT / "corpus", session=session)
    finally:
        await db.close()


async def bot_database(folder: Path) -> str:
    """A SQLite database in `folder`, migrated, with the shipped corpus: its URL."""
    url = f"sqlite+aiosqlite:///{folder / 'moot.db'}"
    await migrate.upgrade(url)
    await import_shipped_corpus(url)
    return url


def formats_with(folder: Path, name: str, text: str) -> Path:
    """A formats folder in `folder`: the shipped formats and one more, `name`.toml."""
    formats = folder / "formats"
    formats.mkdir()
    for path in (ROOT / "formats").glob("*.toml"):
        (formats / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (formats / f"{name}.toml").write_text(text, encoding="utf-8")
    return formats


async def run_baseline(emulator: Emulator, script: str, schedule: Path) -> float:
    """Run bench/`script` (a bare discord.py client) on `schedule` against the emulator:
    it says "ready" once connected, then is told to start one second later. Returns that
    start instant (wall clock) once the client has finished."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
    env |= emulator.bot_environment()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / script),
        str(schedule),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert line.strip() == b"ready", line
    start = time.time() + 1.0
    process.stdin.write(f"{start}\n".encode())
    await process.stdin.drain()
    await asyncio.wait_for(process.wait(), 120)
    return start


def show_problems(console: Console, folder: Path) -> None:
    """Print the last warnings and errors the bot logged in `folder`/bot.log, if any."""
    problems = [
        line
        for line in (folder / "bot.log").read_text(errors="replace").splitlines()
        if " WARNING " in line or " ERROR " in line
    ]
    if problems:
        console.print(f"[yellow]the bot logged {len(problems)} warnings or errors, last:[/]")
        for line in problems[-5:]:
            console.print(line, markup=False, highlight=False)


async def start_bench_bot(
    emulator: Emulator, database: str, folder: Path, format_text: str
) -> tuple[str, str | None, subprocess.Popen[bytes]] | None:
    """The bot for a rounds bench, in `folder`: a migrated database (`database`: sqlite or
    postgresql) with the shipped corpus, the shipped formats plus `format_text` as
    "bench", and the bot's own global limit lifted as the emulator's is. Returns (URL,
    PostgreSQL database to drop after or None, the bot's process); None when PostgreSQL
    was asked for and is not reachable."""
    from bench.search import bench_database

    formats = formats_with(folder, "bench", format_text)
    made = await bench_database(database, folder / "moot.db")
    if made is None:
        return None
    url, pg_name = made
    await import_shipped_corpus(url)
    extra = {"MOOT_FORMATS_DIR": str(formats), "MOOT_POST_RATE": "10000"}
    return url, pg_name, spawn_bot(emulator, url, folder, extra)


async def press_start_spread(
    emulator: Emulator, moderator: Member, lobbies: list[Message], over: float
) -> list[Interaction]:
    """Press Start on every lobby, the presses spread evenly over `over` seconds (so the
    rounds' turns fall due spread out, as real rounds' would)."""
    started = time.monotonic()
    spacing = over / max(1, len(lobbies))
    presses = []
    for index, lobby in enumerate(lobbies):
        press = emulator.click(moderator, emulator.messages[lobby.id], "Start", timeout=60)
        presses.append(asyncio.create_task(press))
        await asyncio.sleep(max(0.0, started + spacing * index - time.monotonic()))
    return list(await asyncio.gather(*presses))
