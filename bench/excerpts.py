"""2,000 servers whose daily excerpt is due in the same minute, under a global rate limit.

The bot runs in its own process against the emulator, whose global limit is 50 requests
a second for the bot's token, as Discord's is, whatever process sends them. Every server
is set up (before the bot starts) to post at the next whole minute at least --lead seconds
away. Measured: that every server got exactly one post, the time from the due instant to
the last post against the rate-limit floor (servers / 50 s; the target is within 10% of
it), and how many 429s the bot received (global ones apart: the target is none). Prints a
table and writes bench/results/excerpts.json.

With --processes N the bot runs as N processes on one database (PostgreSQL with
--database postgresql), the shards split between them (MOOT_SHARD_COUNT=N, one shard
each) and the servers spread evenly over the shards: the deployment shares the token's
global limit, so the floor is the same; results go to bench/results/excerpts_processes.json.

    .venv/bin/python bench/excerpts.py [--servers 2000] [--lead 15]
    .venv/bin/python bench/excerpts.py --processes 4 --servers 8000 --database postgresql \
        --lead 150
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot_process import spawn_bot  # noqa: E402
from bench.figures import machine, write_results  # noqa: E402
from bench.search import bench_database, drop_postgres  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.domain import Rotation  # noqa: E402
from bot.services.corpus_import import import_corpus  # noqa: E402
from bot.services.excerpts import setup_schedule  # noqa: E402
from bot.settings import Settings  # noqa: E402
from emulator import Emulator  # noqa: E402
from emulator.state import Channel  # noqa: E402

NAME = "excerpts"
POSTS = "/api/v10/channels/"


def due_minute(lead: float) -> datetime:
    """The first whole minute at least `lead` seconds from now."""
    soon = datetime.now(UTC) + timedelta(seconds=lead)
    return (soon + timedelta(minutes=1)).replace(second=0, microsecond=0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--lead", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--post-rate", type=float, default=None, help="MOOT_POST_RATE (default: the bot's)"
    )
    args = parser.parse_args()
    console = Console()
    emulator = await Emulator().start()
    limit = emulator.rate_limits.global_per_second
    shards = args.processes
    channels: list[Channel] = []
    per_shard = Counter[int]()
    owner = emulator.add_user("owner")
    while len(channels) < args.servers:
        guild = emulator.add_guild(f"Club {len(channels)}", owner)
        shard = (guild.id >> 22) % shards
        if per_shard[shard] >= -(-args.servers // shards):
            del emulator.guilds[guild.id]  # Discord's shards hold about as many servers
            continue
        per_shard[shard] += 1
        channels.append(emulator.add_channel(guild, "excerpts"))
    by_channel = {c.id: c for c in channels}
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        made = await bench_database(args.database, folder / "moot.db")
        if made is None:
            console.print("PostgreSQL is not reachable (MOOT_TEST_POSTGRES_URL): skipped")
            return 0
        url, pg_name = made
        db = Database(url)
        due = due_minute(args.lead)
        async with db.session() as session:
            await import_corpus(ROOT / "corpus", session=session)
            for channel in channels:
                await setup_schedule(
                    channel.guild_id,
                    channel_id=channel.id,
                    minute_of_day=due.hour * 60 + due.minute,
                    timezone="UTC",
                    ping_role_id=None,
                    thread=False,
                    rotation=Rotation.ALTERNATE,
                    by=1,
                    now=datetime.now(UTC),
                    session=session,
                )
        await db.close()
        console.print(
            f"{args.servers} servers due at {due:%H:%M:%S} UTC; starting {shards} bot process(es)"
        )
        # The world is built: keep the collector from walking it in the middle of the
        # minute (Discord's edge does not pause; the emulator standing in for it must not).
        gc.collect()
        gc.freeze()
        processes = [
            spawn_bot(
                emulator,
                url,
                folder,
                (
                    {"MOOT_SHARD_COUNT": str(shards), "MOOT_SHARD_IDS": str(shard)}
                    if shards > 1
                    else {}
                )
                | ({"MOOT_POST_RATE": str(args.post_rate)} if args.post_rate else {}),
            )
            for shard in range(shards)
        ]
        while True:  # every process identified
            emulator.identified.clear()
            if emulator.identify_count >= shards:
                break
            await asyncio.wait_for(emulator.identified.wait(), 120)
        # The due instant on the emulator's clock, which stamps every call it records.
        due_at = emulator.now() + (due - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        cpu_at_due = sum(cpu_seconds(p.pid) for p in processes)
        deadline = time.monotonic() + 4 * args.servers / limit + 60
        while time.monotonic() < deadline:
            # A count, not a pass over every message: the emulator shares this event
            # loop, and a stall of its own would bunch the requests it measures.
            if len(emulator.messages) >= args.servers:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(2.0)  # anything doubled or late arrives meanwhile
        cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_at_due
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            await asyncio.to_thread(process.wait, 30)
        if pg_name is not None:
            await drop_postgres(pg_name)
    await emulator.stop()

    per_channel = Counter(
        m.channel_id for m in emulator.messages.values() if m.embeds and m.channel_id in by_channel
    )
    sent = [
        c
        for c in emulator.calls
        if c.method == "POST" and c.path.startswith(POSTS) and c.path.endswith("/messages")
    ]
    accepted = sorted(c.at for c in sent if c.status == 200)
    limited = [c for c in sent if c.status == 429]
    global_limited = [c for c in emulator.calls if c.status == 429 and c.global_limit]
    floor = args.servers / limit
    completion = accepted[-1] - due_at if accepted else float("nan")
    results: dict[str, Any] = {
        "benchmark": NAME if shards == 1 else f"{NAME}_processes",
        "machine": machine(),
        "command": " ".join(["python bench/excerpts.py", *sys.argv[1:]]),
        "servers": args.servers,
        "processes": shards,
        "post_rate": args.post_rate or Settings().post_rate,
        "database": args.database,
        "global_limit_per_second": limit,
        "servers_posted_once": sum(1 for c in channels if per_channel[c.id] == 1),
        "servers_posted_twice_or_more": sum(1 for c in channels if per_channel[c.id] > 1),
        "servers_missed": sum(1 for c in channels if per_channel[c.id] == 0),
        "first_post_after_due_s": round(accepted[0] - due_at, 3) if accepted else None,
        "completion_s": round(completion, 3),
        "rate_limit_floor_s": round(floor, 3),
        "over_floor_percent": round(100 * (completion - floor) / floor, 1),
        "target": "completion within 10% of the floor, every server exactly once, no global 429",
        "target_met": completion <= 1.1 * floor
        and all(per_channel[c.id] == 1 for c in channels)
        and not global_limited,
        "responses_429": len(limited),
        "global_429s": len(global_limited),
        "bot_cpu_seconds_during_run": round(cpu, 2),
    }
    table = Table(
        title=f"daily excerpts: {args.servers} servers due at once, {shards} process(es), "
        f"{limit} req/s for the token"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "servers_posted_once",
        "servers_posted_twice_or_more",
        "servers_missed",
        "first_post_after_due_s",
        "completion_s",
        "rate_limit_floor_s",
        "over_floor_percent",
        "responses_429",
        "global_429s",
        "bot_cpu_seconds_during_run",
    ):
        table.add_row(key.replace("_", " "), str(results[key]))
    console.print(table)
    write_results(results["benchmark"], results, console)
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
