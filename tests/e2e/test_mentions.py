"""Text nobody at moot wrote never pings: corpus text, motions, quotes, speeches and imported
files that contain @everyone, @here, a role or a member reach Discord (in embeds, in
reminders' and transcripts' text) without notifying anyone. Checked on what the emulator
received: the allowed_mentions of every payload (also after every other e2e test, see
conftest.mention_breaches) and who each stored message actually pinged."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.services.corpus_import import import_corpus
from bot.settings import Settings
from emulator import Emulator, World
from emulator.timeline import Timeline
from tests.e2e.conftest import Bots, eventually, mention_breaches, message_payloads
from tests.e2e.test_planning import events, schedule, sign_up, signup_message
from tests.e2e.test_rounds import open_round, result_posted, started_round, voting_opens

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
HOSTILE_ESSAY = """+++
side = "values"
title = "A Hostile Essay"
author = "Nobody"
published = "2020-01-01"
+++

{text} Zanzibarian diplomacy is the art of saying nothing loudly, and of saying it to everyone.
"""


def hostile(world: World, source: str) -> str:
    """Every kind of ping Discord knows, and a word naming where the text came from."""
    role = world.moderator_role.id
    carol = world.member("carol").user.id
    return f"@everyone @here <@&{role}> <@{carol}> {source}"


@pytest.fixture
async def bots(
    bot_settings: Settings, world: World, timeline: Timeline, tmp_path: Path
) -> AsyncIterator[Bots]:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    essay = HOSTILE_ESSAY.format(text=hostile(world, "fromthecorpus"))
    (corpus / "hostile-2020-essay.txt").write_text(essay, encoding="utf-8")
    db = Database(bot_settings.database_url)
    async with db.session() as session:
        await import_corpus(corpus, session=session)
    await db.close()
    settings = bot_settings.model_copy(update={"corpus_dir": corpus, "message_content": True})
    runner = Bots(settings, timeline)
    try:
        yield runner
    finally:
        await runner.stop()


def reached(emulator: Emulator, source: str) -> bool:
    """Did text tagged `source` go out in anything the bot sent (text, embeds, files)?"""
    if any(source in json.dumps(payload) for _, payload in message_payloads(emulator)):
        return True
    return any(
        source.encode() in body
        for message in emulator.messages.values()
        for body in message.attachments.values()
    )


async def test_hostile_text_from_every_source_reaches_discord_and_pings_nobody(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    alice, bob, carol, mod = (world.member(n) for n in ("alice", "bob", "carol", "mod"))

    # The corpus: a passage full of pings, found by search.
    found = await emulator.slash(alice, world.general, "quote search", query="zanzibarian")
    assert found.reply is not None and found.reply.embeds

    # A motion and a speech, through a whole round (at its real length) and its transcript.
    r = await started_round(emulator, world, motion=hostile(world, "amotion"))
    await eventually(r.turns)  # Alice has the floor
    await emulator.post(alice, r.thread, hostile(world, "aspeech"))
    voting = await voting_opens(r, timeline)
    await r.click("dave", voting, "Realist · 0")
    await result_posted(r, timeline)
    transcript = await emulator.slash(mod, r.thread, "debate transcript")
    assert transcript.reply is not None and transcript.reply.attachments

    # A member's message saved as a quote, shown again; a quote arriving in an import file.
    said = await emulator.post(bob, world.general, hostile(world, "aquote"))
    saved = await emulator.context_menu(carol, "Save as quote", said)
    assert saved.reply is not None and saved.reply.content.startswith("Saved as quote #")
    number = int(re.search(r"#(\d+)", saved.reply.content)[1])  # type: ignore[index]
    await emulator.slash(alice, world.general, "quote show", id=number)
    incoming = {"quotes": [{"text": hostile(world, "animport"), "author_name": "guest"}]}
    imported = await emulator.slash(
        mod, world.general, "quote import", file=("quotes.json", json.dumps(incoming).encode())
    )
    assert imported.reply is not None and imported.reply.content.startswith("Added 1")
    await emulator.slash(alice, world.general, "quote search", query="animport")

    # A planned round's motion goes out as the text of its reminder, which pings only
    # the members who signed up.
    planned, _ = await schedule(
        emulator, world, when="in 3 hours", motion=hostile(world, "aplan"), reminders="1h"
    )
    await sign_up(emulator, world, "alice", signup_message(emulator, world, planned), "Realist")
    await timeline.advance(timedelta(hours=2, minutes=1).total_seconds())
    [reminder] = await eventually(
        lambda: [m for m in emulator.channel_messages(world.debates) if "⏰" in m.content]
    )
    assert "aplan" in reminder.content and reminder.pinged_users == [alice.user.id]

    await timeline.idle()  # all of it sent: now nothing may have pinged
    for source in ("fromthecorpus", "amotion", "aspeech", "aquote", "animport", "aplan"):
        assert reached(emulator, source), f"the {source} text never went out"
    assert not mention_breaches(emulator)
    bot_id = emulator.bot_user.id
    from_bot = [m for m in emulator.messages.values() if int(m.data["author"]["id"]) == bot_id]
    assert not any(m.pinged_everyone or m.pinged_roles for m in from_bot)
    assert not any(carol.user.id in m.pinged_users for m in from_bot)


async def test_names_show_a_typed_mention_by_name_without_the_look_of_a_ping(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """Thread names, event names and embed titles show mentions raw (Discord turns them
    into names only in message text and embed descriptions): there a motion is shown as
    members would read it."""
    await bots.start()
    # moot asks for no member list (no Server Members intent): a member it has not met is
    # "someone", never a guess or a raw id.
    shown = f"everyone here {world.moderator_role.name} someone"

    r = await open_round(emulator, world, motion=hostile(world, "amotion"))
    assert re.fullmatch(rf"Round \d+: {shown} amotion", r.thread.name), r.thread.name
    opener = emulator.messages[r.thread.id]
    assert opener.embeds[0]["title"] == f"Debate: {shown} amotion"

    typed = hostile(world, "aplan")
    planned, _ = await schedule(emulator, world, when="in 3 hours", motion=typed)
    await timeline.idle()
    [event] = events(world)
    assert event["name"] == f"Debate: {shown} aplan"
    [signup] = signup_message(emulator, world, planned).embeds
    # In the description Discord itself shows the mentions as names, and pings nobody.
    assert "<@" not in signup["title"] and f"Motion: {typed}" in signup["description"]
    assert not mention_breaches(emulator)
