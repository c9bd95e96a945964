"""The vote at the end of a round: its message while it is open and once it has closed."""

from __future__ import annotations

import re

import pytest

from bot.client import MootBot
from emulator import Emulator, World
from emulator.timeline import Timeline
from tests.e2e.test_rounds import (
    play_through,
    result_posted,
    started_round,
)

# The bot with the Message Content intent, so speeches are recorded from messages.
pytestmark = pytest.mark.reads_messages


async def test_the_vote_message_says_when_voting_closes_then_that_it_has_closed(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await started_round(emulator, world, timeline=timeline)
    await play_through(r)
    voting = r.latest("Voting is open")
    closes = int(re.search(r"Voting closes <t:(\d+):R>", voting.text())[1])  # type: ignore[index]
    assert closes == int(timeline.now().timestamp()) + 120
    await r.click("carol", voting, "Realist · 0")
    await result_posted(r, timeline)
    await timeline.idle()
    # The same message, edited: no time that would now read "closes 2 minutes ago".
    closed = emulator.messages[voting.id]
    assert "Voting is closed" in closed.text() and "Voting is open" not in closed.text()
    assert "Voting has closed: the result is posted below." in closed.text()
    assert "<t:" not in closed.text()
    assert [b["label"] for b in closed.buttons()][:2] == ["Realist · 1", "Values · 0"]
    assert all(b.get("disabled") for b in closed.buttons())
