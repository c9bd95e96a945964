"""Planned rounds through the emulator: /round schedule creates the sign-up message and the
server's scheduled event, sign-ups fill the roster, reminders ping only who signed up,
the round starts itself with them, and reschedule, skip and cancel keep the event in step.

The clock stands still until the test moves it (emulator.timeline.Timeline), so "an hour
before" is reached by moving the clock there, and a sweep by moving it past
`sweep_seconds`. It starts at a whole hour, so "in 3 hours" is an exact instant."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from emulator import Emulator, Interaction, Message, World
from emulator.members import CommandUnavailable
from emulator.state import CREATE_EVENTS, MANAGE_EVENTS
from emulator.timeline import Timeline
from tests.e2e.conftest import Bots, eventually

MOTION = "Alliances outlast their reasons @everyone"


async def sweeps(bots: Bots, timeline: Timeline, count: int = 3) -> None:
    """Let the clock pass `count` sweeps of every cog (each sweep comes `sweep_seconds`
    after the last one ended), waiting for the bot to be idle after each."""
    for _ in range(count):
        await timeline.advance(bots.settings.sweep_seconds)


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


async def sign_up(
    emulator: Emulator, world: World, member: str, message: Message, label: str
) -> Message:
    """Press a sign-up button and wait for the bot's note that says so (a follow-up that
    arrives after the press was answered)."""
    clicked = await emulator.click(world.member(member), emulator.messages[message.id], label)
    [note] = await eventually(lambda: clicked.followups)
    assert note.ephemeral and f"You are down as **{label}**" in note.content
    return note


def said(emulator: Emulator, world: World, text: str) -> list[Message]:
    return [m for m in emulator.channel_messages(world.debates) if text in (m.content or "")]


async def test_schedule_sign_up_remind_and_start_across_a_restart(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    choices = await emulator.autocomplete(
        world.member("mod"), world.debates, "round schedule", "when", "tomorrow 19:30"
    )
    assert choices[0]["name"].startswith("✓ ") and "19:30 (UTC)" in choices[0]["name"]
    bad = await emulator.autocomplete(
        world.member("mod"), world.debates, "round schedule", "when", "blurple o'clock"
    )
    assert bad[0]["name"].startswith("✗ I cannot read")

    planned, answer = await schedule(
        emulator, world, when="in 3 hours", motion=MOTION, reminders="1h, 15m"
    )
    assert answer.ephemeral
    start = timeline.now() + timedelta(hours=3)
    [event] = events(world)
    assert event["status"] == 1 and event["entity_type"] == 3
    assert starts(event) == start
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
        await sign_up(emulator, world, member, message, label)
        await timeline.advance(5)  # members sign up one after another, in this order
    fields = {f["name"]: f["value"] for f in emulator.messages[message.id].embeds[0]["fields"]}
    assert fields["Realist"] == "Alice" and fields["Values"] == "Bob"
    assert fields["Audience"] == "Carol, Owner" and fields["Can't make it"] == "Dave"
    listed = await emulator.slash(world.member("carol"), world.debates, "round list")
    assert f"#{planned}" in listed.reply.text() and "Realist 1" in listed.reply.text()  # type: ignore[union-attr]

    # Not yet: nothing is said until the first reminder's time.
    await timeline.advance_to(start - timedelta(hours=1, seconds=1))
    assert not said(emulator, world, "⏰")
    # An hour before: the reminder pings who signed up, and nobody else.
    await timeline.advance_to(start - timedelta(hours=1))
    [first] = await eventually(lambda: said(emulator, world, "⏰"))
    ids = {world.member(n).user.id for n in ("alice", "bob", "carol", "owner")}
    assert set(first.pinged_users) == ids and not first.pinged_everyone
    assert not first.pinged_roles

    # The bot stops between the reminders, and the clock passes the 15-minute mark.
    await bots.stop()
    timeline.clock.advance_to(start - timedelta(minutes=10))
    await bots.start()
    await eventually(lambda: len(said(emulator, world, "⏰")) == 2)
    # Several sweeps later, still before the start: each reminder was sent once.
    await sweeps(bots, timeline)
    assert timeline.now() < start
    assert len(said(emulator, world, "⏰")) == 2
    # The sign-up buttons still work after the restart.
    await sign_up(emulator, world, "dave", message, "Audience")
    fields = {f["name"]: f["value"] for f in emulator.messages[message.id].embeds[0]["fields"]}
    assert fields["Audience"] == "Carol, Owner, Dave" and fields["Can't make it"] == "nobody yet"
    assert not [c for c in world.guild.channels.values() if c.name.startswith("Round ")]

    # Start time: the round opens with the speakers who signed up, and the event is live.
    await timeline.advance_to(start)
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

    # The round ends: the event is completed, by the next sweep.
    ended = await emulator.slash(world.member("mod"), thread, "debate end")
    assert ended.ephemeral
    await timeline.advance(bots.settings.sweep_seconds)
    await eventually(lambda: events(world)[0]["status"] == 3)


async def test_reschedule_skip_and_cancel_keep_the_event_in_step(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    planned, _ = await schedule(
        emulator, world, when="in 2 days", motion="Weekly realism", repeat="weekly", count=3
    )
    first_planned = timeline.now() + timedelta(days=2)
    [event] = events(world)
    moved = await emulator.slash(
        world.member("mod"), world.debates, "round reschedule", id=planned, when="in 3 days"
    )
    assert moved.ephemeral and "now starts" in moved.reply.content  # type: ignore[union-attr]
    wanted = timeline.now() + timedelta(days=3)
    await eventually(lambda: starts(events(world)[0]) == wanted)
    await timeline.idle()
    assert [e["id"] for e in events(world)] == [event["id"]]  # the same event, moved

    # One week is skipped: its event is cancelled and the next week is planned.
    skipped = await emulator.slash(world.member("mod"), world.debates, "round skip", id=planned)
    assert "The next is #" in skipped.reply.content  # type: ignore[union-attr]
    await eventually(lambda: len(events(world)) == 2)
    first, second = sorted(events(world), key=starts)
    assert first["status"] == 4 and second["status"] == 1
    # The series keeps its own rhythm: a week after the first planned time.
    assert starts(second) == first_planned + timedelta(days=7)
    nxt = int(re.search(r"The next is #(\d+)", skipped.reply.content)[1])  # type: ignore[index, union-attr]
    assert signup_message(emulator, world, nxt).buttons()

    # Cancelling one round of a series says how (and changes nothing); cancelling the
    # series ends it.
    one = await emulator.slash(world.member("mod"), world.debates, "round cancel", id=nxt)
    assert one.ephemeral and "/round skip" in one.reply.content  # type: ignore[union-attr]
    await timeline.idle()
    assert [e["status"] for e in sorted(events(world), key=starts)] == [4, 1]
    ended = await emulator.slash(
        world.member("mod"), world.debates, "round cancel", id=nxt, series=True
    )
    assert "and its series" in ended.reply.content  # type: ignore[union-attr]
    await eventually(lambda: all(e["status"] == 4 for e in events(world)))
    await sweeps(bots, timeline)
    assert len(events(world)) == 2  # nothing planned after a cancelled series
    listed = await emulator.slash(world.member("carol"), world.debates, "round list")
    assert "No rounds are planned" in listed.reply.content  # type: ignore[union-attr]
    assert all(b.get("disabled") for b in signup_message(emulator, world, nxt).buttons())


async def test_a_side_with_nobody_postpones_then_cancels(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    planned, _ = await schedule(
        emulator, world, when="in 1 hour", motion="Nobody for values", postpone=45
    )
    start = timeline.now() + timedelta(hours=1)
    await sign_up(emulator, world, "alice", signup_message(emulator, world, planned), "Realist")
    await timeline.advance_to(start)
    [notice] = await eventually(lambda: said(emulator, world, "nobody signed up for Values"))
    assert "postponed" in notice.content and not notice.pinged_users
    await eventually(lambda: starts(events(world)[0]) == start + timedelta(minutes=45))
    await timeline.idle()
    assert events(world)[0]["status"] == 1
    assert not [c for c in world.guild.channels.values() if c.name.startswith("Round ")]

    cancelling, _ = await schedule(
        emulator, world, when="in 2 hours", motion="Cancel when short", if_short="cancel"
    )
    await timeline.advance(timedelta(hours=2).total_seconds())
    await eventually(lambda: said(emulator, world, f"#{cancelling}, **Cancel when short**, is"))
    await eventually(
        lambda: [e["status"] for e in events(world) if e["name"].endswith("short")] == [4]
    )


async def an_hour_ahead_with_both_sides(
    emulator: Emulator, world: World, motion: str
) -> tuple[datetime, Message]:
    """A round planned an hour ahead with Alice for Realist and Bob for Values: its start
    and its sign-up message."""
    planned, _ = await schedule(emulator, world, when="in 1 hour", motion=motion)
    start = emulator.clock.now() + timedelta(hours=1)
    message = signup_message(emulator, world, planned)
    await sign_up(emulator, world, "alice", message, "Realist")
    await sign_up(emulator, world, "bob", message, "Values")
    return start, message


async def test_a_side_that_empties_after_the_roll_call_gets_a_new_event(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """Both sides had someone 30 s before the start, so the event went live at the start
    as Discord does; then Values withdrew. A live event cannot move back: it is ended,
    and the postponed round gets an event of its own."""
    await bots.start()
    start, message = await an_hour_ahead_with_both_sides(emulator, world, "Last-minute")
    await timeline.advance_to(start - timedelta(seconds=10))  # past the roll call
    await sign_up(emulator, world, "bob", emulator.messages[message.id], "Can't make it")
    await timeline.advance_to(start)
    await eventually(lambda: said(emulator, world, "nobody signed up for Values"))
    # The sweeper gives the new time its event.
    await timeline.until(lambda: len(events(world)) == 2, within=2 * bots.settings.sweep_seconds)
    old, new = sorted(events(world), key=lambda e: int(e["id"]))
    assert old["status"] == 3  # ended: it was live
    assert new["status"] == 1 and starts(new) == start + timedelta(minutes=30)
    await sweeps(bots, timeline)
    assert len(events(world)) == 2


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"when": "yesterday 8pm"}, "has already passed"),
        ({"when": "blurple o'clock"}, "I cannot read"),
        ({"when": "in 2 hours", "count": 3}, "pick how it repeats"),
        ({"when": "in 2 hours", "repeat": "weekly", "until": "yesterday"}, "already passed"),
        ({"when": "in 2 hours", "reminders": "soon"}, "as a reminder"),
        ({"when": "in 2 hours", "reminders": "9d"}, "7 days"),
        ({"when": "in 2 hours", "format": "chess"}, "no format"),
    ],
)
async def test_bad_plans_are_refused_and_change_nothing(
    bots: Bots,
    emulator: Emulator,
    world: World,
    timeline: Timeline,
    options: dict[str, Any],
    reason: str,
) -> None:
    await bots.start()
    before = len(emulator.channel_messages(world.debates))
    refused = await emulator.slash(
        world.member("mod"), world.debates, "round schedule", motion="A motion", **options
    )
    assert refused.ephemeral and reason in refused.reply.content  # type: ignore[union-attr]
    # Past the time it would have started: nothing was planned after all.
    await timeline.advance(timedelta(hours=2, minutes=1).total_seconds())
    assert not events(world) and len(emulator.channel_messages(world.debates)) == before


async def test_members_cannot_plan_or_change_plans(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    planned, _ = await schedule(emulator, world, when="in 2 days", motion="Members watch")
    [event] = events(world)
    for command, options in [
        ("round schedule", {"when": "in 3 days", "motion": "Mine"}),
        ("round cancel", {"id": planned}),
        ("round skip", {"id": planned}),
        ("round reschedule", {"id": planned, "when": "in 4 days"}),
    ]:
        refused = await emulator.slash(world.member("alice"), world.debates, command, **options)
        assert refused.ephemeral and "moderator" in refused.reply.content.lower()  # type: ignore[union-attr]
    await timeline.idle()
    assert [(e["status"], e["scheduled_start_time"]) for e in events(world)] == [
        (1, event["scheduled_start_time"])
    ]
    missing = await emulator.slash(world.member("mod"), world.debates, "round info", id=999)
    assert "no planned round #999" in missing.reply.content  # type: ignore[union-attr]


async def test_without_create_events_the_bot_says_so_and_does_not_retry_in_a_loop(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """Discord needs Create Events (1 << 44) to create a scheduled event; Manage Events
    alone, which an earlier README asked for, is not enough."""
    await bots.start()
    bot_role = next(r for r in world.guild.roles.values() if r.name == "moot")
    await emulator.update_role(
        world.guild, bot_role, permissions=(bot_role.permissions & ~CREATE_EVENTS) | MANAGE_EVENTS
    )
    refused = await emulator.slash(
        world.member("mod"), world.debates, "round schedule", when="in 2 days", motion="No"
    )
    assert refused.ephemeral and "Create Events permission" in refused.reply.content  # type: ignore[union-attr]
    assert not events(world) and not schedule_calls(emulator, 403)

    await emulator.update_role(
        world.guild, bot_role, permissions=bot_role.permissions | CREATE_EVENTS
    )
    planned, _ = await schedule(
        emulator, world, when="in 2 days", motion="Retry me", repeat="weekly"
    )
    # Taken away after the round was planned: the next occurrence gets its post, and no
    # event, and the bot does not knock on Discord's door at every sweep.
    await emulator.update_role(
        world.guild, bot_role, permissions=bot_role.permissions & ~CREATE_EVENTS
    )
    skipped = await emulator.slash(world.member("mod"), world.debates, "round skip", id=planned)
    nxt = int(re.search(r"The next is #(\d+)", skipped.reply.content)[1])  # type: ignore[index, union-attr]

    def posted() -> list[Message]:
        return [
            m
            for m in emulator.channel_messages(world.debates)
            if m.embeds
            and f"Planned round #{nxt} " in m.embeds[0].get("footer", {}).get("text", "")
        ]

    await eventually(posted)
    await sweeps(bots, timeline)
    assert len(events(world)) == 1 and len(posted()) == 1
    assert schedule_calls(emulator, 403) == 0
    info = await emulator.slash(world.member("alice"), world.debates, "round info", id=nxt)
    fields = {f["name"]: f["value"] for f in info.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    assert "I need the Create Events permission" in fields["Server event"]
    listed = await emulator.slash(world.member("alice"), world.debates, "round list")
    assert "no server event (I need Create Events)" in listed.reply.embeds[0]["description"]  # type: ignore[union-attr]

    # Given back: the next sweep creates the event, once; the post is not repeated.
    await emulator.update_role(
        world.guild, bot_role, permissions=bot_role.permissions | CREATE_EVENTS
    )
    await timeline.advance(bots.settings.sweep_seconds)
    await eventually(lambda: len(events(world)) == 2)
    await sweeps(bots, timeline)
    assert len(posted()) == 1 and len(events(world)) == 2 and schedule_calls(emulator, 200) == 2
    info = await emulator.slash(world.member("alice"), world.debates, "round info", id=nxt)
    fields = {f["name"]: f["value"] for f in info.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    assert fields["Server event"].startswith("https://discord.com/events/")


def schedule_calls(emulator: Emulator, status: int) -> int:
    """The bot's requests to create an event that Discord answered with `status`."""
    return sum(
        1
        for c in emulator.calls
        if c.method == "POST" and c.path.endswith("/scheduled-events") and c.status == status
    )


