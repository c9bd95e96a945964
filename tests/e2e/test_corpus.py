"""/corpus through the emulator: moderators add essays to their server's reading list (an
HTML page and a Markdown file, each cleaning edit shown and accepted or refused), and the
essays join that server's search, quotes, daily excerpts and rounds, and no other's."""

from __future__ import annotations

import sqlite3

import pytest

from bot.client import MootBot
from bot.domain import Side
from bot.services import reading_list
from bot.services.reading_list import MAX_FILE_BYTES, Description
from bot.settings import Settings
from emulator import CommandUnavailable, Emulator, Interaction, Message, World
from emulator.timeline import Timeline
from emulator.world import seed_world
from tests.e2e.conftest import Bots
from tests.e2e.test_excerpts import posts, setup
from tests.e2e.test_quotes import shown_text
from tests.e2e.test_rounds import open_round

HTML = """<!DOCTYPE html><html><head><title>The Case for Restraint</title>
<meta name="author" content="Ada Example">
<meta property="article:published_time" content="2024-05-02"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav>
<article><h1>The Case for Restraint</h1>
<p>Editor’s note: This essay opens our series on grand strategy.</p>
<p>The “restraint” camp holds that the U.S. Congress—not the Pentagon—should decide when
the country fights.¹ That view is older than it looks, and Zanzibarian diplomats have long
cited it.</p>
<p>Москва ответила сразу: «Нет». The argument was heard everywhere, and it was not
welcomed by those who had built careers on the opposite view.</p>
<p>Is it still true? Many doubt it—and they say so—yet the argument has outlived its
critics, as arguments about power often do.</p>
</article><footer>Copyright 2024 The Review</footer></body></html>
"""

MARKDOWN = """# Why Rights Come First

By B. Writer

Human rights are not a luxury of foreign policy: they are its *foundation*, and the
quixotic hope that interests alone can hold an order together has failed before.

Every alliance that lasted rested on shared values as much as shared threats, and the
record of the last century shows it plainly to anyone who looks at it.

IMAGE: Delegates at the signing (via Getty Images)
"""

HTML_SENTENCE = "That view is older than it looks, and Zanzibarian diplomats have long cited it."


def database(settings: Settings) -> sqlite3.Connection:
    return sqlite3.connect(settings.database_url.split("///", 1)[1])


def counts(settings: Settings) -> tuple[int, int, int]:
    with database(settings) as db:
        return (
            db.execute("SELECT count(*) FROM essay").fetchone()[0],
            db.execute("SELECT count(*) FROM pending_essay").fetchone()[0],
            db.execute("SELECT count(*) FROM excerpt").fetchone()[0],
        )


async def attach(
    emulator: Emulator, world: World, name: str, data: bytes, side: str, **options: object
) -> Interaction:
    return await emulator.slash(
        world.member("mod"), world.general, "corpus add", file=(name, data), side=side, **options
    )


async def describe(
    emulator: Emulator, world: World, preview: Message, values: dict[str, str]
) -> Message:
    shown = await emulator.click(world.member("mod"), preview, "Describe")
    assert shown.modal is not None, shown.reply
    await emulator.submit_modal(world.member("mod"), shown, values)
    return emulator.messages[preview.id]


