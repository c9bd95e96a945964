"""Rounds with a voice venue through the emulator: on a Stage the speaker is brought up and
everyone else speaking moved to the audience at every turn change, moderators untouched;
in a voice channel the debaters are server-muted unless they speak; at the end everyone
is put back and the Stage instance closed. A crash mid-turn, missing permissions, a
debater leaving and coming back, a moderator overriding by hand, and a planned round with
a Stage event."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.client import MootBot
from bot.models import FloorChange
from emulator import Emulator, World
from emulator.state import MANAGE_CHANNELS, Channel
from emulator.timeline import Timeline
from tests.e2e.conftest import BotProcess, eventually, wait_until_serving
from tests.e2e.test_planning import schedule, sign_up, signup_message
from tests.e2e.test_rounds import (
    MOTION,
    Round,
    eventually_message,
    open_round,
    result_posted,
    seat,
    voting_opens,
)

MUTE_MEMBERS, MOVE_MEMBERS = 1 << 22, 1 << 24
STAGE_MODERATOR = MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS
STAGE, VOICE = 13, 2
# The motion's @everyone shown as a word, as in a thread's name.
TOPIC = "This house would put values before interests everyone"


def venue(
    emulator: Emulator, world: World, kind: int = STAGE, allow: int = STAGE_MODERATOR
) -> Channel:
    """A Stage (or voice channel) where moot may do what `allow` lets it."""
    # On the bot's role: the emulator sends every overwrite as a role's (type 0).
    [bot_role] = world.guild.members[emulator.bot_user.id].roles
    overwrites = {bot_role: (allow, 0)} if allow else {}
    name = "debate-stage" if kind == STAGE else "debate-voice"
    return emulator.add_channel(world.guild, name, kind=kind, overwrites=overwrites)


def speaking(emulator: Emulator, world: World, channel: Channel) -> set[str]:
    """Who is up to speak on the Stage."""
    return {
        name
        for name, member in world.members.items()
        if (state := emulator.voice_state(world.guild, member.user.id)) is not None
        and state.channel_id == channel.id
        and not state.suppress
    }


def muted(emulator: Emulator, world: World) -> set[str]:
    """Who is server-muted, wherever they are connected."""
    return {
        name
        for name, member in world.members.items()
        if (state := emulator.voice_state(world.guild, member.user.id)) is not None and state.mute
    }


async def join(emulator: Emulator, world: World, channel: Channel, *names: str) -> None:
    for name in names:
        await emulator.join_voice(world.member(name), channel)


def speaker_of(r: Round, turn_content: str | None) -> str:
    return next(n for n, m in r.world.members.items() if turn_content == f"<@{m.user.id}>")


def add_member(emulator: Emulator, world: World, name: str) -> None:
    world.members[name] = emulator.add_member(world.guild, emulator.add_user(name))


async def test_world_schools_on_a_stage_holds_the_floor_turn_by_turn(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world)
    add_member(emulator, world, "erin")
    await join(emulator, world, stage, "alice", "bob", "carol", "dave", "erin", "mod")
    # Before the round: Erin is speaking on the Stage, and so is the moderator.
    await emulator.set_suppressed(world.member("erin"), False)
    await emulator.set_suppressed(world.member("mod"), False)
    r = await open_round(emulator, world, format="world-schools", timeline=timeline, venue=stage)
    await seat(r, ["alice", "carol"], ["bob", "dave"])
    await timeline.idle()
    # Nothing moves in the lobby.
    assert speaking(emulator, world, stage) == {"erin", "mod"}
    assert emulator.stage_instance(stage) is None
    await r.click("mod", r.lobby(), "Start")
    for number in range(1, 9):
        turn = await r.wait_turns(number)
        await timeline.idle()
        speaker = speaker_of(r, turn.content)
        # The speaker is up; everyone else who was speaking is in the audience, except the
        # moderator, who is never moved.
        assert speaking(emulator, world, stage) == {speaker, "mod"}, number
        instance = emulator.stage_instance(stage)
        assert instance is not None and instance.topic == TOPIC
        await r.click(speaker, turn, "Done")
    await voting_opens(r, timeline)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"mod"}  # nobody holds the floor
    await result_posted(r, timeline)
    await timeline.idle()
    # Everyone as the round found them: Erin speaking again, the debaters in the
    # audience, and the Stage instance moot opened closed.
    assert speaking(emulator, world, stage) == {"erin", "mod"}
    assert emulator.stage_instance(stage) is None
    async with bot.db.session() as session:
        rows = (await session.exec(select(FloorChange))).all()
    # Every change moot made was recorded, and is settled.
    assert {row.what for row in rows} == {"suppress"} and all(row.settled for row in rows)
    assert {row.user_id for row in rows} == {
        world.member(n).user.id for n in ("alice", "bob", "carol", "dave", "erin")
    }


async def test_in_a_voice_channel_debaters_are_muted_unless_they_speak(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    channel = venue(emulator, world, VOICE, MUTE_MEMBERS)
    await join(emulator, world, channel, "alice", "bob", "carol", "mod")
    r = await open_round(emulator, world, timeline=timeline, venue=channel)
    await seat(r, ["alice"], ["bob"])
    await r.click("carol", r.lobby(), "Audience")
    await r.click("mod", r.lobby(), "Start")
    for number in range(1, 7):
        turn = await r.wait_turns(number)
        await timeline.idle()
        speaker = speaker_of(r, turn.content)
        # Only the other debater is muted: the audience (this format lets it be heard)
        # and the moderator are not.
        assert muted(emulator, world) == {"alice", "bob"} - {speaker}, number
        await r.click(speaker, turn, "Done")
    await result_posted(r, timeline)
    await timeline.idle()
    assert muted(emulator, world) == set()
    assert emulator.stage_instance(channel) is None


async def test_kill_9_mid_turn_the_restarted_bot_follows_and_leaves_nobody_muted(
    emulator: Emulator, world: World, bot_process: BotProcess, timeline: Timeline
) -> None:
    channel = venue(emulator, world, VOICE, MUTE_MEMBERS)
    await join(emulator, world, channel, "alice", "mod")
    bot_process.start()
    await wait_until_serving(emulator, world)
    r = await open_round(emulator, world, venue=channel)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await eventually(lambda: muted(emulator, world) == set())
    bot_process.kill()
    # Bob joins while the bot is down: the restarted bot brings the floor into line with
    # the round as the database has it.
    await emulator.join_voice(world.member("bob"), channel)
    bot_process.start()
    await wait_until_serving(emulator, world)
    await eventually(lambda: muted(emulator, world) == {"bob"})
    bot_process.kill()
    # The opening's three minutes end while the bot is down again.
    timeline.clock.advance(181)
    bot_process.start()
    await r.wait_turns(2)
    # The restarted bot applies the overdue change, and the floor follows it.
    await eventually(lambda: muted(emulator, world) == {"alice"})
    # Alice leaves while muted; the round is ended early: she cannot be unmuted while
    # she is not connected, and is as soon as she comes back.
    await emulator.leave_voice(world.member("alice"))
    ended = await r.slash("mod", "debate end")
    assert ended.ephemeral
    await eventually(lambda: any("ended" in m.text() for m in r.messages()[-1:]))
    await eventually(lambda: muted(emulator, world) == set())
    await emulator.join_voice(world.member("alice"), channel)
    await eventually(lambda: muted(emulator, world) == set())


async def test_without_the_permissions_the_round_runs_as_text_and_says_why(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world, allow=0)
    await join(emulator, world, stage, "alice", "bob")
    await emulator.set_suppressed(world.member("bob"), False)
    answer = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion=MOTION, venue=stage
    )
    text = answer.reply.content  # type: ignore[union-attr]
    assert answer.ephemeral and "runs as a text round" in text
    assert "Mute Members, Move Members, Manage Channels" in text
    thread = world.guild.channels[int(re.search(r"<#(\d+)>", text)[1])]  # type: ignore[index]
    r = Round(emulator, world, thread)
    r.timeline = timeline
    assert any("runs as a text round" in m.text() for m in r.messages())
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await timeline.idle()
    # Nothing was moved, and no Stage was opened.
    assert speaking(emulator, world, stage) == {"bob"}
    assert emulator.stage_instance(stage) is None


async def test_a_debater_leaving_mid_turn_is_noted_and_brought_back_into_line(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world)
    await join(emulator, world, stage, "alice", "bob", "carol", "mod")
    r = await open_round(emulator, world, timeline=timeline, venue=stage)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}
    await emulator.leave_voice(world.member("alice"))
    await timeline.idle()
    assert any("Alice left the Stage; their turn still runs." in m.text() for m in r.messages())
    assert len(r.turns()) == 1
    await emulator.join_voice(world.member("alice"), stage)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}
    # A moderator invites Carol up by hand mid-turn: moot does not fight it...
    await emulator.set_suppressed(world.member("carol"), False)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice", "carol"}
    # ...but at the next change of the round the floor is the round's again.
    await r.click("alice", first, "Done")
    await r.wait_turns(2)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"bob"}
    ended = await r.slash("mod", "debate end")
    assert ended.ephemeral
    await timeline.idle()
    # moot undoes its own changes only: Alice and Bob back in the audience, and Carol,
    # whom it moved down after the moderator invited her up, up again.
    assert speaking(emulator, world, stage) == {"carol"}
    assert emulator.stage_instance(stage) is None


async def test_a_planned_round_on_a_stage_gets_a_stage_event_linked_to_its_instance(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world)
    planned, answer = await schedule(emulator, world, when="in 2 hours", motion=MOTION, venue=stage)
    assert answer.ephemeral
    [event] = world.guild.scheduled_events.values()
    assert event["entity_type"] == 1 and int(event["channel_id"]) == stage.id
    message = signup_message(emulator, world, planned)
    await sign_up(emulator, world, "alice", message, "Realist")
    await sign_up(emulator, world, "bob", message, "Values")
    await join(emulator, world, stage, "alice", "bob")
    await timeline.advance(2 * 3600 + 1)
    await timeline.idle()
    instance = emulator.stage_instance(stage)
    assert instance is not None and instance.guild_scheduled_event_id == int(event["id"])
    assert instance.topic == TOPIC
    assert speaking(emulator, world, stage) == {"alice"}
    ended = await emulator.slash(world.member("mod"), world.debates, "debate end")
    assert ended.ephemeral
    await timeline.idle()
    # The Stage is closed and its event over.
    assert emulator.stage_instance(stage) is None
    assert world.guild.scheduled_events[int(event["id"])]["status"] == 3


async def test_the_servers_default_venue_is_used_when_start_names_none(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    closed = venue(emulator, world, allow=0)
    refused = await emulator.slash(
        world.member("mod"), world.general, "config venue", channel=closed
    )
    assert refused.ephemeral
    assert "I'm missing Mute Members, Move Members, Manage Channels" in refused.reply.content  # type: ignore[union-attr]
    stage = venue(emulator, world)
    answer = await emulator.slash(world.member("mod"), world.general, "config venue", channel=stage)
    assert answer.ephemeral and "Venue set" in answer.reply.text()  # type: ignore[union-attr]
    await join(emulator, world, stage, "alice", "bob")
    r = await open_round(emulator, world, timeline=timeline)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}
    assert emulator.stage_instance(stage) is not None


async def test_world_schools_on_a_stage_with_points_of_information_asked_from_the_floor(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    # At pace 0.5 a speech lasts 4:00, protected for its first and last 0:30; an accepted
    # point holds the floor for 0:08. Points are asked for as on any Stage: a raised hand.
    stage = venue(emulator, world)
    await join(emulator, world, stage, "alice", "bob", "carol", "dave", "mod")
    r = await open_round(
        emulator, world, format="world-schools", pace=0.5, timeline=timeline, venue=stage
    )
    await seat(r, ["alice", "carol"], ["bob", "dave"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}
    bob = world.member("bob")

    # In protected time a raised hand is refused, with the reason, and lowered.
    await timeline.advance(10)
    await emulator.request_to_speak(bob)
    refused = await eventually_message(r, "Bob asked to speak: Protected time")
    assert "points are taken from 0:30 to 3:30" in refused.text()
    await timeline.idle()
    state = emulator.voice_state(world.guild, bob.user.id)
    assert state is not None and state.suppress and state.request_to_speak_timestamp is None
    assert speaking(emulator, world, stage) == {"alice"}

    # Outside it, the hand is a point offered to the speaker, who accepts it: Bob is
    # brought up beside Alice for the point's time, then back to the audience.
    await timeline.advance(25)
    await emulator.request_to_speak(bob)
    shown = await eventually_message(r, "Point of information from **Bob**")
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}
    await r.click("alice", shown, "Accept")
    await eventually_message(r, "accepts Bob's point")
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice", "bob"}
    await timeline.advance(8)
    await eventually_message(r, "Bob's point is over; Alice continues.")
    await timeline.idle()
    assert speaking(emulator, world, stage) == {"alice"}

    # The floor follows every turn to the end, and everyone is put back.
    await r.click("alice", first, "Done")
    for number in range(2, 9):
        turn = await r.wait_turns(number)
        await timeline.idle()
        speaker = speaker_of(r, turn.content)
        assert speaking(emulator, world, stage) == {speaker}, number
        await r.click(speaker, turn, "Done")
    await result_posted(r, timeline)
    await timeline.idle()
    assert speaking(emulator, world, stage) == set()
    assert emulator.stage_instance(stage) is None
    transcript = await r.slash("mod", "debate transcript")
    assert transcript.reply is not None


async def test_a_stage_moot_opened_is_closed_at_the_end_even_after_a_restart(
    emulator: Emulator, world: World, bot_process: BotProcess
) -> None:
    stage = venue(emulator, world)
    await join(emulator, world, stage, "alice", "bob")
    bot_process.start()
    await wait_until_serving(emulator, world)
    r = await open_round(emulator, world, venue=stage)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await eventually(lambda: emulator.stage_instance(stage) is not None)
    await eventually(lambda: speaking(emulator, world, stage) == {"alice"})
    bot_process.kill()
    bot_process.start()
    await wait_until_serving(emulator, world)
    # The restarted bot finds the Stage live: it is still the round's to close.
    turn = r.turns()[-1]
    await r.click("alice", turn, "Done")
    await r.wait_turns(2)
    await eventually(lambda: speaking(emulator, world, stage) == {"bob"})
    ended = await r.slash("mod", "debate end")
    assert ended.ephemeral
    await eventually(lambda: emulator.stage_instance(stage) is None)
    await eventually(lambda: speaking(emulator, world, stage) == set())


async def test_a_venue_holds_one_round_at_a_time(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world)
    await emulator.slash(world.member("mod"), world.general, "config venue", channel=stage)
    await join(emulator, world, stage, "alice", "bob", "carol", "dave")
    first = await open_round(emulator, world, timeline=timeline)
    # Named outright, a venue already holding an open round is refused, nothing opened.
    threads = len([c for c in world.guild.channels.values() if c.is_thread])
    refused = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion="Second", venue=stage
    )
    assert refused.ephemeral
    assert refused.reply.content == (  # type: ignore[union-attr]
        f"<#{stage.id}> is the venue of round 1, which is still open: choose another venue, "
        "or end round 1 first."
    )
    assert len([c for c in world.guild.channels.values() if c.is_thread]) == threads
    # Taken from the server's default, the second round runs as a text round and says so.
    answer = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion="Second"
    )
    assert "is the venue of round 1, which is still open: this round runs as a text round" in (
        answer.reply.content  # type: ignore[union-attr]
    )
    second = Round(
        emulator, world, world.guild.channels[int(re.findall(r"<#(\d+)>", answer.reply.content)[0])]
    )  # type: ignore[union-attr]
    await seat(first, ["alice"], ["bob"])
    await seat(second, ["carol"], ["dave"])
    await first.click("mod", first.lobby(), "Start")
    await second.click("mod", second.lobby(), "Start")
    await first.wait_turns(1)
    await second.wait_turns(1)
    await timeline.idle()
    # Only the first round's speaker is up: the second never moves anyone.
    assert speaking(emulator, world, stage) == {"alice"}


async def test_a_debater_muted_in_the_venue_is_not_muted_in_other_voice_channels(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    channel = venue(emulator, world, VOICE, MUTE_MEMBERS)
    # Discord asks for Mute Members in the channel the member is in: moot has it there too.
    lounge = venue(emulator, world, VOICE, MUTE_MEMBERS)
    await join(emulator, world, channel, "alice", "bob")
    r = await open_round(emulator, world, timeline=timeline, venue=channel)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await timeline.idle()
    assert muted(emulator, world) == {"bob"}
    # Bob steps into the lounge mid-round: the venue's mute stays in the venue.
    await emulator.join_voice(world.member("bob"), lounge)
    await timeline.idle()
    assert muted(emulator, world) == set()
    # Back in the venue, the floor applies again.
    await emulator.join_voice(world.member("bob"), channel)
    await timeline.idle()
    assert muted(emulator, world) == {"bob"}
    # Disconnected, then connected to the lounge: unmuted there too.
    await emulator.leave_voice(world.member("bob"))
    await emulator.join_voice(world.member("bob"), lounge)
    await timeline.idle()
    assert muted(emulator, world) == set()


async def test_a_stage_closed_for_silence_opens_again_when_someone_has_the_floor(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    stage = venue(emulator, world)
    await join(emulator, world, stage, "alice", "bob")
    r = await open_round(emulator, world, timeline=timeline, venue=stage)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    await timeline.idle()
    assert emulator.stage_instance(stage) is not None
    # Paused, nobody holds the floor; minutes later Discord closes the silent Stage.
    await r.slash("mod", "debate pause")
    await timeline.idle()
    assert speaking(emulator, world, stage) == set()
    await emulator.close_silent_stage(stage)
    await timeline.idle()
    assert emulator.stage_instance(stage) is None
    # Resumed: the Stage is live again, with the motion, and Alice has the floor.
    await r.slash("mod", "debate resume")
    await timeline.idle()
    instance = emulator.stage_instance(stage)
    assert instance is not None and instance.topic == TOPIC
    assert speaking(emulator, world, stage) == {"alice"}
    ended = await r.slash("mod", "debate end")
    assert ended.ephemeral
    await timeline.idle()
    assert emulator.stage_instance(stage) is None