async def test_a_round_whose_channel_is_gone_is_cancelled_not_retried(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    # Each sign-up is noted before the channel goes (the note follows the press), so
    # nothing of the bot's is still on its way there.
    start, message = await an_hour_ahead_with_both_sides(emulator, world, "Lost channel")
    planned = int(re.search(r"#(\d+)", message.embeds[0]["footer"]["text"])[1])  # type: ignore[index]
    await timeline.idle()
    emulator.remove_channel(world.debates)
    await timeline.advance_to(start)
    # Discord put the event live at its start, and a live event cannot be cancelled:
    # the bot ends it instead.
    await eventually(lambda: events(world)[0]["status"] == 3)
    info = await emulator.slash(world.member("mod"), world.general, "round info", id=planned)
    assert "channel is gone" in info.reply.text()  # type: ignore[union-attr]
    await timeline.idle()
    calls = len(emulator.calls)
    # Several sweeps: nothing more is tried.
    await sweeps(bots, timeline)
    assert emulator.calls[calls:] == []
    assert not [c for c in world.guild.channels.values() if c.name.startswith("Round ")]


async def test_a_planned_round_keeps_the_side_the_moderator_said_proposes(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """/round schedule proposing:Values: the sign-up message says who argues for the
    motion, and the round that starts from it has Values proposing."""
    await bots.start()
    planned, _ = await schedule(
        emulator, world, when="in 1 hour", motion="This house would trade", proposing="values"
    )
    start = emulator.clock.now() + timedelta(hours=1)
    message = signup_message(emulator, world, planned)
    assert "**Values** for the motion, **Realist** against it" in message.text()
    await sign_up(emulator, world, "alice", message, "Realist")
    await sign_up(emulator, world, "bob", message, "Values")
    await timeline.advance_to(start)
    thread = await eventually(
        lambda: next((c for c in world.guild.channels.values() if c.is_thread), None)
    )
    lobby = await eventually(
        lambda: next(
            (m for m in emulator.channel_messages(thread) if "Running order" in m.text()), None
        )
    )
    assert "**Values** (for the motion)" in lobby.text()
    assert "**Realist** (against the motion)" in lobby.text()