async def add_html_and_markdown(emulator: Emulator, world: World) -> tuple[Message, Message]:
    """Both essays through /corpus add, every proposed edit accepted; their final messages."""
    mod = world.member("mod")
    answer = await attach(emulator, world, "restraint.html", HTML.encode(), "realist")
    preview = answer.reply
    assert answer.ephemeral and preview is not None
    text = preview.text()
    assert "Read restraint.html: 3 paragraphs with the cleaning accepted" in preview.content
    assert "remove line 1 (header line: title, author or date): “The Case for Restraint”" in text
    assert "remove line 3 (editor's note): “Editor’s note: This essay opens" in text
    assert "> The “restraint” camp holds that the U.S. Congress" in text  # first paragraph
    assert "> Is it still true?" in text  # last paragraph
    assert [b["label"] for b in preview.buttons()] == [
        "Refuse edit 1",
        "Refuse edit 2",
        "Describe",
        "Add",
        "Cancel",
    ]
    assert next(b for b in preview.buttons() if b["label"] == "Add").get("disabled")
    # The form comes filled in with what the page says of itself.
    shown = await emulator.click(mod, preview, "Describe")
    fields = {
        c["custom_id"]: c.get("value")
        for row in shown.modal["components"]
        for c in row["components"]  # type: ignore[index]
    }
    assert fields["title"] == "The Case for Restraint" and fields["author"] == "Ada Example"
    assert fields["published"] == "2024-05-02"
    await emulator.submit_modal(mod, shown, {"source_url": "https://example.org/restraint"})
    described = emulator.messages[preview.id]
    assert "Ada Example" in described.text() and "2024-05-02" in described.text()
    added = await emulator.click(mod, described, "Add")
    html_done = emulator.messages[preview.id]
    assert added.errors == []
    assert "Added to this server's reading list: 3 paragraphs" in html_done.content

    answer = await attach(
        emulator, world, "rights.md", MARKDOWN.encode(), "values", author_from="inferred"
    )
    preview = answer.reply
    assert preview is not None
    assert [b["label"] for b in preview.buttons()][:3] == [
        "Refuse edit 1",
        "Refuse edit 2",
        "Refuse edit 3",
    ]
    assert "image caption" in preview.text()
    # Refuse the caption's removal, then think again and accept it.
    await emulator.click(mod, preview, "Refuse edit 3")
    assert "3. ❌ refused" in emulator.messages[preview.id].text()
    assert "> IMAGE: Delegates" in emulator.messages[preview.id].text()  # now the last paragraph
    await emulator.click(mod, emulator.messages[preview.id], "Accept edit 3")
    assert "3. ✅ accepted" in emulator.messages[preview.id].text()
    described = await describe(
        emulator,
        world,
        emulator.messages[preview.id],
        {"title": "Why Rights Come First", "author": "B. Writer", "author_note": "the byline"},
    )
    await emulator.click(mod, described, "Add")
    md_done = emulator.messages[preview.id]
    assert "Added to this server's reading list: 2 paragraphs" in md_done.content
    return html_done, md_done


async def test_html_and_markdown_essays_join_this_servers_search_quotes_excerpts_and_rounds(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings, timeline: Timeline
) -> None:
    neighbours = seed_world(emulator, "Neighbouring Club")
    await emulator.settle()
    html_done, md_done = await add_html_and_markdown(emulator, world)
    assert html_done.embeds[0]["url"] == "https://example.org/restraint"
    fields = {f["name"]: f["value"] for f in md_done.embeds[0]["fields"]}
    assert fields["Author"] == "B. Writer (attributed)" and fields["Side"] == "Values"
    with database(bot_settings) as db:
        rows = db.execute(
            "SELECT slug, body, guild_id FROM essay WHERE guild_id IS NOT NULL ORDER BY id"
        ).fetchall()
    (html_slug, html_body, guild), (md_slug, md_body, _) = rows
    assert guild == world.guild.id
    assert html_body.startswith("The “restraint” camp") and "Editor’s note" not in html_body
    assert md_body.endswith("plainly to anyone who looks at it.") and "IMAGE" not in md_body
    alice = world.member("alice")

    # Search and autocomplete, in this server only.
    found = await emulator.slash(alice, world.general, "quote search", query="Zanzibarian")
    assert shown_text(found.reply) == HTML_SENTENCE  # type: ignore[arg-type]
    assert found.reply.embeds[0]["title"] == "The Case for Restraint"  # type: ignore[union-attr]
    choices = await emulator.autocomplete(alice, world.general, "quote search", "query", "quixot")
    assert choices and "quixotic" in choices[0]["name"]
    elsewhere = neighbours.member("alice")
    missed = await emulator.slash(
        elsewhere, neighbours.general, "quote search", query="Zanzibarian"
    )
    assert missed.ephemeral and "No quote matches" in missed.reply.content  # type: ignore[union-attr]
    assert (
        await emulator.autocomplete(
            elsewhere, neighbours.general, "quote search", "query", "quixot"
        )
        == []
    )

    # Random quotes, by essay.
    essays = await emulator.autocomplete(alice, world.general, "quote random", "essay", "")
    assert [c["value"] for c in essays[:2]] == [html_slug, md_slug]
    drawn = await emulator.slash(alice, world.general, "quote random", essay=md_slug)
    assert shown_text(drawn.reply) in md_body  # type: ignore[arg-type]
    theirs = await emulator.autocomplete(elsewhere, neighbours.general, "quote random", "essay", "")
    assert {c["value"] for c in theirs}.isdisjoint({html_slug, md_slug})
    refused = await emulator.slash(elsewhere, neighbours.general, "quote random", essay=md_slug)
    assert refused.ephemeral and "There is no essay" in refused.reply.content  # type: ignore[union-attr]

    # A round's essay option.
    offered = await emulator.autocomplete(
        world.member("mod"), world.general, "debate start", "essay", "restraint", motion="x"
    )
    assert [c["value"] for c in offered] == [html_slug]
    assert (
        await emulator.autocomplete(
            neighbours.member("mod"),
            neighbours.general,
            "debate start",
            "essay",
            "restraint",
            motion="x",
        )
        == []
    )
    await open_round(emulator, world, "This house would choose restraint", essay=html_slug)
    with database(bot_settings) as db:
        assert db.execute("SELECT essay_slug FROM debate_round").fetchall() == [(html_slug,)]

    # The daily excerpt: both sides alternate over the new counts, and every realist
    # excerpt (the shipped nine and the new essay's) is posted before any repeats.
    with database(bot_settings) as db:
        realist = db.execute(
            "SELECT count(*) FROM excerpt x JOIN essay e ON e.id = x.essay_id "
            "WHERE x.side = 'realist' AND (e.guild_id IS NULL OR e.guild_id = ?)",
            (world.guild.id,),
        ).fetchone()[0]
    assert realist == 10
    listed = await emulator.slash(world.member("mod"), world.general, "corpus list")
    assert "**Realist**: 10 excerpts" in listed.reply.text()  # type: ignore[union-attr]
    await setup(emulator, world, time="8am")
    for _ in range(2 * realist):
        await emulator.slash(world.member("mod"), world.general, "excerpt now", timeout=10)
    shown = posts(emulator, world.debates)
    sides = [p.embeds[0]["fields"][0]["value"] for p in shown]
    assert sides == ["Realist", "Values"] * realist
    realist_texts = [p.embeds[0]["description"] for p in shown[::2]]
    assert len(set(realist_texts)) == realist
    assert any(t.startswith("The “restraint” camp") for t in realist_texts)
    listed = await emulator.slash(world.member("mod"), world.general, "corpus list")
    assert "**Realist**: 10 excerpts, 0 not yet posted" in listed.reply.text()  # type: ignore[union-attr]


