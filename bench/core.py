"""Bot start-up and interaction round trip, with the bot in its own process.

Start-up: from spawning `python -m bot run` (migrations already applied, corpus already
imported) to the gateway IDENTIFY, and to the first /help answered. Round trip: /help sent
by a member through the emulator until the bot's reply is recorded, p50/p99. Prints a table
and writes bench/results/core.json.

    .venv/bin/python bench/core.py [--starts 5] [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot_process import bot_database, spawn_bot  # noqa: E402
from bench.figures import machine, percentiles, write_results  # noqa: E402
from emulator import Emulator, seed_world  # noqa: E402

NAME = "core"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    console = Console()
    identify, serving, round_trips = [], [], []
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        url = await bot_database(folder)
        # One emulator for every start, as Discord keeps the commands a start registered.
        emulator = await Emulator().start()
        world = seed_world(emulator)
        for start in range(args.starts):
            emulator.identified.clear()
            began = time.perf_counter()
            process = spawn_bot(emulator, url, folder)
            await asyncio.wait_for(emulator.identified.wait(), 60)
            identify.append(time.perf_counter() - began)
            await emulator.wait_until_serving(world.member("alice"), world.general, timeout=60)
            serving.append(time.perf_counter() - began)
            if start == 0:
                members = [world.member(n) for n in ("alice", "bob", "carol", "dave")]
                for i in range(args.requests):
                    sent = time.perf_counter()
                    await emulator.slash(members[i % 4], world.general, "help")
                    round_trips.append(time.perf_counter() - sent)
            process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(process.wait, 30)
        await emulator.stop()
    results: dict[str, Any] = {
        "benchmark": "core",
        "machine": machine(),
        "start_to_identify": percentiles(identify),
        "start_to_first_answer": percentiles(serving),
        "help_round_trip": percentiles(round_trips),
        "starts": args.starts,
        "requests": args.requests,
    }
    table = Table(title="moot core (bot in its own process, emulator on loopback)")
    for column in ("measure", "p50", "p99", "n"):
        table.add_column(column, justify="right")
    for label in ("start_to_identify", "start_to_first_answer", "help_round_trip"):
        figures = results[label]
        table.add_row(
            label.replace("_", " "),
            f"{figures['p50_ms']:.1f} ms",
            f"{figures['p99_ms']:.1f} ms",
            str(figures["n"]),
        )
    console.print(table)
    write_results(NAME, results, console)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
