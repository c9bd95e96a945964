"""/quote through the emulator: lookup, autocomplete, paging, random, members' quotes."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.client import MootBot
from bot.runtime import stop
from bot.settings import Settings
from emulator import CommandUnavailable, Emulator, Message, World
from emulator.timeline import Timeline

BOLD = re.compile(r"\*\*")


def corpus_sentences(settings: Settings) -> set[str]:
    path = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT text FROM sentence")}


def matching_sentences(settings: Settings, word: str) -> int:
    """How many sentences the search index matches for one word, counted apart from moot."""
    path = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as db:
        found = db.execute(
            "SELECT count(*) FROM search_sentence WHERE search_sentence MATCH ?",
            (f'text : "{word}"',),
        )
        return int(found.fetchone()[0])


def shown_text(message: Message) -> str:
    """The quote as a member reads it: bold marks and mention guards removed."""
    return BOLD.sub("", message.embeds[0]["description"]).replace("\u200b", "")


async def test_autocomplete_then_pick_shows_the_verbatim_sentence(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    alice = world.member("alice")
    choices = await emulator.autocomplete(
        alice, world.general, "quote search", "query", "offshore bal"
    )
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 and c["value"].startswith("sentence:") for c in choices)
    assert any("offshore balancing" in c["name"] for c in choices)
    picked = await emulator.slash(alice, world.general, "quote search", query=choices[0]["value"])
    reply = picked.reply
    assert reply is not None and not reply.ephemeral
    assert shown_text(reply) in corpus_sentences(bot_settings)
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Side"] in ("Realist", "Values") and fields["Where"].startswith("Paragraph ")
    hostile = await emulator.autocomplete(alice, world.general, "quote search", "query", 'NEAR( "x')
    assert isinstance(hostile, list)


async def test_search_embed_attribution_and_verbatim_text(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    alice = world.member("alice")
    sentences = corpus_sentences(bot_settings)
    found = await emulator.slash(alice, world.general, "quote search", query="offshore balancing")
    embed = found.reply.embeds[0]  # type: ignore[union-attr]
    assert "**offshore**" in embed["description"].lower()
    assert embed["title"] == "[Response to Walt (Boston Review forum)]"
    assert embed["url"].startswith("https://bostonreview.net/")
    assert shown_text(found.reply) in sentences  # type: ignore[arg-type]
    slaughter = {f["name"]: f["value"] for f in embed["fields"]}
    assert slaughter["Author"] == "Anne-Marie Slaughter (attributed)"
    assert slaughter["Published"] == "2005 (inferred)"
    anonymous = await emulator.slash(
        alice,
        world.general,
        "quote search",
        query="human security",
        essay="values-2023-values-based-approach",
    )
    fields = {f["name"]: f["value"] for f in anonymous.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    assert fields["Author"] == "author unknown" and fields["Side"] == "Values"
    assert fields["Published"] == "2023 (inferred)"
    assert re.fullmatch(r"Paragraph \d+ of 10", fields["Where"])
    realist = await emulator.slash(
        alice, world.general, "quote search", query="hegemony", side="realist"
    )
    walt = {f["name"]: f["value"] for f in realist.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    assert walt["Author"] == "Stephen M. Walt" and walt["Published"] == "2018-09-24"
    nothing = await emulator.slash(alice, world.general, "quote search", query="zzyzx qqq")
    assert nothing.ephemeral and "No quote matches" in nothing.reply.content  # type: ignore[union-attr]
    essays = await emulator.autocomplete(alice, world.general, "quote search", "essay", "walt")
    assert {c["value"] for c in essays} >= {"slaughter-2005-response-to-walt"}
    labels = {c["value"]: c["name"] for c in essays}
    assert labels["slaughter-2005-response-to-walt"] == (
        "[Response to Walt (Boston Review forum)] — Anne-Marie Slaughter (attributed)"
    )


async def test_paging_buttons_survive_a_restart(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings, timeline: Timeline
) -> None:
    alice, bob = world.member("alice"), world.member("bob")
    sentences = corpus_sentences(bot_settings)
    first = await emulator.slash(alice, world.general, "quote search", query="security")
    message = first.reply
    assert message is not None
    seen = [shown_text(message)]
    previous = next(b for b in message.buttons() if b["label"] == "Previous")
    assert previous.get("disabled") is True
    total = matching_sentences(bot_settings, "security")
    assert total > 4
    assert message.embeds[0]["author"]["name"] == f"Result 1 of {total}"
    for _ in range(3):
        await emulator.click(bob, message, "Next")
        seen.append(shown_text(emulator.messages[message.id]))
    assert emulator.messages[message.id].embeds[0]["author"]["name"] == f"Result 4 of {total}"
    assert len(set(seen)) == 4 and set(seen) <= sentences
    # A restart: a new process would have no memory of the search but the database.
    await bot.close()
    again, task = await timeline.start(bot_settings)
    try:
        back = await emulator.click(bob, emulator.messages[message.id], "Previous")
        assert back.response_type == 7 and not back.errors
        assert shown_text(emulator.messages[message.id]) == seen[2]
    finally:
        await stop(again, task)


async def test_a_widened_search_pages_through_its_widened_hits(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    alice = world.member("alice")
    first = await emulator.slash(alice, world.general, "quote search", query="offshore zzyzx")
    message = first.reply
    assert message is not None
    assert "no quote has every word" in message.embeds[0]["author"]["name"]
    await emulator.click(alice, message, "Next")
    second = emulator.messages[message.id]
    assert "Result 2" in second.embeds[0]["author"]["name"]
    assert "offshore" in shown_text(second).lower()
    assert shown_text(second) in corpus_sentences(bot_settings)


async def test_random_quotes_are_verbatim_and_filtered(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    sentences = corpus_sentences(bot_settings)
    for _ in range(8):
        answer = await emulator.slash(
            world.member("carol"), world.general, "quote random", side="realist"
        )
        embed = answer.reply.embeds[0]  # type: ignore[union-attr]
        assert shown_text(answer.reply) in sentences  # type: ignore[arg-type]
        assert embed["fields"][0]["value"] == "Realist"
    attributed = await emulator.slash(
        world.member("carol"),
        world.general,
        "quote random",
        essay="slaughter-2005-response-to-walt",
    )
    fields = {f["name"]: f["value"] for f in attributed.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    assert fields["Author"] == "Anne-Marie Slaughter (attributed)"
    assert fields["Published"] == "2005 (inferred)"
    bad = await emulator.slash(
        world.member("carol"), world.general, "quote random", essay="no-such-essay"
    )
    assert bad.ephemeral and "There is no essay “no-such-essay”" in bad.reply.content  # type: ignore[union-attr]
    unknown = await emulator.slash(
        world.member("carol"), world.general, "quote search", query="power", essay="nope"
    )
    assert unknown.ephemeral and "There is no essay “nope”" in unknown.reply.content  # type: ignore[union-attr]


async def test_saving_member_quotes_and_their_rules(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    bob, carol, mod = world.member("bob"), world.member("carol"), world.member("mod")
    alice = world.member("alice")
    hostile = f"@everyone @here <@{alice.user.id}> <@&{world.moderator_role.id}> realism wins"
    said = await emulator.post(bob, world.general, hostile)
    saved = await emulator.context_menu(carol, "Save as quote", said)
    reply = saved.reply
    assert reply is not None and reply.content.startswith("Saved as quote #")
    number = int(re.search(r"#(\d+)", reply.content)[1])  # type: ignore[index]
    # The confirmation is public: everyone in the channel sees what was saved.
    posted = await emulator.wait_for_message(world.general, containing=f"Quote #{number}")
    assert posted.id == reply.id and posted in emulator.channel_messages(world.general)
    assert not reply.pinged_everyone and not reply.pinged_users and not reply.pinged_roles
    assert "@\u200beveryone" in reply.embeds[0]["description"]
    again = await emulator.context_menu(mod, "Save as quote", said)
    assert again.ephemeral
    assert again.reply.content == f"That message is already saved as quote #{number}."  # type: ignore[union-attr]
    empty = emulator.store_message(world.guild, world.general, bob.user, {"content": "  "}, {})
    refused = await emulator.context_menu(carol, "Save as quote", empty)
    assert refused.reply.content == "That message has no text to save."  # type: ignore[union-attr]
    attachment_only = emulator.store_message(
        world.guild, world.general, bob.user, {}, {"map.png": b"\x89PNG"}
    )
    refused = await emulator.context_menu(carol, "Save as quote", attachment_only)
    assert "only attachments" in refused.reply.content  # type: ignore[union-attr]
    long = await emulator.post(bob, world.general, "x" * 1600)
    refused = await emulator.context_menu(carol, "Save as quote", long)
    assert "limited to 1,500" in refused.reply.content  # type: ignore[union-attr]

    latest = await emulator.slash(alice, world.general, "quote member", user=bob, pick="latest")
    assert "realism wins" in latest.reply.embeds[0]["description"]  # type: ignore[union-attr]
    shown = await emulator.slash(alice, world.general, "quote show", id=number)
    assert shown.reply.embeds[0]["title"] == f"Quote #{number}"  # type: ignore[union-attr]
    missing = await emulator.slash(alice, world.general, "quote show", id=999)
    assert missing.ephemeral and "There is no quote #999" in missing.reply.content  # type: ignore[union-attr]
    nobody = await emulator.slash(alice, world.general, "quote member", user=alice)
    assert nobody.ephemeral and "No quotes from that member" in nobody.reply.content  # type: ignore[union-attr]
    found = await emulator.slash(
        alice, world.general, "quote search", query="realism wins", scope="members"
    )
    assert found.reply.embeds[0]["title"] == f"Quote #{number}"  # type: ignore[union-attr]

    both = await emulator.slash(alice, world.general, "quote search", query="realism", scope="all")
    essay_first = both.reply
    assert essay_first is not None and essay_first.embeds[0]["title"] != f"Quote #{number}"

    not_yours = await emulator.slash(alice, world.general, "quote delete", id=number)
    assert "Only the member who saved" in not_yours.reply.content  # type: ignore[union-attr]
    deleted = await emulator.slash(carol, world.general, "quote delete", id=number)
    assert deleted.reply.content == f"Deleted quote #{number}."  # type: ignore[union-attr]
    gone = await emulator.slash(alice, world.general, "quote show", id=number)
    assert "There is no quote" in gone.reply.content  # type: ignore[union-attr]
    await timeline.idle()
    for message in emulator.messages.values():
        assert not message.pinged_everyone or not message.data["author"].get("bot")

    # A moderator may delete anyone's quote.
    other = await emulator.post(carol, world.general, "Carol's own line.")
    kept = await emulator.context_menu(alice, "Save as quote", other)
    other_number = int(re.search(r"#(\d+)", kept.reply.content)[1])  # type: ignore[index,union-attr]
    removed = await emulator.slash(mod, world.general, "quote delete", id=other_number)
    assert removed.reply.content == f"Deleted quote #{other_number}."  # type: ignore[union-attr]


async def test_export_and_import(bot: MootBot, emulator: Emulator, world: World) -> None:
    bob, carol, mod = world.member("bob"), world.member("carol"), world.member("mod")
    for text in ("First saved line.", "Second saved line."):
        said = await emulator.post(bob, world.general, text)
        await emulator.context_menu(carol, "Save as quote", said)
    exported = await emulator.slash(mod, world.general, "quote export")
    reply = exported.reply
    assert reply is not None and reply.ephemeral and reply.content.startswith("2 saved quote")
    files = reply.attachments
    data = json.loads(files["quotes.json"])
    assert [q["text"] for q in data["quotes"]] == ["First saved line.", "Second saved line."]
    rows = list(csv.DictReader(io.StringIO(files["quotes.csv"].decode())))
    assert [r["text"] for r in rows] == ["First saved line.", "Second saved line."]

    refused = await emulator.slash(carol, world.general, "quote export")
    assert refused.ephemeral and refused.reply.content.startswith("Only moderators")  # type: ignore[union-attr]
    assert not refused.reply.attachments  # type: ignore[union-attr]

    incoming = {
        "quotes": data["quotes"]
        + [
            {"text": "An imported line <@&1>.", "author_name": "guest", "author_id": "42"},
            {"text": "", "author_name": "empty"},
            {"text": "y" * 2000},
            {"text": "Bad id", "author_id": "not-a-number"},
        ]
    }
    imported = await emulator.slash(
        mod, world.general, "quote import", file=("quotes.json", json.dumps(incoming).encode())
    )
    summary = imported.reply.content  # type: ignore[union-attr]
    assert summary.startswith("Added 1, skipped 2 already saved, rejected 3.")
    assert "row 4: text is empty" in summary and "row 6: author_id is not a Discord id" in summary
    again = await emulator.slash(
        mod, world.general, "quote import", file=("quotes.csv", files["quotes.csv"])
    )
    assert again.reply.content.startswith("Added 0, skipped 2")  # type: ignore[union-attr]

    before = await emulator.slash(mod, world.general, "quote export")
    for name, body, message in (
        ("quotes.json", b"{not json", "malformed"),
        ("quotes.txt", b"text", "Import a .json or .csv file"),
        ("quotes.json", b'{"quotes": 5}', 'needs a "quotes" list'),
        ("quotes.csv", b"who,what\n1,2\n", "header row with at least a text column"),
        ("quotes.json", b"x" * (1024 * 1024 + 1), "limited to 1,024 KiB"),
    ):
        bad = await emulator.slash(mod, world.general, "quote import", file=(name, body))
        assert bad.ephemeral and message in bad.reply.content, bad.reply.content  # type: ignore[union-attr]
    after = await emulator.slash(mod, world.general, "quote export")
    assert before.reply.attachments["quotes.json"] == after.reply.attachments["quotes.json"]  # type: ignore[union-attr]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.text(max_size=300)
    | st.text(alphabet="\"*()-:^{}+NEAROT \x00'’@#<>&", max_size=80)
    | st.just("x" * 6000)
)
async def test_any_query_gets_a_clear_answer(
    bot_on_each_database: MootBot, emulator: Emulator, world: World, query: str
) -> None:
    alice = world.member("alice")
    if not query.strip():
        with pytest.raises(CommandUnavailable):
            await emulator.slash(alice, world.general, "quote search", query=query)
        return
    answer = await emulator.slash(alice, world.general, "quote search", query=query)
    assert not answer.errors and answer.reply is not None
    assert answer.reply.embeds or answer.reply.content.startswith("No quote matches")
    choices = await emulator.autocomplete(
        alice, world.general, "quote search", "query", query[:100]
    )
    assert len(choices) <= 25


async def test_an_expired_search_button_says_so(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    first = await emulator.slash(
        world.member("alice"), world.general, "quote search", query="security"
    )
    message = first.reply
    assert message is not None
    with sqlite3.connect(bot_settings.database_url.split("///", 1)[1]) as db:
        db.execute("DELETE FROM quote_search")
    clicked = await emulator.click(world.member("bob"), message, "Next")
    assert clicked.ephemeral
    assert clicked.reply.content == "That search has expired. Run /quote search again."  # type: ignore[union-attr]
