"""The offline sandbox: `make run` with no token, and the shipped demo script."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

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
    # A local file attached to /quote import, found next to the script; its bad row named.
    assert "Added 2, skipped 0 already saved, rejected 1." in out
    assert "row 3: jump_url is not a Discord message link" in out
    assert "A foreign policy that forgets power is a **sermon**, not a policy." in out
    assert "Daily excerpt set" in out and "Realist: 1 of 9 excerpts posted (cycle 1)" in out
    assert "Realist · 0   Values · 2" in out  # alice changed her vote: counted once
    assert "The daily excerpt is paused" in out
    assert "Only moderators can start the round" in out
    assert "Debaters cannot vote in their own round" in out
    # Bob's opening and closing ran out by themselves while the script let the clock run.
    assert "0:30 left for Bob" in out and "0:15 left for Bob" in out
    assert "Winner: **Realist** (for the motion), by 1 vote" in out
    # The rest of the evening: a judge's ballot, the transcript, a planned round, scores.
    assert "Your ballot is recorded" in out and "Speaker points: Alice 28, Bob 27" in out
    assert "now in #debates › Round 1: This house would put values before interests" in out
    assert "📎 round-1.md" in out
    assert "Motion: This house would trade with rivals" in out
    assert "**1.** Alice" in out and "Realist **1** · Values **0**" in out


def test_run_without_a_token_opens_the_sandbox(tmp_path: Path) -> None:
    result = sandbox("run", tmp_path=tmp_path, stdin="bob: /help\nquit\n")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "No MOOT_TOKEN set: starting the offline sandbox" in out
    assert "What moot can do" in out
    assert "Traceback" not in out + result.stderr


def test_a_bad_script_line_fails_the_run(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text(
        "zed: /help\nalice: dance\nwait soon\nmod: /quote import file:@missing.json\n",
        encoding="utf-8",
    )
    result = sandbox("sandbox", "--script", str(script), tmp_path=tmp_path)
    assert result.returncode == 1
    assert "no member 'zed'" in result.stdout and "I don't understand 'dance'" in result.stdout
    assert "'soon' is not like 90, 30s, 5m or 1h" in result.stdout
    assert "no member, role or file called @missing.json" in result.stdout


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


# A round played at the console's pace: the member moves about while moot runs the turns.
EVENING = """\
mod: /debate start motion:"This house would put values before interests"
alice: click "Join Realist"
bob: click "Join Values"
carol: click "Audience"
mod: click "Start"
channels
in 3
in 2
alice: /debate status
in #general
in "Round 1: This house would put values before interests"
in round
alice: click "Done"
wait 570
carol: click "Realist"
mod: click "Submit ballot"
mod: submit winner:Realist points:"Alice (Realist): 28\\nBob (Values): 27" reason:Closer
wait 2m
alice: /debate transcript
"""


@pytest.fixture(scope="module")
def evening(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp_path = tmp_path_factory.mktemp("evening")
    script = tmp_path / "evening.txt"
    script.write_text(EVENING, encoding="utf-8")
    result = sandbox("sandbox", "--script", str(script), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✗" not in result.stdout and "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_every_post_and_edit_is_shown_as_it_happens_with_its_time(evening: str) -> None:
    # Each turn's post appears at the time it was made, not lumped after the next line.
    turns = re.findall(r"moot in #general › Round 1: .*? · (\d\d:\d\d:\d\d)", evening)
    assert len(set(turns)) >= 6, turns
    for number in range(1, 7):
        assert f"{number}/6 · " in evening
    assert "moot edited its message in #general › Round 1" in evening
    assert "⏱ 0:15 left for Bob" in evening
    assert "Winner: **Realist**" in evening


def test_threads_are_listed_numbered_and_can_be_entered(evening: str) -> None:
    assert "1. #general" in evening and "3. #debates" in evening
    assert "2.   › Round 1: This house would put values before interests" in evening
    assert "now in #general › Round 1: This house would put values before interests" in evening
    assert "now in #debates" in evening
    # In the round's thread, /debate status and /debate transcript find the round.
    assert "Realist vs Values" in evening.split("» alice: /debate status")[1]
    assert "📎 round-1.md" in evening


def test_buttons_are_named_without_their_live_count(evening: str) -> None:
    assert "no message has a button" not in evening
    assert "Realist · 1" in evening


def test_a_ballot_keeps_its_fields_and_takes_new_lines(evening: str) -> None:
    assert "winner: Winner (Realist or Values)" in evening
    assert "pre-filled: Alice (Realist): \\nBob (Values): " in evening
    assert "ballot is recorded" in evening


def test_a_members_mistake_at_the_console_is_answered_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    stdin = "alice: autocomplete /quote random side:real\nin Nowhere\nalice: /help\nquit\n"
    result = sandbox("run", tmp_path=tmp_path, stdin=stdin)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "side has no autocomplete: its choices are" in out
    assert "no channel or thread called “Nowhere”" in out
    assert "What moot can do" in out
    assert "Traceback" not in out + result.stderr and "ended with errors" not in out


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (9, "in 9 seconds"),
        (1, "in 1 second"),
        (50, "in a minute"),
        (61, "in a minute"),
        (150, "in 3 minutes"),
        (3000, "in an hour"),
        (-7200, "2 hours ago"),
        (-30 * 3600, "a day ago"),
        (5 * 86400, "in 5 days"),
    ],
)
def test_relative_times_read_as_discord_shows_them(seconds: float, shown: str) -> None:
    from sandbox.render import relative

    assert relative(seconds) == shown
