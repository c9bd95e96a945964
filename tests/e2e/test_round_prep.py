"""Prep pools in a Lincoln-Douglas round, through the emulator on the test's clock: each
side draws on its own pool before its speeches (the speech's clock stands still, then
runs in full), the pools shown going down, a pool running out starts the speech, and
prep refused, with the reason, when it may not be taken."""

from __future__ import annotations

import re

import pytest

from bot.client import MootBot
from emulator import Emulator, ManualClock, World
from emulator.timeline import Timeline
from tests.e2e.conftest import BotProcess, wait_until_serving
from tests.e2e.test_rounds import eventually_message, has_message, open_round, seat

pytestmark = pytest.mark.reads_messages

# At pace 0.5: 2:00 of prep a side; speeches of 3:00, 3:30, 2:00, 3:00 and 1:30.
PACE = 0.5


async def test_each_side_draws_on_its_own_prep_pool(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, format="lincoln-douglas", pace=PACE, timeline=timeline)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)  # Alice, affirmative constructive, 3:00
    assert "Prep left: Realist 2:00 · Values 2:00." in first.text()
    wrong_side = await r.click("bob", first, "Take prep")
    assert wrong_side.ephemeral and wrong_side.reply.content == (  # type: ignore[union-attr]
        "Prep is taken by the side about to speak: Affirmative constructive is Realist's."
    )
    await timeline.advance(5)
    taken = await r.click("alice", first, "Take prep")
    assert taken.ephemeral and "Prep is running" in taken.reply.content  # type: ignore[union-attr]
    prep = await eventually_message(r, "Realist takes prep (Alice)")
    assert "2:00 left" in prep.text()
    # Nobody holds the floor during prep: Alice's words are not her speech.
    await timeline.advance(40)
    assert len(r.turns()) == 1  # the speech's clock stands still
    not_yours = await r.click("bob", prep, "Resume")
    assert "Only Realist's debaters or a moderator" in not_yours.reply.content  # type: ignore[union-attr]
    await r.click("alice", prep, "Resume")
    over = await eventually_message(r, "Prep is over")
    assert "Realist used 0:40 of prep; 1:20 left." in over.text()
    assert "Affirmative constructive runs its full 3:00" in over.text()
    # The announcement follows: its end is the new one, and the prep button is still there
    # (the pool has time) but prep is no longer allowed this far into the speech.
    await timeline.idle()
    ends = int(re.search(r"Ends <t:(\d+):R>", r.turns()[0].text())[1])  # type: ignore[index]
    assert ends == int(timeline.now().timestamp()) + 180
    await timeline.advance(179)
    assert len(r.turns()) == 1
    await timeline.advance(1)
    cross = await r.wait_turns(2)  # Bob cross-examines
    not_speech = await r.slash("bob", "debate prep")
    assert "Prep is taken before a speech" in not_speech.reply.content  # type: ignore[union-attr]
    await r.slash("mod", "debate skip")
    negative = await r.wait_turns(3)  # Bob, negative constructive, 3:30
    assert cross is not negative
    assert "Prep left: Realist 1:20 · Values 2:00." in negative.text()
    await timeline.idle()
    await r.slash("bob", "debate prep")
    await eventually_message(r, "Values takes prep (Bob)")
    status = await r.slash("carol", "debate status")
    assert "Values is taking prep" in status.reply.text()  # type: ignore[union-attr]
    await timeline.advance(30)
    status = await r.slash("carol", "debate status")
    assert "Prep left: Realist 1:20 · Values 1:30" in status.reply.text()  # type: ignore[union-attr]
    ended = await r.slash("bob", "debate prep")
    assert ended.reply.content == "Prep is over: the speech runs."  # type: ignore[union-attr]
    over = await eventually_message(r, "Values used")
    assert "Values used 0:30 of prep; 1:30 left." in over.text()
    await r.slash("mod", "debate skip")  # the negative constructive
    await r.wait_turns(4)
    await r.slash("mod", "debate skip")  # the cross-examination of the negative
    rebuttal = await r.wait_turns(5)  # Alice, first affirmative rebuttal
    assert "Prep left: Realist 1:20 · Values 1:30." in rebuttal.text()
    await timeline.advance(20)
    late = await r.click("alice", rebuttal, "Take prep")
    assert late.ephemeral and late.reply.content == (  # type: ignore[union-attr]
        "Prep can be called only in the first 15 seconds of a speech, before it is under "
        "way; First affirmative rebuttal has run 0:20. Take it before your next speech."
    )
    await r.slash("mod", "debate skip")
    negative_rebuttal = await r.wait_turns(6)  # Bob, 3:00
    await r.click("bob", negative_rebuttal, "Take prep")
    await eventually_message(r, "Values takes prep (Bob)")
    # Values' pool runs out: the alarm ends prep and the speech runs in full.
    await timeline.advance(89)
    assert not has_message(r, "Values used 2:00")
    await timeline.advance(1)
    empty = await eventually_message(r, "Values used 2:00 of prep; 0:00 left.")
    assert "Negative rebuttal runs its full 3:00" in empty.text()
    await timeline.idle()
    labels = [b["label"] for b in r.turns()[5].buttons()]
    assert "Take prep" not in labels  # Values' pool is empty
    await timeline.advance(179)
    assert len(r.turns()) == 6
    await timeline.advance(1)
    last = await r.wait_turns(7)  # Alice, second affirmative rebuttal
    assert "Prep left: Realist 1:20 · Values 0:00." in last.text()
    # A pause during prep stops the prep clock; the pool is kept.
    await r.click("alice", last, "Take prep")
    await eventually_message(r, "Realist takes prep (Alice)")
    await timeline.advance(20)
    await r.slash("mod", "debate pause")
    await eventually_message(r, "paused during Realist's prep")
    await timeline.advance(600)
    assert not has_message(r, "Realist used 1:20")
    await r.slash("mod", "debate resume")
    await eventually_message(r, "Realist's prep continues")
    await timeline.advance(59)
    assert not has_message(r, "Realist used 2:00")
    await timeline.advance(1)
    await eventually_message(r, "Realist used 2:00 of prep; 0:00 left.")


async def test_prep_running_out_while_the_bot_is_down_starts_the_speech_once(
    emulator: Emulator, world: World, bot_process: BotProcess, clock: ManualClock
) -> None:
    bot_process.start()
    await wait_until_serving(emulator, world)
    r = await open_round(emulator, world, format="lincoln-douglas", pace=PACE)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    taken = await r.click("alice", first, "Take prep")
    assert "Prep is running" in taken.reply.content  # type: ignore[union-attr]
    await eventually_message(r, "Realist takes prep (Alice)")
    bot_process.kill()
    clock.advance(130)  # Realist's two minutes ran out while the bot was down
    bot_process.start()
    over = await eventually_message(r, "Realist used 2:00 of prep; 0:00 left.")
    assert "Affirmative constructive runs its full 3:00" in over.text()
    # The restarted process's buttons answer; the pool is empty now.
    again = await r.click("alice", first, "Done")
    assert "Your turn is over" in again.reply.content  # type: ignore[union-attr]
    second = await r.wait_turns(2)
    assert "cross-examination" in second.text().lower()
    assert len([m for m in r.messages() if "Realist used" in m.text()]) == 1
