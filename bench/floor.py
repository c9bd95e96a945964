"""Many rounds on Stages in one bot process, with 2-second turns: how soon after a turn's
deadline is the next speaker brought up to speak?

The bot runs in its own process against the emulator. The bench gives each of --rounds
rounds a Stage of its own with its two debaters in the audience, opens the rounds through
the emulator as members would (/debate start venue:, two joins), then presses Start on
all of them within one turn's length, so transitions are spread as real rounds' would be.
The format is six 2-second turns. Measured for every turn change that came by the clock:
when the emulator took moot's Modify User Voice State that brings the next speaker up
(and sent its VOICE_STATE_UPDATE) minus the previous turn's deadline (from the
database); p50/p99/max, the bot's CPU time and peak RSS. The emulator's rate limits are
lifted, as in bench/rounds.py: what is measured is the bot's own timing.

The baseline, in the same run: a bare discord.py client in its own process
(bench/bare_voice_client.py) makes the same changes (the next speaker up, the previous one
down) at the same instants, with nothing else to do. The target: p99 at most 100 ms.
Prints a table and writes bench/results/floor.json.

    .venv/bin/python bench/floor.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import re
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
from bench.rounds import BENCH_FORMAT, TURN_SECONDS, TURNS, proc_figures  # noqa: E402
from bench.search import drop_postgres  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.models import Round, RoundVenue, Turn  # noqa: E402
from emulator import Emulator, seed_world  # noqa: E402

NAME = "floor"
TARGET_P99_MS = 100
# What moot needs on a Stage: Manage Channels, Mute Members, Move Members.
STAGE_MODERATOR = (1 << 4) | (1 << 22) | (1 << 24)
VOICE_STATE = re.compile(r"/guilds/(\d+)/voice-states/(\d+)$")


def unsuppressions(emulator: Emulator, offset: float, since: float = 0.0) -> dict[int, list[float]]:
    """By member: when each accepted change that brought them up to speak reached the
    emulator (wall clock), in order."""
    found: dict[int, list[float]] = {}
    for call in emulator.calls:
        matched = VOICE_STATE.search(call.path)
        body = call.body if isinstance(call.body, dict) else {}
        if call.method != "PATCH" or call.status != 204 or matched is None:
            continue
        if body.get("suppress") is False and call.at + offset >= since:
            found.setdefault(int(matched[2]), []).append(call.at + offset)
    return found


def first_after(times: list[float], instant: float) -> float | None:
    return next((t for t in times if t >= instant), None)


async def bare_client_lateness(
    emulator: Emulator, changes: list[tuple[int, int, int, int, float]], folder: Path
) -> list[float]:
    """Run bench/bare_voice_client.py on the schedule of `changes` (guild, next speaker,
    previous speaker, Stage, due instant), shifted to start now: each change brings the
    next speaker up and the previous one down. Returns the lateness (seconds) of each
    bringing-up, as the emulator saw it arrive."""
    first = min(due for *_, due in changes)
    schedule: list[list[Any]] = []
    for guild, up, down, stage, due in changes:
        schedule.append([guild, up, stage, due - first, False])
        schedule.append([guild, down, stage, due - first, True])
    (folder / "voice-schedule.json").write_text(json.dumps(schedule))
    start = await run_baseline(emulator, "bare_voice_client.py", folder / "voice-schedule.json")
    offset = time.time() - emulator.now()
    arrived = unsuppressions(emulator, offset, since=start - 0.001)
    lateness = []
    for user, entries in itertools.groupby(
        sorted((c[1], start + c[4] - first) for c in changes), key=lambda e: e[0]
    ):
        times = arrived.get(user, [])
        dues = [due for _, due in entries]
        assert len(times) >= len(dues), f"member {user}: {len(times)} of {len(dues)} arrived"
        lateness += [at - due for at, due in zip(times, dues, strict=False)]
    return lateness


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    console = Console()
    emulator = await Emulator().start()
    emulator.rate_limits.global_per_second = 1_000_000
    emulator.rate_limits.per_route = 1_000_000
    world = seed_world(emulator)
    guild = world.guild
    mod = world.member("mod")
    [bot_role] = guild.members[emulator.bot_user.id].roles
    pairs = []
    for number in range(args.rounds):
        stage = emulator.add_channel(
            guild, f"stage-{number}", kind=13, overwrites={bot_role: (STAGE_MODERATOR, 0)}
        )
        realist = emulator.add_member(guild, emulator.add_user(f"r{number}"))
        values = emulator.add_member(guild, emulator.add_user(f"v{number}"))
        await emulator.join_voice(realist, stage)
        await emulator.join_voice(values, stage)
        pairs.append((stage, realist, values))
    with tempfile.TemporaryDirectory(prefix="moot-bench-") as name:
        folder = Path(name)
        started_bot = await start_bench_bot(emulator, args.database, folder, BENCH_FORMAT)
        if started_bot is None:
            console.print("[red]no PostgreSQL reachable at MOOT_TEST_POSTGRES_URL[/]")
            return 1
        url, pg_name, process = started_bot
        try:
            await emulator.wait_until_serving(world.member("alice"), world.general, timeout=60)
            console.print(f"opening {args.rounds} rounds on {args.rounds} Stages")
            lobbies = []
            for number, (stage, realist, values) in enumerate(pairs):
                opened = await emulator.slash(
                    mod,
                    world.debates,
                    "debate start",
                    motion=f"Motion {number}",
                    format="bench",
                    venue=stage,
                    timeout=30,
                )
                text = opened.reply.content  # type: ignore[union-attr]
                found = re.search(r"<#(\d+)>", text)
                assert found and "text round" not in text, text
                thread = guild.channels[int(found[1])]
                lobby = next(m for m in emulator.channel_messages(thread) if m.buttons())
                await emulator.click(realist, lobby, "Join Realist")
                await emulator.click(values, emulator.messages[lobby.id], "Join Values")
                lobbies.append(lobby)
            console.print(f"starting {args.rounds} rounds")
            gc.freeze()  # see bench/rounds.py: the emulator's own collections are not moot's
            cpu_before, _ = proc_figures(process.pid)
            started = time.monotonic()
            await press_start_spread(emulator, mod, lobbies, TURN_SECONDS)
            deadline = time.monotonic() + TURNS * TURN_SECONDS + 60
            while time.monotonic() < deadline:
                closed = sum(1 for s, _, _ in pairs if emulator.stage_instance(s) is None)
                results = sum(
                    1
                    for m in emulator.messages.values()
                    if m.embeds and (m.embeds[0].get("title") or "").startswith("Result:")
                )
                if results >= args.rounds and closed == args.rounds:
                    break
                await asyncio.sleep(0.5)
            cpu_after, peak_kib = proc_figures(process.pid)
            elapsed = time.monotonic() - started
            # Every debater back in the audience, where their round found them.
            left_speaking = sum(
                1
                for _, realist, values in pairs
                for member in (realist, values)
                if (state := emulator.voice_state(guild, member.user.id)) is not None
                and not state.suppress
            )
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(process.wait, 60)
        offset = time.time() - emulator.now()
        arrived = unsuppressions(emulator, offset)
        show_problems(console, folder)
        db = Database(url)
        async with db.session() as session:
            turns = (await session.exec(select(Turn))).all()
            stages = {v.round_id: v.channel_id for v in (await session.exec(select(RoundVenue)))}
            guilds = {r.id: r.guild_id for r in (await session.exec(select(Round))).all()}
        await db.close()
        if pg_name is not None:
            await drop_postgres(pg_name)
        by_round: dict[int, list[Any]] = {}
        for turn in sorted(turns, key=lambda t: (t.round_id, t.position)):
            by_round.setdefault(turn.round_id, []).append(turn)
        lateness, changes = [], []
        missing = 0
        for round_id, ordered in by_round.items():
            for previous, current in itertools.pairwise(ordered):
                if previous.end_reason != "time" or previous.ends_at is None:
                    continue
                due = previous.ends_at.timestamp()
                up = first_after(arrived.get(current.speaker_id, []), due)
                if up is None:
                    missing += 1
                    continue
                lateness.append(up - due)
                changes.append(
                    (
                        guilds[round_id],
                        current.speaker_id,
                        previous.speaker_id,
                        stages[round_id],
                        due,
                    )
                )
        console.print(f"baseline: a bare discord.py client making {len(changes) * 2} changes")
        baseline = await bare_client_lateness(emulator, changes, folder)
    await emulator.stop()
    figures = percentiles(lateness)
    base = percentiles(baseline)
    results: dict[str, Any] = {
        "benchmark": NAME,
        "machine": machine(),
        "rounds": args.rounds,
        "database": args.database,
        "turn_seconds": TURN_SECONDS,
        "turns_per_round": TURNS,
        "transitions_measured": len(lateness),
        "transitions_without_floor_change": missing,
        "floor_lateness_p50_ms": figures["p50_ms"],
        "floor_lateness_p99_ms": figures["p99_ms"],
        "floor_lateness_max_ms": round(max(lateness) * 1000, 1) if lateness else None,
        "baseline_lateness_p50_ms": base["p50_ms"],
        "baseline_lateness_p99_ms": base["p99_ms"],
        "debaters_left_speaking": left_speaking,
        "target": f"p99 from a deadline to the next speaker up <= {TARGET_P99_MS} ms",
        "target_met": bool(lateness)
        and figures["p99_ms"] <= TARGET_P99_MS
        and missing == 0
        and left_speaking == 0
        and len(lateness) == args.rounds * (TURNS - 1),
        "bot_cpu_seconds": round(cpu_after - cpu_before, 2),
        "wall_seconds": round(elapsed, 2),
        "bot_peak_rss_mib": round(peak_kib / 1024, 1),
    }
    show_and_write(
        console,
        f"{args.rounds} rounds on Stages, {TURN_SECONDS}-second turns",
        results,
        NAME if args.database == "sqlite" else f"{NAME}-{args.database}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
