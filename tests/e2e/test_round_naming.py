"""Naming the round a /debate command means with its `round` option: a round that is over,
one of several open at once, from the channel the rounds were opened in; the server's
rounds offered as choices; another server's round refused."""

from __future__ import annotations

import re

import pytest

from bot.client import MootBot
from emulator import Emulator, World
from emulator.timeline import Timeline
from emulator.world import seed_world
from tests.e2e.test_rounds import MOTION, Round, open_round, play_through, result_posted, seat

pytestmark = pytest.mark.reads_messages


def number_of(r: Round) -> int:
    """The round's number, as its lobby shows it (started or not)."""
    lobby = next(m for m in r.messages() if "Running order" in m.text())
    return int(re.search(r"Round (\d+) ·", lobby.text())[1])  # type: ignore[index]


@pytest.fixture
def neighbours(emulator: Emulator, world: World) -> World:
    """Another server the bot is in, with its own moderator and members."""
    return seed_world(emulator, "Neighbouring Club")


async def test_the_transcript_of_a_round_that_is_over_by_its_number(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, timeline=timeline)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await emulator.post(world.member("alice"), r.thread, "Interests come first.")
    await play_through(r)
    await r.click("carol", r.latest("Voting is open"), "Realist · 0")
    await result_posted(r, timeline)
    alice = world.member("alice")
    # The round is over: in the channel it was opened from, nothing says which one is meant.
    unnamed = await emulator.slash(alice, world.general, "debate transcript")
    assert unnamed.ephemeral and "No round is open" in unnamed.reply.content  # type: ignore[union-attr]
    named = await emulator.slash(alice, world.general, "debate transcript", round=number_of(r))
    assert named.ephemeral
    assert named.reply.content == f"Transcript of round {number_of(r)}."  # type: ignore[union-attr]
    [attachment] = named.reply.data["attachments"]  # type: ignore[union-attr]
    text = named.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert text.startswith(f"# {MOTION}") and "Interests come first." in text
    status = await emulator.slash(alice, world.general, "debate status", round=number_of(r))
    assert f"Round {number_of(r)} · Decided." in status.reply.text()  # type: ignore[union-attr]


async def test_with_two_rounds_open_a_command_acts_on_the_round_named(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    first = await open_round(emulator, world, "This house would trust the realists")
    second = await open_round(emulator, world, "This house would lead with values")
    mod = world.member("mod")
    unnamed = await emulator.slash(mod, world.general, "debate status")
    assert unnamed.ephemeral
    assert "Several rounds are open: pick the one you mean with the `round` option" in (
        unnamed.reply.content  # type: ignore[union-attr]
    )
    joined = await emulator.slash(
        world.member("alice"), world.general, "debate join", side="values", round=number_of(second)
    )
    assert joined.reply.content == f"You joined round {number_of(second)} as Values."  # type: ignore[union-attr]
    judged = await emulator.slash(
        mod, world.general, "debate judge", member=world.member("carol"), round=number_of(first)
    )
    assert judged.reply.content == f"Carol judges round {number_of(first)}."  # type: ignore[union-attr]
    await timeline.idle()
    assert "**Values** (against the motion): Alice" in second.lobby().text()
    assert "**Judges**: Carol" in first.lobby().text()
    assert "Alice" not in first.lobby().text() and "Judges" not in second.lobby().text()
    # In a round's thread, the option still names another round.
    ended = await first.slash("mod", "debate end", round=number_of(second))
    assert ended.reply.content == f"Ended round {number_of(second)} early, without a decision."  # type: ignore[union-attr]
    status = await emulator.slash(mod, world.general, "debate status")
    assert f"Round {number_of(first)} · Lobby" in status.reply.text()  # type: ignore[union-attr]


async def test_the_round_option_offers_this_servers_rounds_open_ones_first(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    over = await open_round(emulator, world, "This house would trust the realists")
    await over.slash("mod", "debate end")
    opened = await open_round(emulator, world, "This house would lead with values")
    mod = world.member("mod")
    offered = await emulator.autocomplete(mod, world.general, "debate transcript", "round", "")
    assert offered == [
        {
            "name": f"Round {number_of(opened)}: This house would lead with values",
            "value": number_of(opened),
        },
        {
            "name": f"Round {number_of(over)} (over): This house would trust the realists",
            "value": number_of(over),
        },
    ]
    # A command for a round under way offers only the open ones.
    pause = await emulator.autocomplete(mod, world.general, "debate pause", "round", "")
    assert [c["value"] for c in pause] == [number_of(opened)]
    # What is typed narrows them, by the motion's words or the round's number.
    by_motion = await emulator.autocomplete(mod, world.general, "debate status", "round", "REAL")
    assert [c["value"] for c in by_motion] == [number_of(over)]
    by_number = await emulator.autocomplete(
        mod, world.general, "debate status", "round", str(number_of(opened))
    )
    assert [c["value"] for c in by_number] == [number_of(opened)]


async def test_another_servers_round_is_refused(
    emulator: Emulator, world: World, neighbours: World, bot: MootBot, timeline: Timeline
) -> None:
    theirs = await open_round(emulator, neighbours, "Their motion, not ours")
    ours = await open_round(emulator, world, "Our motion")
    alice = world.member("alice")
    offered = await emulator.autocomplete(alice, world.general, "debate status", "round", "")
    assert [c["value"] for c in offered] == [number_of(ours)]
    for command, options in (
        ("debate transcript", {}),
        ("debate status", {}),
        ("debate join", {"side": "audience"}),
    ):
        refused = await emulator.slash(
            alice, world.general, command, round=number_of(theirs), **options
        )
        assert refused.ephemeral
        assert refused.reply.content == (  # type: ignore[union-attr]
            f"There is no round {number_of(theirs)} in this server. "
            "Pick one of the rounds the `round` option offers."
        )
    await timeline.idle()
    assert "**Audience**: 0" in theirs.lobby().text()
