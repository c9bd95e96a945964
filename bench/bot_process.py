"""The bot as benchmarks run it: `python -m bot run` in its own process, on the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent


def spawn_bot(
    emulator: Emulator, url: str, folder: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start the bot on database `url` (and `extra` MOOT_ settings), logging warnings to
    `folder`/bot.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
    env |= emulator.bot_environment() | {
        "MOOT_DATABASE_URL": url,
        "MOOT_LOG_LEVEL": "WARNING",
        "MOOT_CORPUS_DIR": str(ROOT / "corpus"),
    }
    env |= extra or {}
    log = (folder / "bot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=log, stderr=log
    )