async def test_a_member_cannot_add_and_bad_files_are_refused_changing_nothing(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    alice = world.member("alice")
    with pytest.raises(CommandUnavailable):  # hidden from members who are not moderators
        await emulator.slash(
            alice, world.general, "corpus add", file=("x.md", MARKDOWN.encode()), side="values"
        )
    # Shown to everyone by a server admin, it still refuses members.
    emulator.grant(world.guild, "corpus", world.guild.roles[world.guild.id])
    member = await emulator.slash(
        alice, world.general, "corpus add", file=("x.md", MARKDOWN.encode()), side="values"
    )
    assert member.ephemeral and "Only moderators" in member.reply.content  # type: ignore[union-attr]
    before = counts(bot_settings)
    bad = {
        ("scan.pdf", b"%PDF-1.7 binary"): "not a file I can read",
        ("essay.txt", b"\x89PNG\r\n\x1a\n\x00\x00"): "a PNG image, not text",
        ("essay.txt", b"text\x00\x01\x02"): "binary, not text",
        ("essay.md", b"x" * (MAX_FILE_BYTES + 1)): "may be at most 2,048 KiB",
        ("essay.txt", b""): "That file is empty",
        ("essay.txt", b"\n \n\t\n"): "That file is empty",
        ("page.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"): (
            "no paragraphs of text"
        ),
        ("essay.txt", b"Two words\n\nThree more words"): "no paragraphs of text",
        ("essay.txt", "Caf\u00e9 society, said the essayist, was over.".encode("cp1252")): (
            "not UTF-8 text (byte 0xE9 at position 3"
        ),
    }
    for (name, data), says in bad.items():
        answer = await attach(emulator, world, name, data, "realist")
        assert answer.ephemeral and says in answer.reply.content, (name, answer.reply.content)  # type: ignore[union-attr]
        assert not answer.reply.buttons()  # type: ignore[union-attr]
    assert counts(bot_settings) == before


async def test_removing_an_essay_keeps_old_quotes_and_rounds_intact(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    await add_html_and_markdown(emulator, world)
    with database(bot_settings) as db:
        [(slug, title)] = db.execute(
            "SELECT slug, title FROM essay WHERE guild_id IS NOT NULL AND side = 'realist'"
        ).fetchall()
    alice = world.member("alice")
    quoted = await emulator.slash(alice, world.general, "quote random", essay=slug)
    said = await emulator.post(world.member("bob"), world.general, HTML_SENTENCE)
    saved = await emulator.context_menu(alice, "Save as quote", said)
    quote_id = int(saved.reply.content.split("#")[1].rstrip("."))  # type: ignore[union-attr]
    await open_round(emulator, world, "This house would choose restraint", essay=slug)

    removed = await emulator.slash(world.member("mod"), world.general, "corpus remove", essay=slug)
    assert removed.ephemeral and "excerpts leave the rotation" in removed.reply.content  # type: ignore[union-attr]
    # Gone from search, quotes, choices and the list ...
    gone = await emulator.slash(alice, world.general, "quote search", query="Zanzibarian")
    assert "No quote matches" in gone.reply.content  # type: ignore[union-attr]
    refused = await emulator.slash(alice, world.general, "quote random", essay=slug)
    assert "There is no essay" in refused.reply.content  # type: ignore[union-attr]
    listed = await emulator.slash(world.member("mod"), world.general, "corpus list")
    assert slug not in listed.reply.text() and "**Realist**: 9 excerpts" in listed.reply.text()  # type: ignore[union-attr]
    # ... while what came from it stays as it was.
    assert emulator.messages[quoted.reply.id].embeds == quoted.reply.embeds  # type: ignore[union-attr]
    kept = await emulator.slash(alice, world.general, "quote show", id=quote_id)
    assert kept.reply.embeds[0]["description"] == HTML_SENTENCE  # type: ignore[union-attr]
    with database(bot_settings) as db:
        assert db.execute("SELECT essay_slug FROM debate_round").fetchall() == [(slug,)]
        assert db.execute("SELECT title, active FROM essay WHERE slug = ?", (slug,)).fetchall() == [
            (title, 0)
        ]
    again = await emulator.slash(world.member("mod"), world.general, "corpus remove", essay=slug)
    assert "no essay" in again.reply.content  # type: ignore[union-attr]
    shipped = await emulator.slash(
        world.member("mod"),
        world.general,
        "corpus remove",
        essay="walt-2018-alliance-against-the-establishment",
    )
    assert "ships with moot" in shipped.reply.content  # type: ignore[union-attr]


async def test_the_preview_buttons_work_after_a_restart(
    bots: Bots, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    await bots.start()
    answer = await attach(emulator, world, "rights.md", MARKDOWN.encode(), "values")
    preview = answer.reply
    assert preview is not None
    await bots.stop()
    await bots.start()
    await emulator.click(world.member("mod"), preview, "Refuse edit 1")
    assert "1. ❌ refused" in emulator.messages[preview.id].text()
    described = await describe(emulator, world, emulator.messages[preview.id], {"title": "Rights"})
    await bots.stop()
    await bots.start()
    await emulator.click(world.member("mod"), described, "Add")
    assert "Added to this server's reading list" in emulator.messages[preview.id].content
    with database(bot_settings) as db:
        [(body,)] = db.execute("SELECT body FROM essay WHERE guild_id IS NOT NULL").fetchall()
    assert body.startswith("# Why Rights Come First\n\nHuman rights")
    shown = await emulator.slash(world.member("mod"), world.general, "corpus show", essay="x")
    assert "no essay “x”" in shown.reply.content  # type: ignore[union-attr]


async def test_a_long_reading_list_is_listed_whole(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    # Thirty essays with long titles do not fit one embed: what does not fit is named, and
    # the whole list comes as a file. Nothing is lost without a word.
    body = "A paragraph long enough to be a paragraph of an essay, and only one.\n\nAnother."
    slugs = []
    async with bot.db.session() as session:
        for number in range(30):
            entry = await reading_list.add_essay(
                world.guild.id,
                body,
                Description(
                    side=Side.REALIST if number % 2 else Side.VALUES,
                    title=f"On the long history of restraint in foreign policy, part {number}",
                    author="Ada Example",
                ),
                added_by=None,
                source_file=None,
                session=session,
            )
            slugs.append(entry.slug)
    listed = await emulator.slash(world.member("mod"), world.general, "corpus list")
    assert listed.ephemeral and listed.reply is not None
    shown = listed.reply.text()
    assert "more: the whole list is in the attached file" in shown
    [attached] = listed.reply.attachments.values()
    whole = attached.decode()
    assert all(f"`{slug}`" in whole for slug in slugs)
    assert "This server's essays (30 of 50)" in whole and "Shipped with moot" in whole
    assert sum(f"`{slug}`" in shown for slug in slugs) >= 10
