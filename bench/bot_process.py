"""The bot as benchmarks run it: `python -m bot run` in its own process, on the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot import migrate
from bot.db import Database
from bot.services.corpus_import import import_corpus
from emulator import Emulator

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
