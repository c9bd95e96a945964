"""Planned rounds through the emulator: /round schedule creates the sign-up message and the
server's scheduled event, sign-ups fill the roster, reminders ping only who signed up,
the round starts itself with them, and reschedule, skip and cancel keep the event in step.

The bot runs on a clock the test moves (handed in like its database), so "15 minutes
before" is reached in a second; the sweeper runs every 0.1 s."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.client import MootBot
from bot.runtime import start_in_background, stop
from bot.settings import Settings
from emulator import Emulator, Interaction, Message, World
from emulator.members import CommandUnavailable
from tests.e2e.conftest import MovableClock

MOTION = "Alliances outlast their reasons @everyone"


class Bots:
    """Start and stop the real bot (more than once in a test) on one database and clock."""

    def __init__(self, settings: Settings, clock: MovableClock) -> None:
        self.settings = settings
        self.clock = clock
        self.running: list[tuple[MootBot, asyncio.Task[None]]] = []

    async def start(self) -> MootBot:
        client, task = await start_in_background(self.settings, ready_timeout=15, clock=self.clock)
        self.running.append((client, task))
        return client

    async def stop(self) -> None:
        while self.running:
            await stop(*self.running.pop())


@pytest.fixture
async def bots(bot_settings: Settings, world: World) -> AsyncIterator[Bots]:
    runner = Bots(bot_settings.model_copy(update={"sweep_seconds": 0.1}), MovableClock())
    try:
        yield runner
    finally:
        await runner.stop()


async def eventually(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := condition()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)
    return value


def events(world: World) -> list[dict[str, Any]]:
    return list(world.guild.scheduled_events.values())


def starts(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["scheduled_start_time"])


async def schedule(emulator: Emulator, world: World, **options: Any) -> tuple[int, Interaction]:
    answer = await emulator.slash(
        world.member("mod"), world.debates, "round schedule", timeout=10, **options
    )
    text = answer.reply.content if answer.reply else ""
    found = re.search(r"Planned round #(\d+)", text or "")
    assert found, text
    return int(found[1]), answer


def signup_message(emulator: Emulator, world: World, planned: int) -> Message:
    return next(
        m
        for m in emulator.channel_messages(world.debates)
        if m.embeds
        and f"Planned round #{planned} " in m.embeds[0].get("footer", {}).get("text", "")
    )


def said(emulator: Emulator, world: World, text: str) -> list[Message]:
    return [m for m in emulator.channel_messages(world.debates) if text in (m.content or "")]


async def test_schedule_sign_up_remind_and_start_across_a_restart(
    bots: Bots, emulator: Emulator, world: World
) -> None:
    await bots.start()
    clock = bots.clock
    choices = await emulator.autocomplete(
        world.member("mod"), world.debates, "round schedule", "when", "tomorrow 19:30"
    )
    assert choices[0]["name"].startswith("✓ ") and "19:30 (UTC)" in choices[0]["name"]
    bad = await emulator.autocomplete(
        world.member("mod"), world.debates, "round schedule", "when", "blurple o'clock"
    )
    assert bad[0]["name"].startswith("✗ I cannot read")

    planned, answer = await schedule(
        emulator,
        world,
        when="in 3 hours",
        motion=MOTION,
        pace=0.05,
        reminders="1h, 15m",
    )
    assert answer.ephemeral
    start = clock.now() + timedelta(hours=3)
    [event] = events(world)
    assert event["status"] == 1 and event["entity_type"] == 3
    assert abs((starts(event) - start).total_seconds()) < 90
    assert event["entity_metadata"]["location"] == "#debates"
    message = signup_message(emulator, world, planned)
    assert not message.pinged_everyone

    for member, label in [
        ("alice", "Realist"),
        ("bob", "Values"),
        ("carol", "Audience"),
        ("dave", "Can't make it"),
        ("owner", "Realist"),
        ("owner", "Audience"),  # changed: counted once, as audience
    ]:
        clicked = await emulator.click(world.member(member), message, label)
        [note] = await eventually(lambda clicked=clicked: clicked.followups)
        assert note.ephemeral and f"You are down as **{label}**" in note.content
    fields = {f["name"]: f["value"] for f in emulator.messages[message.id].embeds[0]["fields"]}
    assert fields["Realist"] == "Alice" and fields["Values"] == "Bob"
    assert fields["Audience"] == "Carol, Owner" and fields["Can't make it"] == "Dave"
    listed = await emulator.slash(world.member("carol"), world.debates, "round list")
    assert f"#{planned}" in listed.reply.text() and "Realist 1" in listed.reply.text()  # type: ignore[union-attr]

    # An hour before: the reminder pings who signed up, and nobody else.
    clock.advance(timedelta(hours=2, minutes=1))
    [first] = await eventually(lambda: said(emulator, world, "⏰"))
    ids = {world.member(n).user.id for n in ("alice", "bob", "carol", "owner")}
    assert set(first.pinged_users) == ids and not first.pinged_everyone
    assert not first.pinged_roles

    # The bot stops between the reminders, and the clock passes the 15-minute mark.
    await bots.stop()
    clock.advance(timedelta(minutes=50))
    await bots.start()
    reminders = await eventually(lambda: len(said(emulator, world, "⏰")) == 2)
    assert reminders
    await asyncio.sleep(0.5)
    assert len(said(emulator, world, "⏰")) == 2  # each reminder once

    # Start time: the round opens with the speakers who signed up, and the event is live.
    clock.advance(timedelta(minutes=10))
    thread_id = await eventually(
        lambda: next(
            (c.id for c in world.guild.channels.values() if c.name.startswith("Round ")), None
        )
    )
    thread = world.guild.channels[thread_id]
    first_turn = await eventually(
        lambda: next(
            (m for m in emulator.channel_messages(thread) if "has the floor" in m.text()), None
        )
    )
    assert first_turn.pinged_users == [world.member("alice").user.id]
    await eventually(lambda: events(world)[0]["status"] == 2)
    closed = emulator.messages[message.id]
    assert all(b.get("disabled") for b in closed.buttons())
    with pytest.raises(CommandUnavailable, match="disabled"):
        await emulator.click(world.member("dave"), emulator.messages[message.id], "Realist")

    # The round ends: the event is completed.
    ended = await emulator.slash(world.member("mod"), thread, "debate end")
    assert ended.ephemeral
    await eventually(lambda: events(world)[0]["status"] == 3)
