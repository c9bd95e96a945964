"""2,000 servers whose daily excerpt is due in the same minute, under a global rate limit.

The bot runs in its own process against the emulator, whose global limit is 50 requests
per second, as Discord's is. Every server is set up (before the bot starts) to post at the
next whole minute at least --lead seconds away. Measured: that every server got exactly one
post, the time from the due instant to the last post against the rate-limit floor (servers
/ 50 s; the target is within 10% of it), and how many 429s the bot received. Prints a table
and writes bench/results/excerpts.json.

    .venv/bin/python bench/excerpts.py [--servers 2000] [--lead 15]
"""

from __future__ import annotations

import argparse
import asyncio
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
from bot import migrate  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.models import Rotation  # noqa: E402
from bot.services.corpus_import import import_corpus  # noqa: E402
from bot.services.excerpts import setup_schedule  # noqa: E402
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
    args = parser.parse_args()
    console = Console()
    emulator = await Emulator().start()
    limit = emulator.rate_limits.global_per_second
    channels: list[Channel] = []
    for number in range(args.servers):
        owner = emulator.add_user(f"owner{number}")
        guild = emulator.add_guild(f"Club {number}", owner)
        channels.append(emulator.add_channel(guild, "excerpts"))
    by_channel = {c.id: c for c in channels}
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        url = f"sqlite+aiosqlite:///{folder / 'moot.db'}"
        await migrate.upgrade(url)
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
        console.print(f"{args.servers} servers due at {due:%H:%M:%S} UTC; starting the bot")
        process = spawn_bot(emulator, url, folder)
        await asyncio.wait_for(emulator.identified.wait(), 120)
        # The due instant on the emulator's clock, which stamps every call it records.
        due_at = emulator.now() + (due - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        cpu_at_due = cpu_seconds(process.pid)
        deadline = time.monotonic() + 4 * args.servers / limit + 60
        while time.monotonic() < deadline:
            posted = {m.channel_id for m in emulator.messages.values() if m.embeds}
            if len(posted) >= args.servers:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(2.0)  # anything doubled or late arrives meanwhile
        cpu = cpu_seconds(process.pid) - cpu_at_due
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
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
    floor = args.servers / limit
    completion = accepted[-1] - due_at if accepted else float("nan")
    results: dict[str, Any] = {
        "benchmark": NAME,
        "machine": machine(),
        "servers": args.servers,
        "global_limit_per_second": limit,
        "servers_posted_once": sum(1 for c in channels if per_channel[c.id] == 1),
        "servers_posted_twice_or_more": sum(1 for c in channels if per_channel[c.id] > 1),
        "servers_missed": sum(1 for c in channels if per_channel[c.id] == 0),
        "first_post_after_due_s": round(accepted[0] - due_at, 3) if accepted else None,
        "completion_s": round(completion, 3),
        "rate_limit_floor_s": round(floor, 3),
        "over_floor_percent": round(100 * (completion - floor) / floor, 1),
        "target": "completion within 10% of the floor, every server exactly once",
        "target_met": completion <= 1.1 * floor and all(per_channel[c.id] == 1 for c in channels),
        "responses_429": len(limited),
        "bot_cpu_seconds_during_run": round(cpu, 2),
    }
    table = Table(title=f"daily excerpts: {args.servers} servers due at once, {limit} req/s")
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
        "bot_cpu_seconds_during_run",
    ):
        table.add_row(key.replace("_", " "), str(results[key]))
    console.print(table)
    write_results(NAME, results, console)
    ok = results["servers_posted_once"] == args.servers and results["over_floor_percent"] <= 10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
