"""Points of information in a World Schools round, through the emulator on the test's
clock: refused in protected time with the reason, offered by the other side, shown to the
speaker one at a time, declined and accepted by the speaker only, holding the floor for
the format's point time until the alarm ends it, and in the transcript."""

from __future__ import annotations

import pytest

from bot.client import MootBot
from emulator import Emulator, ManualClock, Message, World
from emulator.timeline import Timeline
from tests.e2e.conftest import BotProcess, wait_until_serving
from tests.e2e.test_rounds import Round, eventually_message, has_message, open_round, seat

pytestmark = pytest.mark.reads_messages

# At pace 0.5 a World Schools speech lasts 4:00, protected for its first and last 0:30,
# and an accepted point holds the floor for 0:08 (15 s at half pace).
PACE = 0.5


def points_shown(r: Round) -> list[Message]:
    return [m for m in r.messages() if "Point of information from" in m.text()]


async def world_schools(emulator: Emulator, world: World, timeline: Timeline) -> Round:
    r = await open_round(emulator, world, format="world-schools", pace=PACE, timeline=timeline)
    await seat(r, ["alice", "carol"], ["bob", "dave"])
    await r.click("owner", r.lobby(), "Audience")
    await r.click("mod", r.lobby(), "Start")
    return r


async def test_points_of_information_one_at_a_time_and_only_outside_protected_time(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await world_schools(emulator, world, timeline)
    first = await r.wait_turns(1)  # Alice, first proposition
    assert "Protected until 0:30 and from 3:30" in first.text()
    await timeline.advance(10)
    early = await r.click("bob", first, "Offer a point")
    assert early.ephemeral
    assert early.reply.content == (  # type: ignore[union-attr]
        "Protected time: points are taken from 0:30 to 3:30 of this speech."
    )
    await timeline.idle()
    assert not points_shown(r)
    own = await r.click("carol", first, "Offer a point")
    assert own.ephemeral and "from the other side" in own.reply.content  # type: ignore[union-attr]
    audience = await r.click("owner", first, "Offer a point")
    assert audience.ephemeral and "Only Values's debaters" in audience.reply.content  # type: ignore[union-attr]

    await timeline.advance(25)  # 0:35 into the speech: unprotected
    offered = await r.click("bob", first, "Offer a point")
    assert offered.ephemeral and offered.reply.content == "Your point is offered to Alice."  # type: ignore[union-attr]
    shown = await eventually_message(r, "Point of information from **Bob**")
    assert shown.pinged_users == [world.member("alice").user.id]
    assert [b["label"] for b in shown.buttons()] == ["Accept", "Decline"]
    queued = await r.click("dave", first, "Offer a point")
    assert "1 point is ahead of it" in queued.reply.content  # type: ignore[union-attr]
    again = await r.click("bob", first, "Offer a point")
    assert "already waiting" in again.reply.content  # type: ignore[union-attr]
    await timeline.idle()
    # Never all at once: one point is shown, with the number waiting behind it.
    assert len(points_shown(r)) == 1
    assert (
        "Point of information from **Bob** · 1 more waiting" in emulator.messages[shown.id].text()
    )

    # Only the speaker answers.
    for who in ("dave", "carol", "mod"):
        refused = await r.click(who, shown, "Accept")
        assert refused.ephemeral and "Only Alice, who has the floor" in refused.reply.content  # type: ignore[union-attr]
    declined = await r.click("alice", shown, "Decline")
    assert declined.reply.content == "You declined the point."  # type: ignore[union-attr]
    await timeline.idle()
    assert "declined" in emulator.messages[shown.id].text()
    assert not emulator.messages[shown.id].buttons()
    # Declined: the next one waiting is shown.
    assert len(points_shown(r)) == 2
    dave_point = points_shown(r)[-1]
    assert "Point of information from **Dave**" in dave_point.text()
    assert "more waiting" not in dave_point.text()

    accepted = await r.click("alice", dave_point, "Accept")
    assert accepted.reply.content == "You accepted the point."  # type: ignore[union-attr]
    said = await eventually_message(r, "accepts Dave's point")
    assert "Dave has the floor for 0:08." in said.text()
    # While his point holds the floor, Dave speaks on the record; Bob does not.
    point_words = await emulator.post(world.member("dave"), r.thread, "Does order need justice?")
    heckle = await emulator.post(world.member("bob"), r.thread, "And another thing!")
    blocked = await r.click("bob", first, "Offer a point")
    assert "Dave's point is being heard" in blocked.reply.content  # type: ignore[union-attr]
    await timeline.idle()
    assert not point_words.deleted and heckle.deleted
    # The alarm ends the point after its 8 seconds, once.
    await timeline.advance(7)
    assert not has_message(r, "point is over")
    await timeline.advance(1)
    over = await eventually_message(r, "Dave's point is over; Alice continues.")
    assert over is not None
    await timeline.advance(30)
    assert len([m for m in r.messages() if "point is over" in m.text()]) == 1
    late = await emulator.post(world.member("dave"), r.thread, "One more thing")
    await timeline.idle()
    assert late.deleted

    # A point still waiting when the speech ends lapses, its buttons gone.
    await r.click("bob", first, "Offer a point")
    await timeline.idle()
    waiting = points_shown(r)[-1]
    assert "Point of information from **Bob**" in waiting.text()
    await timeline.until(lambda: len(r.turns()) >= 2, within=600)
    await eventually_message(r, "1 point still waiting lapses with the end of the speech.")
    await timeline.idle()
    assert not emulator.messages[waiting.id].buttons()

    transcript = await r.slash("owner", "debate transcript")
    [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
    text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert "_Point of information from Dave, accepted" in text
    assert "Does order need justice?" in text and "And another thing!" not in text
    assert "point-refused" in text and "point-declined" in text and "point-accepted" in text


async def test_replies_take_no_points_and_a_pause_ends_the_point_heard(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await world_schools(emulator, world, timeline)
    first = await r.wait_turns(1)
    await timeline.advance(40)
    await r.click("bob", first, "Offer a point")
    shown = await eventually_message(r, "Point of information from **Bob**")
    await r.click("alice", shown, "Accept")
    await eventually_message(r, "Bob has the floor for")
    await r.slash("mod", "debate pause")
    await eventually_message(r, "Bob's point ends with the pause.")
    paused = await r.click("dave", first, "Offer a point")
    assert "The round is paused" in paused.reply.content  # type: ignore[union-attr]
    await r.slash("mod", "debate resume")
    # The replies (turns 7 and 8) have no protected time: they take no points, and show no
    # button to offer one (the service's refusal is tested in tests/db/test_round_points.py).
    for count in range(1, 7):
        await r.wait_turns(count)
        await timeline.idle()
        await r.slash("mod", "debate skip")
    reply = await r.wait_turns(7)
    assert "Opposition reply" in reply.text() and "Protected" not in reply.text()
    assert [b["label"] for b in reply.buttons()] == ["Done", "Submit speech"]
    await timeline.advance(60)
    # An earlier speech's button offers nothing now.
    stale = await r.click("alice", r.turns()[0], "Offer a point")
    assert stale.ephemeral and "That speech has ended" in stale.reply.content  # type: ignore[union-attr]


async def test_a_point_heard_when_the_bot_is_killed_is_ended_once_after_the_restart(
    emulator: Emulator, world: World, bot_process: BotProcess, clock: ManualClock
) -> None:
    bot_process.extra = {"MOOT_MESSAGE_CONTENT": "true"}
    bot_process.start()
    await wait_until_serving(emulator, world)
    r = await open_round(emulator, world, format="world-schools", pace=PACE)
    await seat(r, ["alice", "carol"], ["bob", "dave"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    # Three minutes into the four-minute speech (unprotected until 3:30): the warning at a
    # minute left shows the bot process has read the moved clock.
    clock.advance(180)
    await eventually_message(r, "1:00 left for Alice")
    offered = await r.click("bob", first, "Offer a point")
    assert offered.reply.content == "Your point is offered to Alice.", offered.reply.content  # type: ignore[union-attr]
    shown = await eventually_message(r, "Point of information from **Bob**")
    await r.click("alice", shown, "Accept")
    await eventually_message(r, "Bob has the floor for 0:08.")
    bot_process.kill()
    clock.advance(20)  # the point's time ran out while the bot was down
    bot_process.start()
    await eventually_message(r, "Bob's point is over; Alice continues.")
    # The restarted process's buttons answer: Dave offers the next point.
    again = await r.click("dave", first, "Offer a point")
    assert again.reply.content == "Your point is offered to Alice."  # type: ignore[union-attr]
    await eventually_message(r, "Point of information from **Dave**")
    assert len([m for m in r.messages() if "point is over" in m.text()]) == 1
