"""The offline sandbox: `make run` with no token, and the shipped demo script."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from bot.runtime import stop
from bot.settings import Settings
from emulator import Emulator, World
from emulator.timeline import Timeline
from tests.conftest import PROJECT_ROOT, cli_environment, run_cli


def sandbox(*args: str, tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=cli_environment(tmp_path), cwd=tmp_path, stdin=stdin)


def test_demo_script_runs_every_line(tmp_path: Path) -> None:
    result = sandbox(
        "sandbox", "--script", str(PROJECT_ROOT / "examples" / "demo.txt"), tmp_path=tmp_path
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "✗" not in out and "Traceback" not in out + result.stderr
    assert "What moot can do for members and moderators" in out
    assert "Discord would not allow that: /config is hidden from alice" in out
    assert "Only moderators can do that" in out
    assert "Europe/Paris" in out and "is not a time zone I know" in out
    assert "#debates" in out and "@Moderators" in out
    assert "“25:00” is not a time of day I can read" in out
    assert "Daily excerpt set" in out and "Realist: 1 of 9 excerpts posted (cycle 1)" in out
    assert "Realist · 0   Values · 2" in out  # alice changed her vote: counted once
    assert "The daily excerpt is paused" in out
    assert "Only moderators can start the round" in out
    assert "Debaters cannot vote in their own round" in out
    # Bob's opening and closing ran out by themselves while the script let the clock run.
    assert "0:30 left for Bob" in out and "0:15 left for Bob" in out
    assert "Winner: **Realist**, by 1 vote(s)" in out


def test_run_without_a_token_opens_the_sandbox(tmp_path: Path) -> None:
    result = sandbox("run", tmp_path=tmp_path, stdin="bob: /help\nquit\n")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "No MOOT_TOKEN set: starting the offline sandbox" in out
    assert "What moot can do" in out
    assert "Traceback" not in out + result.stderr


def test_a_bad_script_line_fails_the_run(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("zed: /help\nalice: dance\nwait soon\n", encoding="utf-8")
    result = sandbox("sandbox", "--script", str(script), tmp_path=tmp_path)
    assert result.returncode == 1
    assert "no member 'zed'" in result.stdout and "I don't understand 'dance'" in result.stdout
    assert "'soon' is not like 90, 30s, 5m or 1h" in result.stdout


async def test_heartbeats_are_acknowledged_after_they_are_sent(
    emulator: Emulator, world: World, bot_settings: Settings, timeline: Timeline
) -> None:
    """discord.py times a heartbeat from when its keep-alive thread saw the send finish: an
    acknowledgement back before that looked a whole interval late ("Can't keep up")."""
    emulator.heartbeat_interval_ms = 300
    client, task = await timeline.start(bot_settings)
    worst = 0.0
    try:
        # Heartbeats run on real time (discord.py's own thread), not on the test's clock:
        # this looks at each measurement as it is made.
        while emulator.gateway.heartbeats < 8:
            await asyncio.sleep(0.005)
            if client.latency != float("inf"):
                worst = max(worst, client.latency)
    finally:
        await stop(client, task)
    assert worst < 0.2, f"a heartbeat looked {worst:.3f} s late against a 0.3 s interval"
