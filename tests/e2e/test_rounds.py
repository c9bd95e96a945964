"""Debate rounds through the emulator: the lobby, turns that run themselves at their real
lengths on the test's clock, speeches by message and by form, moderator controls, votes,
ballots and the transcript."""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import timedelta

import pytest

from bot.client import MootBot
from bot.runtime import stop
from bot.settings import Settings
from emulator import Emulator, Interaction, Message, World
from emulator.state import MANAGE_MESSAGES, Channel
from emulator.timeline import Timeline
from tests.e2e.conftest import eventually

MOTION = "This house would put values before interests @everyone"


# The bot with the Message Content intent, so speeches are recorded from messages.
pytestmark = pytest.mark.reads_messages


class Round:
    """A round as members see it: its thread and the messages the bot posted there."""

    def __init__(self, emulator: Emulator, world: World, thread: Channel) -> None:
        self.emulator = emulator
        self.world = world
        self.thread = thread
        self.timeline: Timeline | None = None

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

    def moved_past(self, turns: int) -> bool:
        """A turn after the first `turns` was announced, or the vote opened."""
        voting = any("Voting is open" in m.text() for m in self.messages())
        return len(self.turns()) > turns or voting

    def latest(self, containing: str) -> Message:
        return [m for m in self.messages() if containing in m.text()][-1]

    async def click(self, member: str, message: Message, label: str) -> Interaction:
        return await self.emulator.click(
            self.world.member(member), self.emulator.messages[message.id], label
        )

    async def slash(self, who: str, command: str, /, **options: object) -> Interaction:
        return await self.emulator.slash(self.world.member(who), self.thread, command, **options)

    async def wait_turns(self, count: int) -> Message:
        """Until `count` turns were announced (with a timeline: letting the clock run)."""
        if self.timeline is not None:
            await self.timeline.until(lambda: len(self.turns()) >= count, within=3600)
        else:
            await eventually(lambda: len(self.turns()) >= count)
        return self.turns()[count - 1]


async def open_round(
    emulator: Emulator,
    world: World,
    motion: str = MOTION,
    timeline: Timeline | None = None,
    **options: object,
) -> Round:
    answer = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion=motion, **options
    )
    assert answer.ephemeral and "is open in" in answer.reply.content, answer.reply  # type: ignore[union-attr]
    thread_id = int(re.search(r"<#(\d+)>", answer.reply.content)[1])  # type: ignore[index, union-attr]
    thread = world.guild.channels[thread_id]
    r = Round(emulator, world, thread)
    r.timeline = timeline
    return r


