"""Debate rounds through the emulator: the lobby, turns that run themselves at a fast pace,
speeches by message and by form, moderator controls, votes, ballots and the transcript."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import pytest

from bot.client import MootBot
from bot.runtime import start_in_background, stop
from bot.settings import Settings
from emulator import Emulator, Interaction, Message, World
from emulator.state import Channel

MOTION = "This house would put values before interests @everyone"


@pytest.fixture
async def bot(bot_settings: Settings, world: World) -> AsyncIterator[MootBot]:
    """The bot with the Message Content intent, so speeches are recorded from messages."""
    settings = bot_settings.model_copy(update={"message_content": True, "sweep_seconds": 0.2})
    client, task = await start_in_background(settings, ready_timeout=15)
    try:
        yield client
    finally:
        await stop(client, task)


async def eventually(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)


class Round:
    """A round as members see it: its thread and the messages the bot posted there."""

    def __init__(self, emulator: Emulator, world: World, thread: Channel) -> None:
        self.emulator = emulator
        self.world = world
        self.thread = thread

    def messages(self) -> list[Message]:
        return self.emulator.channel_messages(self.thread)

    def lobby(self) -> Message:
        return next(m for m in self.messages() if m.buttons() and "Running order" in m.text())

    def turns(self) -> list[Message]:
        """Turn announcements, in order."""
        return [
            m
            for m in self.messages()
            if m.embeds and ("has the floor" in m.text() or "Preparation time" in m.text())
        ]

    def latest(self, containing: str) -> Message:
        return [m for m in self.messages() if containing in m.text()][-1]

    async def click(self, member: str, message: Message, label: str) -> Interaction:
        return await self.emulator.click(
            self.world.member(member), self.emulator.messages[message.id], label
        )

    async def slash(self, member: str, command: str, **options: object) -> Interaction:
        return await self.emulator.slash(self.world.member(member), self.thread, command, **options)

    async def wait_turns(self, count: int, timeout: float = 10.0) -> Message:
        await eventually(lambda: len(self.turns()) >= count, timeout)
        return self.turns()[count - 1]


async def open_round(emulator: Emulator, world: World, **options: object) -> Round:
    answer = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion=MOTION, **options, timeout=10
    )
    assert answer.ephemeral and "is open in" in answer.reply.content, answer.reply  # type: ignore[union-attr]
    thread_id = int(re.search(r"<#(\d+)>", answer.reply.content)[1])  # type: ignore[index, union-attr]
    thread = world.guild.channels[thread_id]
    return Round(emulator, world, thread)


async def test_a_round_runs_itself_records_speeches_and_the_audience_decides(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    r = await open_round(emulator, world, pace=0.01)
    lobby = r.lobby()
    assert "Realist vs Values" in lobby.text() and "1. Realist · Opening · 0:02" in lobby.text()
    # The motion is shown, but pings nobody.
    assert not any(m.pinged_everyone for m in r.messages())
    refused = await r.click("alice", lobby, "Start")
    assert "Only moderators can start" in refused.reply.content  # type: ignore[union-attr]
    await r.click("alice", lobby, "Join Realist")
    too_early = await r.click("mod", r.lobby(), "Start")
    assert "nobody has joined Values" in too_early.reply.content  # type: ignore[union-attr]
    full = await r.click("bob", r.lobby(), "Join Realist")
    assert "side is full" in full.reply.content  # type: ignore[union-attr]
    await r.click("bob", r.lobby(), "Join Values")
    await r.click("carol", r.lobby(), "Audience")
    assert "**Realist**: Alice" in r.lobby().text() and "**Values**: Bob" in r.lobby().text()
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    assert first.content == f"<@{world.member('alice').user.id}>"
    assert first.pinged_users == [world.member("alice").user.id]
    assert re.search(r"Ends <t:\d+:R>", first.text())
    await emulator.post(world.member("alice"), r.thread, "Interests come first.")
    await emulator.post(world.member("bob"), r.thread, "Out of turn!")
    # Six turns of 1-2 s run by themselves, then the vote opens.
    voting = await eventually_message(r, "Voting is open", timeout=20)
    assert len(r.turns()) == 6
    debater = await r.click("alice", voting, "Realist · 0")
    assert "Debaters cannot vote" in debater.reply.content  # type: ignore[union-attr]
    await r.click("carol", voting, "Values · 0")
    await r.click("carol", r.latest("Voting is open"), "Realist · 0")
    await r.click("dave", r.latest("Voting is open"), "Realist · 1")
    assert [b["label"] for b in r.latest("Voting is open").buttons()][:2] == [
        "Realist · 2",
        "Values · 0",
    ]
    result = await eventually_message(r, "Result:", timeout=10)
    assert "Winner: **Realist**, by 2 vote(s)" in result.text()
    transcript = await r.slash("alice", "debate transcript")
    [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
    text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert text.startswith(f"# {MOTION}") and "Interests come first." in text
    assert "Out of turn!" not in text and "After: Realist 2, Values 0" in text


async def eventually_message(r: Round, containing: str, timeout: float = 10.0) -> Message:
    await eventually(lambda: any(containing in m.text() for m in r.messages()), timeout)
    return r.latest(containing)
