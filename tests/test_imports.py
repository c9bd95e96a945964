"""What moot loads, each in a fresh interpreter: a production start carries neither the
offline sandbox nor the emulator it drives (nor aiohttp's web server, which only the
emulator serves with), and `python -m bot --help` answers without discord.py or SQLAlchemy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_environment

# Only tests, benchmarks and the sandbox may load these.
OFFLINE_PACKAGES = {"emulator", "sandbox"}
# What the command line loads only once a command runs.
HEAVY_PACKAGES = {"discord", "sqlalchemy", "sqlmodel", "alembic", "matplotlib", "aiohttp"}

# Every module under bot/ and cogs/ (a superset of what `python -m bot start` loads:
# bot.__main__, bot.runtime, the bot's extensions), then the extensions by the names the
# bot loads them under, in case one lives elsewhere.
IMPORT_PRODUCTION = """
import importlib, json, pkgutil, sys
import bot, cogs
for package in (bot, cogs):
    for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(found.name)
from bot.client import EXTENSIONS
for extension in EXTENSIONS:
    importlib.import_module(extension)
print(json.dumps(sorted(sys.modules)))
"""


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_a_production_start_loads_neither_the_sandbox_nor_the_emulator(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PRODUCTION],
        cwd=tmp_path,
        env=cli_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    # The imports did happen: the bot, its runtime and every extension are there.
    assert {"bot.__main__", "bot.runtime", "cogs.debate", "discord"} <= loaded
    assert top_level(loaded) & OFFLINE_PACKAGES == set()
    assert "aiohttp.web" not in loaded


@pytest.mark.parametrize("args", [["--help"], ["corpus", "search", "--help"]])
def test_help_loads_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    # -X importtime names every module the real `python -m bot` imports, on stderr.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        cwd=tmp_path,
        env=cli_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "usage:" in result.stdout
    loaded = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "bot" in loaded  # the names were read: the package itself is among them
    assert top_level(loaded) & (HEAVY_PACKAGES | OFFLINE_PACKAGES) == set()
