"""/quote search and its autocomplete, end to end, on the 1,000x corpus.

For each database (SQLite, and PostgreSQL when reachable): builds the synthetic corpus of
bench/search.py, starts the bot in its own process (`python -m bot start`) against the
emulator, and times the round trip of `/quote search query:TERM` and of autocomplete on
`query` for the same query mix (rare, mid, frequent, common), from the member's
interaction to the bot's recorded answer. Prints a table and writes
bench/results/quotes.json.

    .venv/bin/python bench/quotes.py [--scale 1000] [--runs 200] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from bench.figures import machine, percentiles, write_results  # noqa: E402
from bench.search import build, drop_postgres, postgres_url, query_mix  # noqa: E402
from bot import migrate  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.db import Database  # noqa: E402
from emulator import Emulator, seed_world  # noqa: E402

NAME = "quotes"
TARGETS_MS = {"autocomplete": 15.0, "search": 25.0}


async def measure(url: str, mix: dict[str, list[str]], runs: int, folder: Path) -> dict[str, Any]:
    emulator = await Emulator().start()
    world = seed_world(emulator)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
    env |= emulator.bot_environment() | {
        "MOOT_DATABASE_URL": url,
        "MOOT_LOG_LEVEL": "WARNING",
    }
    log = await asyncio.to_thread((folder / "bot.log").open, "ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "start", cwd=ROOT, env=env, stdout=log, stderr=log
    )
    figures: dict[str, Any] = {"search": {}, "autocomplete": {}}
    try:
        await emulator.wait_until_serving(world.member("alice"), world.general, timeout=60)
        members = [world.member(n) for n in ("alice", "bob", "carol", "dave")]
        for label, terms in mix.items():
            searches, completions = [], []
            for index in range(runs + len(terms)):  # the first pass over the terms warms up
                term = terms[index % len(terms)]
                member = members[index % len(members)]
                started = time.perf_counter()
                answer = await emulator.slash(member, world.general, "quote search", query=term)
                took = time.perf_counter() - started
                assert answer.reply is not None and not answer.errors
                started = time.perf_counter()
                await emulator.autocomplete(member, world.general, "quote search", "query", term)
                completed = time.perf_counter() - started
                if index >= len(terms):
                    searches.append(took)
                    completions.append(completed)
            figures["search"][label] = percentiles(searches)
            figures["autocomplete"][label] = percentiles(completions)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        log.close()
        await emulator.stop()
    return figures


async def prepare(url: str, scale: int) -> dict[str, int]:
    await migrate.upgrade(url)
    db = Database(url)
    try:
        return await build(db, load_corpus(ROOT / "corpus"), scale)
    finally:
        await db.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    console = Console()
    mix = await query_mix(load_corpus(ROOT / "corpus"))
    results: dict[str, Any] = {
        "benchmark": NAME,
        "machine": machine(),
        "scale": args.scale,
        "runs_per_class": args.runs,
        "query_mix": mix,
        "targets": "SQLite: autocomplete p99 <= 15 ms, search p99 <= 25 ms",
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        for backend in args.backends.split(","):
            created = None
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{folder / 'quotes.db'}"
            else:
                created = await postgres_url()
                if created is None:
                    results["backends"][backend] = {"skipped": "not reachable"}
                    continue
                url = created[0]
            try:
                console.print(f"[bold]{backend}[/]: building {args.scale}x corpus ...")
                rows = await prepare(url, args.scale)
                figures = await measure(url, mix, args.runs, folder)
                results["backends"][backend] = {"rows": rows, **figures}
            finally:
                if created is not None:
                    await drop_postgres(created[1])
    sqlite = results["backends"].get("sqlite", {})
    if "search" in sqlite:
        results["target_met"] = {
            kind: {cls: sqlite[kind][cls]["p99_ms"] <= limit for cls in mix}
            for kind, limit in TARGETS_MS.items()
        }
    report(console, results)
    write_results(NAME, results, console)
    return 0


def report(console: Console, results: dict[str, Any]) -> None:
    for backend, figures in results["backends"].items():
        if "search" not in figures:
            continue
        table = Table(title=f"{backend}: /quote round trips, bot in its own process")
        for column in ("terms", "search p50", "search p99", "autocomplete p50", "autocomplete p99"):
            table.add_column(column, justify="right")
        for cls in figures["search"]:
            s, a = figures["search"][cls], figures["autocomplete"][cls]
            table.add_row(
                cls,
                f"{s['p50_ms']:.1f} ms",
                f"{s['p99_ms']:.1f} ms",
                f"{a['p50_ms']:.1f} ms",
                f"{a['p99_ms']:.1f} ms",
            )
        console.print(table)
    if "target_met" in results:
        console.print(f"targets ({results['targets']}): {results['target_met']}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
