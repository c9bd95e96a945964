"""Inputs at and past the limits: motions, speeches and import files as long as a member
can make them are taken (and shortened only where Discord's own fields are shorter); one
character or byte more is refused, by Discord's client where moot declared the limit on
the option, else by moot with a clear ephemeral message, and nothing changes; a round fed
the longest speeches still runs to its result."""

from __future__ import annotations

import json

import pytest

from bot.client import MootBot
from bot.formats import parse_format
from bot.services.quotes import MAX_IMPORT_BYTES, MAX_QUOTE_CHARS
from bot.services.rounds import MOTION_MAX, SPEECH_MAX
from emulator import CommandUnavailable, Emulator, World
from emulator.timeline import Timeline
from tests.conftest import PROJECT_ROOT
from tests.e2e.test_planning import schedule, signup_message
from tests.e2e.test_rounds import (
    open_round,
    play_through,
    result_posted,
    started_round,
    voting_opens,
)

# Discord's own ceilings: a member's message (without Nitro), and a modal's text field.
MESSAGE_MAX = 2000
MODAL_TEXT_MAX = 4000
# The default format, played at its real length (pace 1).
FORMAT = parse_format(PROJECT_ROOT / "formats" / "realist-vs-values.toml")


# The bot with the Message Content intent, so speeches are recorded from messages.
pytestmark = pytest.mark.reads_messages


def long_text(length: int, word: str = "ideals") -> str:
    """`length` characters of words, with multi-byte letters and an emoji at the end."""
    text = (f"{word} é ") * (length // (len(word) + 3) + 1)
    return (text[: length - 1] + "🌍")[:length]


async def test_motions_at_the_limit_open_and_one_more_is_refused(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    mod = world.member("mod")
    longest = long_text(MOTION_MAX, "motion")
    too_long = long_text(MOTION_MAX + 1, "motion")
    threads = len(world.guild.channels)
    # moot declares the limit on the option, so Discord's client itself refuses more.
    with pytest.raises(CommandUnavailable, match=f"1-{MOTION_MAX} characters"):
        await emulator.slash(mod, world.general, "debate start", motion=too_long)
    assert len(world.guild.channels) == threads
    opened = await open_round(emulator, world, motion=longest)
    assert len(opened.thread.name) <= 100
    assert longest[:200] in opened.lobby().text()

    with pytest.raises(CommandUnavailable, match=f"1-{MOTION_MAX} characters"):
        await emulator.slash(mod, world.debates, "round schedule", when="in 3h", motion=too_long)
    assert not world.guild.scheduled_events
    planned, _ = await schedule(emulator, world, when="in 3 hours", motion=longest)
    [event] = world.guild.scheduled_events.values()
    assert len(event["name"]) <= 100 and len(event.get("description") or "") <= 1000
    assert longest[:200] in signup_message(emulator, world, planned).text()


async def test_the_longest_speeches_are_recorded_whole_and_the_round_finishes(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    mod, alice = world.member("mod"), world.member("alice")
    r = await started_round(emulator, world, motion="Long", timeline=timeline)
    first = await r.wait_turns(1)
    typed = long_text(MESSAGE_MAX, "typed")
    await emulator.post(alice, r.thread, typed)
    form = await r.click("alice", first, "Submit speech")
    submitted = long_text(min(MODAL_TEXT_MAX, SPEECH_MAX), "modal")
    sent = await emulator.submit_modal(alice, form, {"speech": submitted})
    assert sent.reply is not None and not sent.errors
    # The echo is an embed: its description holds 4096 characters, so all of it fits.
    assert submitted in sent.reply.text()
    assert await play_through(r) == len(FORMAT.turns)
    # The vote opens as the last turn ends, without the clock moving.
    voting = await voting_opens(r, timeline, within=0)
    await r.click("carol", voting, "Realist · 0")
    # The vote closes when its window has passed on the clock.
    await result_posted(r, timeline, within=FORMAT.voting_seconds)
    exported = await emulator.slash(mod, r.thread, "debate transcript")
    assert exported.reply is not None and exported.reply.attachments
    [markdown] = exported.reply.attachments.values()
    text = markdown.decode("utf-8")
    assert typed in text and submitted in text


async def test_imports_at_the_size_limit_are_read_and_past_it_refused(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    mod = world.member("mod")
    longest = long_text(MAX_QUOTE_CHARS, "kept")
    rows = [{"text": longest, "author_name": "guest"}, {"text": longest + "x"}]
    document = json.dumps({"quotes": rows}, ensure_ascii=False)
    # Padded with whitespace to exactly the byte limit: still one valid JSON document.
    padded = document.encode() + b" " * (MAX_IMPORT_BYTES - len(document.encode()))
    assert len(padded) == MAX_IMPORT_BYTES
    imported = await emulator.slash(
        mod, world.general, "quote import", file=("quotes.json", padded)
    )
    summary = imported.reply.content  # type: ignore[union-attr]
    assert imported.reply.ephemeral and summary.startswith("Added 1,"), summary  # type: ignore[union-attr]
    assert f"{MAX_QUOTE_CHARS:,}" in summary
    over = await emulator.slash(
        mod, world.general, "quote import", file=("quotes.json", padded + b" ")
    )
    assert over.reply.ephemeral and "limited to 1,024 KiB" in over.reply.content  # type: ignore[union-attr]
    exported = await emulator.slash(mod, world.general, "quote export")
    data = json.loads(exported.reply.attachments["quotes.json"])  # type: ignore[union-attr]
    assert [q["text"] for q in data["quotes"]] == [longest]
