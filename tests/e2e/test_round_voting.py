"""The vote at the end of a round: its message while it is open and once it has closed,
the side that proposes named in every message, and a round nobody votes in."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.client import MootBot
from bot.models import MemberScore
from bot.services import rounds
from emulator import Emulator, World
from emulator.timeline import Timeline
from tests.e2e.conftest import eventually
from tests.e2e.test_rounds import (
    open_round,
    play_through,
    result_posted,
    seat,
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


async def test_a_round_ended_during_the_vote_closes_its_vote_message(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await started_round(emulator, world, timeline=timeline)
    await play_through(r)
    voting = r.latest("Voting is open")
    await r.click("carol", voting, "Realist · 0")
    await r.slash("mod", "debate end")
    await timeline.idle()
    closed = emulator.messages[voting.id]
    assert "Voting is closed" in closed.text() and "<t:" not in closed.text()
    assert all(b.get("disabled") for b in closed.buttons())


async def test_the_moderator_says_which_side_proposes_and_every_message_follows(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, timeline=timeline, proposing="values")
    # The side for the motion is listed first.
    await eventually(lambda: "**Values** (for the motion)" in r.lobby().text())
    roster = r.lobby().text()
    assert roster.index("**Values** (for the motion)") < roster.index(
        "**Realist** (against the motion)"
    )
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    assert "**Alice** has the floor · Realist, against the motion" in first.text()
    await play_through(r)
    await r.click("carol", r.latest("Voting is open"), "Realist · 0")
    result = await result_posted(r, timeline)
    assert "Winner: **Realist** (against the motion), by 1 vote" in result.text()


async def test_a_round_nobody_votes_in_has_no_decision_and_is_not_rated(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await started_round(emulator, world, timeline=timeline)
    await play_through(r)
    result = await result_posted(r, timeline)
    assert "No decision: nobody voted after the debate" in result.text()
    assert "draw" not in result.text().replace("not a draw", "")
    status = await r.slash("carol", "debate status")
    assert "No decision." in status.reply.text()  # type: ignore[union-attr]
    async with bot.db.session() as session:
        round_id = await rounds.round_here(world.guild.id, r.thread.id, session=session)
        view = await rounds.get_round(round_id, session=session)
        rated = (await session.exec(select(MemberScore))).all()
    assert view.winner is None and rated == []