async def test_a_round_runs_itself_records_speeches_and_the_audience_decides(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, timeline=timeline)
    lobby = r.lobby()
    assert "Realist vs Values" in lobby.text() and "1. Realist · Opening · 3:00" in lobby.text()
    assert "Lobby: up to 1 speaker a side." in lobby.text()
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
    assert "**Realist** (for the motion): Alice" in r.lobby().text()
    assert "**Values** (against the motion): Bob" in r.lobby().text()
    started = await r.click("mod", r.lobby(), "Start")
    # One answer acknowledges the press and shows the lobby as started, buttons gone.
    assert started.response_type == 7 and not started.errors
    shown = emulator.messages[lobby.id]
    assert "Under way." in shown.text() and not shown.buttons()
    first = await r.wait_turns(1)
    assert first.content == f"<@{world.member('alice').user.id}>"
    assert "**Alice** has the floor · Realist, for the motion" in first.text()
    assert "Post your speech in this thread, or use Submit speech" in first.text()
    assert first.pinged_users == [world.member("alice").user.id]
    ends = int(re.search(r"Ends <t:(\d+):R>", first.text())[1])  # type: ignore[index]
    assert ends == int((timeline.now() + timedelta(minutes=3)).timestamp())
    await emulator.post(world.member("alice"), r.thread, "Interests come first.")
    out_of_turn = await emulator.post(world.member("bob"), r.thread, "Out of turn!")
    heckle = await emulator.post(world.member("carol"), r.thread, "Heckling from the audience")
    # Removed: moot may manage messages, and this format keeps the audience quiet.
    await timeline.idle()
    assert out_of_turn.deleted and heckle.deleted
    # Nothing moves until the clock does: the opening lasts its three minutes.
    await timeline.advance(179)
    assert len(r.turns()) == 1
    await timeline.advance(1)
    assert len(r.turns()) == 2
    # Six turns of one to three minutes run by themselves, then the vote opens.
    voting = await voting_opens(r, timeline)
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
    # The vote stays open for its two minutes, then the result goes out.
    await timeline.advance(119)
    assert not has_message(r, "Result:")
    result = await result_posted(r, timeline)
    assert "Winner: **Realist** (for the motion), by 2 votes" in result.text()
    transcript = await r.slash("alice", "debate transcript")
    [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
    text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert text.startswith(f"# {MOTION}") and "Interests come first." in text
    assert "Out of turn!" not in text and "After: Realist 2, Values 0" in text


def has_message(r: Round, containing: str) -> bool:
    return any(containing in m.text() for m in r.messages())


async def voting_opens(r: Round, timeline: Timeline, within: float = 3 * 3600) -> Message:
    """Let the round's turns run out on the clock, until the vote opens."""
    await timeline.until(lambda: has_message(r, "Voting is open"), within=within)
    return r.latest("Voting is open")


async def result_posted(r: Round, timeline: Timeline, within: float = 3600) -> Message:
    """Let the vote run out on the clock, until the result is posted."""
    await timeline.until(lambda: has_message(r, "Result:"), within=within)
    return r.latest("Result:")


async def eventually_message(r: Round, containing: str) -> Message:
    await eventually(lambda: has_message(r, containing))
    return r.latest(containing)


async def started_round(emulator: Emulator, world: World, **options: object) -> Round:
    """A round opened by the moderator with Alice (Realist) and Bob (Values), started."""
    r = await open_round(emulator, world, **options)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    return r


async def seat(r: Round, realist: list[str], values: list[str]) -> None:
    for name in realist:
        await r.click(name, r.lobby(), "Join Realist")
    for name in values:
        await r.click(name, r.lobby(), "Join Values")


async def play_through(r: Round, mod: str = "mod") -> int:
    """Finish every turn at once: the speaker presses Done; a moderator skips preparation."""
    played = 0
    while True:
        await eventually(functools.partial(r.moved_past, played))
        if len(r.turns()) == played:
            return played
        turn = r.turns()[played]
        played += 1
        if "Preparation time" in turn.text():
            skipped = await r.slash(mod, "debate skip")
            assert skipped.ephemeral and "Skipped " in skipped.reply.content  # type: ignore[union-attr]
            continue
        speaker = next(
            (
                name
                for name, member in r.world.members.items()
                if turn.content == f"<@{member.user.id}>"
            ),
            None,
        )
        if speaker is None:  # a grand crossfire: every speaker holds the floor
            await r.slash(mod, "debate skip")
            continue
        await r.click(speaker, turn, "Done")


@pytest.mark.parametrize(
    ("fmt", "turns", "realist", "values"),
    [
        ("realist-vs-values", 6, ["alice"], ["bob"]),
        ("oxford", 6, ["alice", "carol"], ["bob", "dave"]),
        ("lincoln-douglas", 7, ["alice"], ["bob"]),
        ("karl-popper", 11, ["alice", "carol"], ["bob"]),
        ("world-schools", 8, ["alice", "carol"], ["bob", "dave"]),
        ("public-forum", 11, ["alice", "carol"], ["bob", "dave"]),
    ],
)
async def test_every_shipped_format_plays_through_to_a_result(
    bot: MootBot,
    emulator: Emulator,
    world: World,
    timeline: Timeline,
    fmt: str,
    turns: int,
    realist: list[str],
    values: list[str],
) -> None:
    r = await open_round(emulator, world, format=fmt, timeline=timeline)
    await seat(r, realist, values)
    if fmt == "oxford":
        await r.click("owner", r.lobby(), "Before: Values")
    await r.click("mod", r.lobby(), "Start")
    assert await play_through(r) == turns
    voting = r.latest("Voting is open")
    judged = fmt in ("lincoln-douglas", "karl-popper", "world-schools", "public-forum")
    assert ("submit a ballot" in voting.text()) == judged
    await r.click("owner", voting, "Realist · 0")
    result = await result_posted(r, timeline)
    assert "Winner: **Realist**" in result.text()
    if fmt == "oxford":
        assert "Realist share 0% → 100% (+100 points)" in result.text()
    if judged:
        assert "No ballot was submitted, so the audience vote decided." in result.text()
    # The vote closes right after the result goes out: it says so, its buttons disabled.
    await timeline.idle()
    assert all(b.get("disabled") for b in r.latest("Voting is closed").buttons())
    # A side with fewer speakers than the format has: its speakers take every turn of it.
    if fmt == "karl-popper":
        speakers = [t.content for t in r.turns() if t.content]
        assert speakers.count(f"<@{world.member('bob').user.id}>") == 5
    if fmt == "public-forum":
        # The grand crossfire calls all four speakers, and gives every one the floor.
        grand = next(t for t in r.turns() if "Grand crossfire" in t.text())
        assert "**Every speaker** has the floor: Alice, Carol, Bob and Dave" in grand.text()
        assert sorted(grand.pinged_users) == sorted(
            world.member(n).user.id for n in ("alice", "carol", "bob", "dave")
        )


async def test_moderator_controls_pause_resume_extend_skip_and_end(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, timeline=timeline)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)  # a three-minute opening
    await timeline.advance(20)
    refused = await r.slash("alice", "debate pause")
    assert "Only moderators" in refused.reply.content  # type: ignore[union-attr]
    await r.slash("mod", "debate pause")
    paused = await eventually_message(r, "is paused with")
    assert "paused with 2:40 left in Opening" in paused.text()
    again = await r.slash("mod", "debate pause")
    assert "already paused" in again.reply.content  # type: ignore[union-attr]
    # Ten minutes pass, far beyond the opening's end: the paused turn stays where it was.
    await timeline.advance(600)
    assert len(r.turns()) == 1
    status = await r.slash("carol", "debate status")
    assert "paused with 2:40" in status.reply.text()  # type: ignore[union-attr]
    await r.slash("mod", "debate resume")
    await eventually_message(r, "resumes")
    extended = await r.slash("mod", "debate extend", seconds=30)
    assert extended.reply.content == "Added 30 seconds to Opening."  # type: ignore[union-attr]
    await eventually_message(r, "extended by 30 seconds")
    # Resumed with 2:40 and extended by 30 s: the turn ends 3:10 after the resume.
    await timeline.advance(189)
    assert len(r.turns()) == 1
    await timeline.advance(1)
    assert len(r.turns()) == 2
    # Two moderators press Skip at once: the round moves one turn.
    await asyncio.gather(r.slash("mod", "debate skip"), r.slash("owner", "debate skip"))
    await timeline.idle()
    assert len(r.turns()) == 3
    assert len([m for m in r.messages() if "skipped" in m.text()]) == 1
    wrong = await r.click("bob", r.turns()[2], "Done")  # Alice's rebuttal
    assert "Only the speaker" in wrong.reply.content  # type: ignore[union-attr]
    await r.slash("mod", "debate end")
    await eventually_message(r, "ended the round early")
    over = await r.slash("mod", "debate skip")
    assert "No turn is under way" in over.reply.content  # type: ignore[union-attr]
    late = await r.click("alice", r.turns()[2], "Done")
    assert late.ephemeral
    # Ended: however long passes, no turn is announced and no vote opens.
    await timeline.advance(3600)
    assert len(r.turns()) == 3 and not has_message(r, "Voting is open")


