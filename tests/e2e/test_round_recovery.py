"""Rounds through crashes and refusals: a bot killed mid-turn and mid-vote, a round opened
again after a crash, a thread Discord refuses, a round saved but never opened, and a result
posted just before a crash."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, select, update

from bot.actions.rounds.opening import open_thread
from bot.client import MootBot
from bot.db import Database
from bot.formats import DEFAULT_FORMAT
from bot.models import Round as RoundRow
from bot.models import Speech
from bot.services import rounds
from emulator import Emulator, ManualClock, World
from emulator.state import CREATE_PUBLIC_THREADS
from emulator.timeline import Timeline
from tests.e2e.conftest import BotProcess, Bots, wait_until_serving
from tests.e2e.test_rounds import (
    MOTION,
    Round,
    eventually_message,
    has_message,
    open_round,
    play_through,
    result_posted,
    seat,
    started_round,
    voting_opens,
)

# The bot with the Message Content intent, so speeches are recorded from messages.
pytestmark = pytest.mark.reads_messages


async def recorded(url: str) -> list[str]:
    """The speeches in the database at `url`, as a bot in another process saved them."""
    db = Database(url)
    try:
        async with db.session() as session:
            return list((await session.exec(select(Speech.content))).all())
    finally:
        await db.close()


async def eventually_recorded(url: str, speech: str) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while speech not in await recorded(url):
        assert asyncio.get_running_loop().time() < deadline, f"never recorded: {speech}"
        await asyncio.sleep(0.02)


async def test_kill_9_mid_turn_and_mid_vote_loses_nothing(
    emulator: Emulator, world: World, bot_process: BotProcess, clock: ManualClock
) -> None:
    """The bot as its own process, on the test's clock through the clock file: killed in
    the middle of the opening and again with the vote open, nothing is lost or doubled."""
    url = bot_process.settings.database_url
    bot_process.extra = {"MOOT_MESSAGE_CONTENT": "true"}
    bot_process.start()
    await wait_until_serving(emulator, world)
    r = await open_round(emulator, world)  # openings of 3 minutes, a vote of 2
    await seat(r, ["alice"], ["bob"])
    await r.click("mod", r.lobby(), "Start")
    first = await r.wait_turns(1)
    clock.advance(60)
    await emulator.post(world.member("alice"), r.thread, "Spoken before the crash.")
    await eventually_recorded(url, "Spoken before the crash.")
    bot_process.kill()
    # The speaker goes on while the bot is down: read back from the thread after the
    # restart. Then the opening's deadline passes; what is said after it is not a speech.
    clock.advance(60)
    await emulator.post(world.member("alice"), r.thread, "Spoken while the bot was down.")
    clock.advance(61)  # the opening ended while the bot was down
    await emulator.post(world.member("alice"), r.thread, "Past the deadline, while down.")
    assert len(r.turns()) == 1
    bot_process.start()
    second = await r.wait_turns(2)
    assert second.content == f"<@{world.member('bob').user.id}>"
    # The old process's buttons work in the new one.
    stale = await r.click("alice", first, "Done")
    assert "already ended" in stale.reply.content  # type: ignore[union-attr]
    await emulator.post(world.member("bob"), r.thread, "Spoken after the restart.")
    await eventually_recorded(url, "Spoken after the restart.")
    await play_through(r)
    voting = r.latest("Voting is open")
    await r.click("carol", voting, "Values · 0")
    form = await r.click("mod", voting, "Submit ballot")  # opened before the crash
    bot_process.kill()
    clock.advance(30)  # down for half a minute of the two-minute vote
    bot_process.start()
    await wait_until_serving(emulator, world)
    await r.click("dave", r.latest("Voting is open"), "Values · 1")
    # ...and submitted after it: the new process takes it.
    ballot = {"winner": "values", "points": "Alice: 27\nBob: 28", "reason": "Filed late."}
    sent = await emulator.submit_modal(world.member("mod"), form, ballot)
    assert "Your ballot is recorded" in sent.reply.content  # type: ignore[union-attr]
    assert not has_message(r, "Result:")
    clock.advance(90)  # the vote's end
    result = await eventually_message(r, "Result:")
    assert "Audience: Realist 0 · Values 2" in result.text()
    transcript = await r.slash("alice", "debate transcript")
    [attachment] = transcript.reply.data["attachments"]  # type: ignore[union-attr]
    text = transcript.reply.attachments[attachment["filename"]].decode()  # type: ignore[union-attr]
    assert "Spoken before the crash." in text and "Spoken after the restart." in text
    assert "Spoken while the bot was down." in text and "Past the deadline" not in text
    assert "Filed late." in text
    # Each change was announced once: the overdue end of the opening applied by the
    # restarted process once, six turns in all, one result (the result is the round's
    # last announcement, posted after every turn's).
    assert [t.content for t in r.turns()] == [
        f"<@{world.member(name).user.id}>" for name in ["alice", "bob"] * 3
    ]
    assert len([m for m in r.messages() if "Result:" in m.text()]) == 1


async def test_opening_a_round_again_after_a_crash_opens_nothing_twice(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    """A process killed after opening the thread but before saving it opens it again on
    recovery: the same opener, thread and lobby come back, none doubled."""
    r = await open_round(emulator, world)
    async with bot.db.session() as session:
        view = await rounds.get_round(
            await rounds.round_here(world.guild.id, r.thread.id, session=session),
            session=session,
        )
    before = len(emulator.messages), len(world.guild.channels)
    again = await open_thread(bot, view, bot.formats[view.format_key])
    assert again.thread_id == r.thread.id and again.lobby_message_id == view.lobby_message_id
    assert (len(emulator.messages), len(world.guild.channels)) == before


async def test_a_round_whose_thread_discord_refuses_is_not_left_open(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    """The bot's cached permissions say it may open threads, but Discord refuses (the
    role changed, and the update has not reached the bot yet). The moderator is told why,
    and no lobby that nobody can see is left counting as an open round."""
    roles = [world.guild.roles[world.guild.id]]  # @everyone
    roles += [r for r in world.guild.roles.values() if r.name == "moot"]
    allowed = [role.permissions for role in roles]
    for role in roles:  # on Discord's side only, for now
        role.permissions &= ~CREATE_PUBLIC_THREADS
    refused = await emulator.slash(
        world.member("mod"), world.general, "debate start", motion=MOTION
    )
    assert refused.ephemeral
    assert "could not open the round's thread" in refused.reply.content  # type: ignore[union-attr]
    assert "not allowed" in refused.reply.content  # type: ignore[union-attr]
    status = await emulator.slash(world.member("alice"), world.general, "debate status")
    assert "No round is open" in status.reply.content  # type: ignore[union-attr]
    async with bot.db.session() as session:
        [row] = (await session.exec(select(RoundRow))).all()
    assert row.status == "ended" and row.thread_id is None

    # Given the permission back, the next /debate start opens the one round there is.
    for role, permissions in zip(roles, allowed, strict=True):
        await emulator.update_role(world.guild, role, permissions=permissions)
    r = await open_round(emulator, world)
    status = await emulator.slash(world.member("alice"), world.general, "debate status")
    assert MOTION[:40] in status.reply.embeds[0]["title"]  # type: ignore[union-attr]
    assert r.lobby() is not None


async def test_a_round_saved_but_never_opened_is_opened_or_ended_by_the_sweep(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """The process stopped between saving a round and opening it (the moderator's
    /debate start was never answered). A sweep a minute later opens it: opener, thread
    and lobby, once. One whose channel is gone meanwhile is ended instead, so neither is
    left as a lobby nobody can see."""
    fmt = bot.formats[DEFAULT_FORMAT]
    mod = world.member("mod").user.id
    async with bot.db.session() as session:
        half_open = await rounds.create_round(
            world.guild.id,
            world.general.id,
            motion=MOTION,
            fmt=fmt,
            pace=1.0,
            by=mod,
            now=bot.clock.now(),
            session=session,
        )
        channel_gone = await rounds.create_round(
            world.guild.id,
            emulator.ids.next(),  # no such channel (any longer)
            motion="This house regrets the channel",
            fmt=fmt,
            pace=1.0,
            by=mod,
            now=bot.clock.now(),
            session=session,
        )

    async def state() -> dict[int, tuple[str, int | None]]:
        async with bot.db.session() as session:
            views = await rounds.load_rounds([half_open.id, channel_gone.id], session=session)
        return {i: (v.status.value, v.thread_id) for i, v in views.items()}

    await timeline.advance(30)  # a sweep, but too soon to tell a stopped process
    assert await state() == {half_open.id: ("lobby", None), channel_gone.id: ("lobby", None)}
    await timeline.advance(60 + bot.settings.sweep_seconds)
    after = await state()
    assert after[channel_gone.id] == ("ended", None)
    status, thread_id = after[half_open.id]
    assert status == "lobby" and thread_id is not None
    r = Round(emulator, world, world.guild.channels[thread_id])
    assert MOTION[:40] in r.lobby().text()
    openers = [m for m in emulator.channel_messages(world.general) if "Debate:" in m.text()]
    assert len(openers) == 1
    # Open like any other round: members join from its lobby.
    await r.click("alice", r.lobby(), "Join Realist")
    assert "**Realist** (for the motion): Alice" in r.lobby().text()


async def test_a_result_posted_before_a_crash_is_not_posted_again_an_hour_later(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """The process posted the result and died before saving its id; the bot is down for
    an hour, far longer than Discord remembers a nonce. The sweeper's resend finds the
    result in the thread instead of posting it twice."""
    client = await bots.start()
    r = await started_round(emulator, world)
    await play_through(r)
    await voting_opens(r, timeline)
    result = await result_posted(r, timeline)
    async with client.db.session() as session:
        round_id = await rounds.round_here(world.guild.id, r.thread.id, session=session)
        await session.exec(
            update(RoundRow).where(col(RoundRow.id) == round_id).values(result_message_id=None)
        )
    await bots.stop()
    timeline.clock.advance(3600)
    client = await bots.start()
    for _ in range(3):
        await timeline.advance(bots.settings.sweep_seconds)
    assert [m.id for m in r.messages() if "Result:" in m.text()] == [result.id]
    async with client.db.session() as session:
        view = await rounds.get_round(round_id, session=session)
    assert view.result_message_id == result.id
