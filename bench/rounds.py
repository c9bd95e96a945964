"""Many concurrent rounds in one bot process, with 2-second turns: how late is each turn?

The bot runs in its own process against the emulator. The bench opens --rounds rounds
through the emulator as members would (/debate start, two joins), then presses Start on
all of them within one turn's length, so transitions are spread as real rounds' would be.
The format is six 2-second turns. Measured for every turn change: when the next turn's
announcement reached the emulator minus the previous turn's deadline (from the database);
p50/p99/max, the bot's CPU time and peak RSS. The emulator's global rate limit is lifted
for this bench: hundreds of announcements a second are beyond one bot's Discord quota,
and what is measured here is the bot's own timing.

The baseline, in the same run: a bare discord.py client in its own process
(bench/bare_client.py) sends one announcement into each of the same threads at the same
instants, with nothing else to do; its lateness, measured the same way, is what this
machine and the emulator cost today. The target is a ratio to it. Prints a table and
writes bench/results/rounds.json.

    .venv/bin/python bench/rounds.py [--rounds 500]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from bench.bot_process import (  # noqa: E402
    press_start_spread,
    run_baseline,
    show_problems,
    start_bench_bot,
)
from bench.figures import machine, percentiles, show_and_write  # noqa: E402
from bench.search import drop_postgres  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.models import Round, Turn  # noqa: E402
from emulator import Emulator, seed_world  # noqa: E402

NAME = "rounds"
# moot does a round's work (the database, the next turn's alarm) before each announcement;
# the bare client only sends. Within this factor of it, that work is not what makes turns late.
TARGET_RATIO = 3
TURNS = 6
TURN_SECONDS = 2
BENCH_FORMAT = "\n".join(
    [
        'name = "Bench"',
        "speakers_per_side = 1",
        'decision = "audience"',
        "voting_seconds = 2",
    ]
    + [
        f'[[turn]]\nkind = "speech"\nside = "{"realist" if i % 2 == 0 else "values"}"\n'
        f'role = "Turn {i + 1}"\nseconds = {TURN_SECONDS}'
        for i in range(TURNS)
    ]
)


async def bare_client_lateness(
    emulator: Emulator, dues: list[tuple[int, float]], folder: Path
) -> list[float]:
    """Run bench/bare_client.py on the schedule of `dues` (thread, due instant), shifted
    to start now, and return each announcement's lateness (seconds) as the emulator saw
    it arrive."""
    first = min(due for _, due in dues)
    schedule = [(thread, due - first, f"base{n}") for n, (thread, due) in enumerate(dues)]
    (folder / "schedule.json").write_text(json.dumps(schedule))
    start = await run_baseline(emulator, "bare_client.py", folder / "schedule.json")
    offset = time.time() - emulator.now()
    due = {nonce: start + after for _, after, nonce in schedule}
    arrived: dict[str, float] = {}
    for call in emulator.calls:
        body = call.body if isinstance(call.body, dict) else {}
        nonce = str(body.get("nonce") or "")
        if call.status == 200 and nonce in due:
            arrived.setdefault(nonce, call.at + offset)
    assert len(arrived) == len(schedule), f"{len(arrived)} of {len(schedule)} arrived"
    return [arrived[nonce] - due[nonce] for nonce in arrived]


def proc_figures(pid: int) -> tuple[float, int]:
    """(CPU seconds, peak RSS in KiB) of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
    return cpu, peak


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--log", type=Path, help="keep a copy of the bot's log here")
    args = parser.parse_args()
    console = Console()
    emulator = await Emulator().start()
    emulator.rate_limits.global_per_second = 1_000_000
    emulator.rate_limits.per_route = 1_000_000
    world = seed_world(emulator)
    mod, alice, bob = (world.member(n) for n in ("mod", "alice", "bob"))
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        started_bot = await start_bench_bot(emulator, args.database, folder, BENCH_FORMAT)
        if started_bot is None:
            console.print("[red]no PostgreSQL reachable at MOOT_TEST_POSTGRES_URL[/]")
            return 1
        url, pg_name, process = started_bot
        try:
            await emulator.wait_until_serving(alice, world.general, timeout=60)
            console.print(f"opening {args.rounds} rounds")
            lobbies = []
            for number in range(args.rounds):
                opened = await emulator.slash(
                    mod,
                    world.debates,
                    "debate start",
                    motion=f"Motion {number}",
                    format="bench",
                    timeout=30,
                )
                found = re.search(r"<#(\d+)>", opened.reply.content)  # type: ignore[union-attr]
                assert found, opened.reply.content  # type: ignore[union-attr]
                thread_id = int(found[1])
                thread = world.guild.channels[thread_id]
                lobby = next(m for m in emulator.channel_messages(thread) if m.buttons())
                await emulator.click(alice, lobby, "Join Realist")
                await emulator.click(bob, emulator.messages[lobby.id], "Join Values")
                lobbies.append(lobby)
            console.print(f"starting {args.rounds} rounds")
            # The emulator stands in for Discord and keeps every message and request: its
            # full garbage collections, walking all of them, would stall the harness
            # mid-run and be measured as the bot's lateness. Freeze what exists so far.
            gc.freeze()
            cpu_before, _ = proc_figures(process.pid)
            started = time.monotonic()
            answered = await press_start_spread(emulator, mod, lobbies, TURN_SECONDS)
            refused = [i.errors[0] for i in answered if i.errors]
            # Every round: six turns, then the vote (2 s), then its result.
            deadline = time.monotonic() + TURNS * TURN_SECONDS + 60
            while time.monotonic() < deadline:
                results = sum(
                    1
                    for m in emulator.messages.values()
                    if m.embeds and (m.embeds[0].get("title") or "").startswith("Result:")
                )
                if results >= args.rounds:
                    break
                await asyncio.sleep(0.5)
            cpu_after, peak_kib = proc_figures(process.pid)
            elapsed = time.monotonic() - started
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(process.wait, 60)
        # When each announcement reached the emulator, on the wall clock.
        offset = time.time() - emulator.now()
        arrived: dict[int, float] = {}
        for call in emulator.calls:
            body = call.body or {}
            nonce = str(body.get("nonce") or "") if isinstance(body, dict) else ""
            if call.status == 200 and nonce.startswith("turn"):
                arrived.setdefault(int(nonce[4:]), call.at + offset)
        if args.log is not None:
            shutil.copy(folder / "bot.log", args.log)
        show_problems(console, folder)
        db = Database(url)
        async with db.session() as session:
            rows = [
                (t.id, t.round_id, t.position, t.ends_at, t.end_reason)
                for t in (await session.exec(select(Turn))).all()
            ]
            threads = {r.id: r.thread_id for r in (await session.exec(select(Round))).all()}
        await db.close()
        if pg_name is not None:
            await drop_postgres(pg_name)
        by_round: dict[int, list[Any]] = {}
        for row in sorted(rows, key=lambda r: (r[1], r[2])):
            by_round.setdefault(row[1], []).append(row)
        lateness = []
        by_position: dict[int, list[float]] = {}
        dues: list[tuple[int, float]] = []  # (thread, due) of every measured transition
        for round_id, turns in by_round.items():
            for previous, current in itertools.pairwise(turns):
                if previous[4] != "time" or current[0] not in arrived or previous[3] is None:
                    continue
                due = previous[3].timestamp()
                lateness.append(arrived[current[0]] - due)
                by_position.setdefault(current[2], []).append(arrived[current[0]] - due)
                dues.append((threads[round_id], due))
        console.print(f"baseline: a bare discord.py client sending {len(dues)} announcements")
        baseline = await bare_client_lateness(emulator, dues, folder)
    await emulator.stop()
    figures = percentiles(lateness)
    base = percentiles(baseline)
    ratio = round(figures["p99_ms"] / base["p99_ms"], 2) if base["p99_ms"] > 0 else None
    results: dict[str, Any] = {
        "benchmark": NAME,
        "machine": machine(),
        "rounds": args.rounds,
        "database": args.database,
        "turn_seconds": TURN_SECONDS,
        "turns_per_round": TURNS,
        "transitions_measured": len(lateness),
        "start_presses_refused": len(refused),
        "lateness_p50_ms": figures["p50_ms"],
        "lateness_p99_ms": figures["p99_ms"],
        "lateness_max_ms": round(max(lateness) * 1000, 1) if lateness else None,
        "baseline_lateness_p50_ms": base["p50_ms"],
        "baseline_lateness_p99_ms": base["p99_ms"],
        "p99_ratio_to_baseline": ratio,
        "target": f"p99 lateness <= {TARGET_RATIO}x the bare client's p99",
        "target_met": ratio is not None
        and ratio <= TARGET_RATIO
        and len(lateness) == args.rounds * (TURNS - 1),
        "lateness_p99_ms_by_turn": {
            str(position): percentiles(values)["p99_ms"]
            for position, values in sorted(by_position.items())
        },
        "bot_cpu_seconds": round(cpu_after - cpu_before, 2),
        "wall_seconds": round(elapsed, 2),
        "bot_peak_rss_mib": round(peak_kib / 1024, 1),
    }
    show_and_write(
        console,
        f"{args.rounds} concurrent rounds, {TURN_SECONDS}-second turns",
        results,
        NAME if args.database == "sqlite" else f"{NAME}-{args.database}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