async def test_speech_by_form_without_the_intent_and_ballots_checked_whole(
    bot_settings: Settings, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    client, task = await timeline.start(bot_settings)
    try:
        r = await open_round(emulator, world, format="lincoln-douglas", timeline=timeline)
        await seat(r, ["alice"], ["bob"])
        await r.click("mod", r.lobby(), "Start")
        first = await r.wait_turns(1)
        # Messages are not read: the turn says what records a speech.
        assert "Post your speech in this thread" not in first.text()
        assert "Use Submit speech to put your speech on the record" in first.text()
        form = await r.click("alice", first, "Submit speech")
        assert form.modal is not None
        sent = await emulator.submit_modal(
            world.member("alice"), form, {"speech": "Order before justice. @everyone"}
        )
        assert sent.reply is not None and not sent.reply.pinged_everyone
        assert "Order before justice" in sent.reply.text()
        wrong = await r.click("bob", first, "Submit speech")
        assert "not your turn" in wrong.reply.content  # type: ignore[union-attr]
        # Without the intent, a message's text never reaches the bot: nothing is recorded.
        await emulator.post(world.member("alice"), r.thread, "typed, not recorded")
        await play_through(r)
        voting = r.latest("Voting is open")
        denied = await r.click("carol", voting, "Submit ballot")
        assert "Only moderators and the round's judges" in denied.reply.content  # type: ignore[union-attr]
        ballot = await r.click("mod", voting, "Submit ballot")
        assert ballot.modal is not None
        template = next(
            c["value"]
            for row in ballot.modal["components"]
            for c in row["components"]
            if c["custom_id"] == "points"
        )
        assert template == "Alice (Realist): \nBob (Values): "
        bad = await emulator.submit_modal(
            world.member("mod"),
            ballot,
            {"winner": "Neither", "points": "Alice (Realist): 31\nBob (Values): 24", "reason": ""},
        )
        problems = bad.reply.content  # type: ignore[union-attr]
        assert bad.ephemeral and "Winner must be Realist or Values" in problems
        assert "31 is outside 25-30" in problems and "Give a reason" in problems
        # What was typed comes back, to copy into the form again.
        assert "What you typed, to copy and submit again:\n```\nWinner: Neither" in problems
        assert "Alice (Realist): 31\nBob (Values): 24" in problems
        ballot = await r.click("mod", voting, "Submit ballot")  # the form closed: open it again
        good = await emulator.submit_modal(
            world.member("mod"),
            ballot,
            {"winner": "values", "points": "Alice: 27\nBob: 29", "reason": "Clearer framework."},
        )
        assert "ballot is recorded" in good.reply.content  # type: ignore[union-attr]
        await r.click("carol", voting, "Realist · 0")
        await r.click("dave", r.latest("Voting is open"), "Realist · 1")
        async with client.db.session() as session:
            from bot.services import rounds as service

            round_id = await service.round_here(world.guild.id, r.thread.id, session=session)
            fmt = client.formats["lincoln-douglas"]
            decision = await service.decide(round_id, fmt, session=session)
        # Judges decide Lincoln-Douglas: one ballot for Values beats two audience votes.
        assert (
            decision.winner == "values" and "Speaker points: Bob 29, Alice 27" in decision.summary
        )
        transcript = await r.slash("alice", "debate transcript")
        [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
        text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
        assert "Order before justice" in text and "typed, not recorded" not in text
        assert "Mod: Values; Alice 27, Bob 29. Clearer framework." in text
    finally:
        await stop(client, task)


async def test_judges_and_removing_a_speaker(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await open_round(emulator, world, format="lincoln-douglas", timeline=timeline)
    await seat(r, ["alice"], ["bob"])
    await r.click("carol", r.lobby(), "Audience")
    judged = await r.slash("mod", "debate judge", member=world.member("carol"))
    assert "Carol judges round" in judged.reply.content  # type: ignore[union-attr]
    await eventually(lambda: "**Judges**: Carol" in r.lobby().text())  # the lobby follows
    speaker = await r.slash("mod", "debate judge", member=world.member("alice"))
    assert "is speaking in this round" in speaker.reply.content  # type: ignore[union-attr]
    switch = await r.click("carol", r.lobby(), "Join Values")
    assert "You are judging this round" in switch.reply.content  # type: ignore[union-attr]
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    removed = await r.slash("mod", "debate remove", member=world.member("alice"))
    assert removed.ephemeral
    await eventually_message(r, "A moderator removed Alice from the round")
    # One pair of messages: the member removed, then their turn ending (no turn "removed").
    await timeline.idle()
    assert has_message(r, "Affirmative constructive ends here: its speaker is no longer in")
    assert not has_message(r, "constructive was removed")
    # Bob cross-examines; then the negative constructive; the affirmative's later turns
    # have nobody left and are passed over.
    second = await r.wait_turns(2)
    assert second.content == f"<@{world.member('bob').user.id}>"
    await play_through(r)
    passed = [m for m in r.messages() if "is passed over" in m.text()]
    assert len(passed) == 3  # cross-examination by, and both rebuttals of, the affirmative
    voting = r.latest("Voting is open")
    ballot = await r.click("carol", voting, "Submit ballot")
    assert ballot.modal is not None
    done = await emulator.submit_modal(
        world.member("carol"),
        ballot,
        {"winner": "Values", "points": "Bob: 28", "reason": "The affirmative left."},
    )
    assert "ballot is recorded" in done.reply.content  # type: ignore[union-attr]


async def test_without_manage_messages_out_of_turn_messages_are_flagged_not_recorded(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    bot_role = next(role for role in world.guild.roles.values() if role.name == "moot")
    emulator.set_overwrites(world.debates, {bot_role.id: (0, MANAGE_MESSAGES)})
    await emulator.settle()
    r = await open_round(emulator, world, channel=world.debates)
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    await r.wait_turns(1)
    early = await emulator.post(world.member("bob"), r.thread, "Let me interrupt.")
    flag = await eventually_message(r, "Not your turn")
    assert flag.data["message_reference"]["message_id"] == str(early.id)
    assert not early.deleted and flag.pinged_users == []
    transcript = await r.slash("carol", "debate transcript")
    [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
    text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert "Let me interrupt." not in text and "out-of-turn" in text


async def test_a_command_sent_after_a_turn_was_announced_applies_to_that_turn(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await started_round(emulator, world, timeline=timeline)
    await r.wait_turns(1)
    first = await r.slash("mod", "debate skip")
    assert first.reply.content == "Skipped Opening."  # type: ignore[union-attr]
    # Once the next turn is announced, a moderator who sees it can skip or extend it.
    await r.wait_turns(2)
    await timeline.idle()
    extended = await r.slash("owner", "debate extend", seconds=60)
    assert extended.reply.content == "Added 60 seconds to Opening."  # type: ignore[union-attr]
    again = await r.slash("owner", "debate skip")
    assert again.reply.content == "Skipped Opening."  # type: ignore[union-attr]
    rebuttal = await r.wait_turns(3)  # Alice's
    await r.click("alice", rebuttal, "Done")
    # A second press of the same Done finishes nothing more.
    repeat = await r.click("alice", rebuttal, "Done")
    assert "Rebuttal (turn 3) has already ended" in repeat.reply.content  # type: ignore[union-attr]
    await timeline.idle()
    assert len(r.turns()) == 4


async def test_two_moderators_skipping_at_the_same_moment_skip_one_turn(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    # Both commands exist before moot hears of either: the second was sent while the
    # first turn was still the one on screen, so it must not skip the next turn too.
    r = await started_round(emulator, world, timeline=timeline)
    await r.wait_turns(1)
    await timeline.idle()
    first, second = await emulator.slash_at_once(
        (world.member("mod"), r.thread, "debate skip", {}),
        (world.member("owner"), r.thread, "debate skip", {}),
    )
    answers = sorted([first.reply.content, second.reply.content])  # type: ignore[union-attr]
    assert answers[1] == "Skipped Opening.", answers
    assert answers[0].startswith("Opening (turn 1) has already ended"), answers
    assert first.ephemeral and second.ephemeral
    await timeline.idle()
    assert len(r.turns()) == 2


async def test_a_skip_sent_before_the_next_turn_was_announced_skips_nothing_more(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    # The owner's skip is sent a moment after the moderator's but reaches moot only once
    # the moderator's has skipped Opening and the next turn is announced: it meant the
    # turn the owner saw, which has ended, so it skips nothing.
    r = await started_round(emulator, world, timeline=timeline)
    await r.wait_turns(1)
    await timeline.idle()
    late = await emulator.slash_sent_now(world.member("owner"), r.thread, "debate skip", {})
    first = await r.slash("mod", "debate skip")
    assert first.reply.content == "Skipped Opening."  # type: ignore[union-attr]
    await r.wait_turns(2)
    await timeline.idle()
    second = await emulator.deliver(late)
    assert second.ephemeral
    assert second.reply.content.startswith(  # type: ignore[union-attr]
        "Opening (turn 1) has already ended; Opening (turn 2) is under way."
    )
    await timeline.idle()
    assert len(r.turns()) == 2


async def test_skip_while_paused_says_the_round_runs_again(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    r = await started_round(emulator, world, timeline=timeline)
    await r.wait_turns(1)
    await timeline.advance(20)
    await r.slash("mod", "debate pause")
    await eventually_message(r, "is paused with")
    skipped = await r.slash("mod", "debate skip")
    assert skipped.reply.content == (  # type: ignore[union-attr]
        "Skipped Opening. The round was paused: the clock runs again from the next turn."
    )
    said = await eventually_message(r, "A moderator skipped Opening.")
    assert "The round was paused: the clock runs again from here." in said.text()
    second = await r.wait_turns(2)
    assert "Ends <t:" in second.text()
    resumed = await r.slash("mod", "debate resume")
    assert "not paused" in resumed.reply.content  # type: ignore[union-attr]
    # The next turn runs its full three minutes from the skip.
    await timeline.advance(179)
    assert len(r.turns()) == 2
    await timeline.advance(1)
    assert len(r.turns()) == 3


async def test_a_refused_speech_is_handed_back_to_copy(
    bot_settings: Settings, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    client, task = await timeline.start(bot_settings)
    try:
        r = await started_round(emulator, world, timeline=timeline)
        first = await r.wait_turns(1)
        form = await r.click("alice", first, "Submit speech")
        await r.slash("mod", "debate skip")  # the turn ends while Alice types
        refused = await emulator.submit_modal(
            world.member("alice"), form, {"speech": "Order before justice."}
        )
        text = refused.reply.content  # type: ignore[union-attr]
        assert refused.ephemeral and text.startswith("It is not your turn to speak.")
        assert text.endswith("to copy and submit again:\n```\nOrder before justice.\n```")
    finally:
        await stop(client, task)
