"""The round service's own cost per turn change, without Discord: CPU time (this process and
the database driver's thread) to end a turn and begin the next for N rounds, ticked in
batches of 1, 5 and 20 rounds as the timers do when rounds fall due together, plus writing
the announcements' message ids. Prints a table and writes bench/results/round_ticks.json.

    .venv/bin/python bench/round_ticks.py [--rounds 200] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import machine, write_results  # noqa: E402
from bench.rounds import BENCH_FORMAT, TURN_SECONDS, TURNS  # noqa: E402
from bench.search import bench_database, drop_postgres  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.formats import parse_format  # noqa: E402
from bot.services import rounds  # noqa: E402

NAME = "round_ticks"
BATCHES = (1, 5, 20)
START = datetime(2026, 1, 1, tzinfo=UTC)


async def measure(db: Database, formats: dict[str, Any], count: int, batch: int) -> float:
    """CPU milliseconds per turn change for `count` rounds ticked `batch` at a time."""
    fmt = next(iter(formats.values()))
    ids = []
    for number in range(count):
        async with db.session() as s:
            view = await rounds.create_round(
                1, 2, motion=f"Motion {number}", fmt=fmt, pace=1.0, by=9, now=START, session=s
            )
            await rounds.attach_thread(
                view.id, thread_id=1000 + number, lobby_message_id=None, session=s
            )
            await rounds.join(view.id, 11, "A", "realist", fmt=fmt, now=START, session=s)
            await rounds.join(view.id, 12, "B", "values", fmt=fmt, now=START, session=s)
        async with db.session() as s:
            await rounds.start(view.id, fmt=fmt, by=9, now=START, session=s)
        ids.append(view.id)
    now, spent, changes = START, 0.0, 0
    for _ in range(TURNS - 1):
        now += timedelta(seconds=TURN_SECONDS, milliseconds=10)
        for first in range(0, len(ids), batch):
            some = ids[first : first + batch]
            before = time.process_time()
            async with db.session() as s:
                ticked = await rounds.tick(some, formats=formats, now=now, session=s)
            sent = [(t.notices[-1], 1) for t in ticked.values() if t.notices]
            async with db.session() as s:
                await rounds.announced(sent, session=s)
            spent += time.process_time() - before
            changes += len(sent)
    assert changes == count * (TURNS - 1), changes
    return spent / changes * 1000


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    console = Console()
    per_change: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        (folder / "bench.toml").write_text(BENCH_FORMAT, encoding="utf-8")
        fmt = parse_format(folder / "bench.toml")
        for batch in BATCHES:
            made = await bench_database(args.database, folder / f"ticks-{batch}.db")
            if made is None:
                console.print("[red]no PostgreSQL reachable at MOOT_TEST_POSTGRES_URL[/]")
                return 1
            url, pg_name = made
            db = Database(url)
            try:
                per_change[str(batch)] = round(
                    await measure(db, {fmt.key: fmt}, args.rounds, batch), 3
                )
            finally:
                await db.close()
                if pg_name is not None:
                    await drop_postgres(pg_name)
    results = {
        "benchmark": NAME,
        "machine": machine(),
        "rounds": args.rounds,
        "database": args.database,
        "cpu_ms_per_turn_change_by_batch": per_change,
    }
    table = Table(title=f"CPU per turn change, {args.rounds} rounds, {args.database}")
    table.add_column("rounds per batch", justify="right")
    table.add_column("CPU ms per turn change", justify="right")
    for batch, cost in per_change.items():
        table.add_row(batch, f"{cost:.2f}")
    console.print(table)
    write_results(
        NAME if args.database == "sqlite" else f"{NAME}-{args.database}", results, console
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
