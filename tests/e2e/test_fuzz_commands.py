"""Every slash command, with options drawn by hypothesis (200 examples a command) within
what Discord's client lets a member send: each gets an answer, none hits an unhandled
exception (nothing logged as an error, no "something went wrong"), and every refusal is
ephemeral. Members and moderators, in a plain channel and in a round's thread."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.client import MootBot
from bot.replies import UNEXPECTED
from emulator import Emulator, Message, World
from emulator.state import Channel
from emulator.timeline import Timeline
from tests.e2e.test_rounds import Round, started_round

# Every slash command moot registers (test_the_list_is_every_command keeps it complete).
COMMANDS = [
    "help",
    "config show",
    "config moderator-role",
    "config timezone",
    "config debate-channel",
    "config venue",
    "quote search",
    "quote random",
    "quote member",
    "quote show",
    "quote delete",
    "quote export",
    "quote import",
    "corpus add",
    "corpus list",
    "corpus show",
    "corpus edit",
    "corpus remove",
    "excerpt setup",
    "excerpt now",
    "excerpt preview",
    "excerpt pause",
    "excerpt resume",
    "excerpt disable",
    "excerpt status",
    "debate formats",
    "debate start",
    "debate join",
    "debate leave",
    "debate yield",
    "debate prep",
    "debate status",
    "debate transcript",
    "debate pause",
    "debate resume",
    "debate extend",
    "debate skip",
    "debate remove",
    "debate end",
    "debate judge",
    "round schedule",
    "round list",
    "round info",
    "round cancel",
    "round skip",
    "round reschedule",
    "scores season new",
    "scores leaderboard",
    "scores member",
    "scores sides",
    "scores adjust",
]
EXAMPLES = 200
BASE_MOTION = "The round every example shares"
# Every example of a test runs on the same bot (function-scoped fixtures), the same way
# each time: a failure here is a failure in CI.
FUZZED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text that has broken bots before: markup, mentions, search syntax, control characters,
# right-to-left marks, emoji, dates that are not dates.
NASTY = [
    "@everyone",
    "<@&1> <@1> <#1>",
    '") OR 1=1 --',
    "NEAR(a b) * ^ : {x}",
    "\u202etxet\u202c",
    "🏳️‍🌈" * 20,
    "tomorrow 25:61",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Europe/Atlantis",
    "in 999999 years",
    "```\n" + "x" * 50 + "\n```",
    "a\x00b",
]


class ErrorLog(logging.Handler):
    """Keeps what moot logs at ERROR or above while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def errors_logged() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def declared_options(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    """The options of `/name` as moot registered them with Discord."""
    words = name.split()
    command = next(c for c in emulator.global_commands if c["name"] == words[0])
    options = command.get("options") or []
    for word in words[1:]:
        options = next(o for o in options if o["name"] == word).get("options") or []
    return list(options)


def text_values(option: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = option.get("min_length", 1), option.get("max_length", 6000)
    fits = [t for t in NASTY if low <= len(t.strip()) <= high]
    # What a member can type: Discord's client trims it and sends nothing blank.
    typed = st.text(min_size=max(1, low), max_size=min(high, 120)).filter(
        lambda t: max(1, low) <= len(t.strip()) <= high
    )
    return typed | st.sampled_from(fits or ["x" * max(1, low)]) | st.just("y" * high)


def number_values(option: dict[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    low = option.get("min_value", -(2**53) if integer else -1e15)
    high = option.get("max_value", 2**53 if integer else 1e15)
    if integer:
        edges = [v for v in (low, high, 0, 1, -1, 2**31) if low <= v <= high]
        return st.integers(min_value=low, max_value=high) | st.sampled_from(edges)
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def option_values(
    option: dict[str, Any], world: World, channels: list[Channel]
) -> st.SearchStrategy[Any]:
    kind = option["type"]
    if option.get("choices"):
        return st.sampled_from([c["value"] for c in option["choices"]])
    if kind == 3:
        return text_values(option)
    if kind in (4, 10):
        return number_values(option, integer=kind == 4)
    if kind == 5:
        return st.booleans()
    if kind == 6:
        return st.sampled_from(list(world.members.values()))
    if kind == 7:
        kinds = option.get("channel_types")
        return st.sampled_from([c for c in channels if not kinds or c.type in kinds])
    if kind == 8:
        return st.sampled_from(list(world.guild.roles.values()))
    if kind == 11:
        names = st.sampled_from(["quotes.json", "quotes.csv", "quotes.txt", "a"])
        bodies = st.binary(max_size=3000) | st.sampled_from(
            [b'{"quotes": [{"text": "x"}]}', b"text\nhello\n", b'{"quotes": 1}', b""]
        )
        return st.tuples(names, bodies)
    raise AssertionError(f"no strategy for option type {kind}")


async def round_thread(emulator: Emulator, world: World) -> Channel:
    """A round under way, opened once per test (hypothesis runs every example of a test on
    the same bot; the clock stands still, so only the examples' commands move the round);
    every command is also made visible to every member, as an admin can in Integrations,
    so members' tries reach moot."""
    for channel in world.guild.channels.values():
        if channel.name.endswith(f": {BASE_MOTION}"):
            return channel
    for command in emulator.global_commands:
        world.guild.command_overrides.setdefault(command["name"], set()).add(world.guild.id)
    r = await started_round(emulator, world, motion=BASE_MOTION)
    return r.thread


def venue_channels(emulator: Emulator, world: World) -> list[Channel]:
    """A Stage and a voice channel, for the options that take a round's venue (made once
    per test; moot may not hold the floor in them)."""
    found = [c for c in world.guild.channels.values() if c.name in ("fuzz-stage", "fuzz-voice")]
    return found or [
        emulator.add_channel(world.guild, "fuzz-stage", kind=13),
        emulator.add_channel(world.guild, "fuzz-voice", kind=2),
    ]


@pytest.mark.parametrize("name", COMMANDS)
@FUZZED
@given(data=st.data())
async def test_any_options_get_a_clear_answer(
    bot: MootBot,
    emulator: Emulator,
    world: World,
    timeline: Timeline,
    name: str,
    data: st.DataObject,
) -> None:
    thread = await round_thread(emulator, world)
    channels = [world.general, world.debates, thread]
    venues = venue_channels(emulator, world)
    member = data.draw(st.sampled_from([world.member("mod"), world.member("alice")]))
    channel = data.draw(st.sampled_from(channels), label="channel")
    options: dict[str, Any] = {}
    for option in declared_options(emulator, name):
        if option.get("required") or data.draw(st.booleans(), label=f"give {option['name']}"):
            value = option_values(option, world, channels + venues)
            options[option["name"]] = data.draw(value, label=option["name"])
    with errors_logged() as logged:
        answer = await emulator.slash(member, channel, name, timeout=15, **options)
        # And whatever the command set going (announcements, follow-ups) has run.
        await timeline.idle()
    assert not answer.errors, answer.errors
    replies = [m for m in [answer.reply, *answer.followups] if m is not None]
    assert replies, "no answer"
    for message in replies:
        assert UNEXPECTED not in message.content, options
    assert not logged.records, [r.getMessage() for r in logged.records]
    if answer.reply is not None and not answer.reply.ephemeral:
        # A public answer is a result, never a refusal.
        assert not answer.reply.content.startswith(("Only ", "That ", "There is no ")), (
            answer.reply.content
        )


async def test_the_list_is_every_command(bot: MootBot) -> None:
    registered = {
        c.qualified_name for c in bot.tree.walk_commands() if not hasattr(c, "walk_commands")
    }
    assert registered == set(COMMANDS)


async def voting_round(emulator: Emulator, world: World, timeline: Timeline) -> Message:
    """A round skipped to its vote, once per test: its vote message. The vote stays open
    for every example: the clock stands still."""
    for channel in world.guild.channels.values():
        if channel.name.endswith(": Ballots"):
            r = Round(emulator, world, channel)
            return r.latest("Voting is open")
    r = await started_round(emulator, world, motion="Ballots")
    while not any("Voting is open" in m.text() for m in r.messages()):
        await r.slash("mod", "debate skip")
        await timeline.idle()
    return r.latest("Voting is open")


@FUZZED
@given(
    winner=st.sampled_from(["realist", "Values", "draw", ""]) | st.text(max_size=10),
    points=st.text(max_size=200)
    | st.from_regex(r"(Alice|Bob|Carol|)\s*(\(\w+\))?:\s*-?\d{1,3}(\.\d)?", fullmatch=True),
    reason=st.text(max_size=300),
)
async def test_any_ballot_gets_a_clear_answer(
    bot: MootBot,
    emulator: Emulator,
    world: World,
    timeline: Timeline,
    winner: str,
    points: str,
    reason: str,
) -> None:
    """The ballot form, the one free-text form with a grammar (speaker points), filled in
    with anything: recorded, or refused in a clear ephemeral sentence."""
    voting = await voting_round(emulator, world, timeline)
    form = await emulator.click(world.member("mod"), voting, "Submit ballot")
    assert form.modal is not None, form.reply
    with errors_logged() as logged:
        answer = await emulator.submit_modal(
            world.member("mod"), form, {"winner": winner, "points": points, "reason": reason}
        )
        await timeline.idle()
    assert not answer.errors and answer.reply is not None
    assert answer.reply.ephemeral and UNEXPECTED not in answer.reply.content
    assert not logged.records, [r.getMessage() for r in logged.records]
