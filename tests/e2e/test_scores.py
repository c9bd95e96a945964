"""Scores through the emulator: a round decided in Discord updates the ratings; every
/scores command answers with what the database holds; leaderboard pages turn, also after
a restart; moderators' commands are refused to members and change nothing."""

from __future__ import annotations

import io
import re

from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.client import MootBot
from bot.db import Database
from bot.formats import parse_format
from bot.models import ALL_TIME, MemberScore
from bot.settings import Settings
from emulator import Emulator, Message, World
from emulator.timeline import Timeline
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import Bots

# The default format, played at its real length (pace 1).
FORMAT = parse_format(PROJECT_ROOT / "formats" / "realist-vs-values.toml")


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


async def play_round(emulator: Emulator, world: World, timeline: Timeline) -> None:
    """Bob (Values) beats Alice (Realist): every turn skipped, Carol votes Values, and
    the vote closes when its window has passed on the clock."""
    mod = world.member("mod")
    opened = await emulator.slash(
        mod,
        world.general,
        "debate start",
        motion="Order first",
        essay="walt-2018-alliance-against-the-establishment",
        timeout=10,
    )
    thread = world.guild.channels[int(re.search(r"<#(\d+)>", opened.reply.content)[1])]  # type: ignore[index, union-attr]
    lobby = next(m for m in emulator.channel_messages(thread) if m.buttons())
    await emulator.click(world.member("alice"), lobby, "Join Realist")
    await emulator.click(world.member("bob"), emulator.messages[lobby.id], "Join Values")
    await emulator.click(mod, emulator.messages[lobby.id], "Start", timeout=10)

    def voting() -> Message | None:
        return next(
            (m for m in emulator.channel_messages(thread) if "Voting is open" in m.text()), None
        )

    for _ in FORMAT.turns:
        await timeline.idle()
        assert not voting(), "the vote opened before every turn was skipped"
        await emulator.slash(mod, thread, "debate skip")
    await timeline.idle()
    ballot_box = voting()
    assert ballot_box is not None, "no vote after the last turn"
    await emulator.click(world.member("carol"), ballot_box, "Values · 0")
    await timeline.until(
        lambda: any("Result:" in m.text() for m in emulator.channel_messages(thread)),
        within=FORMAT.voting_seconds,
        what="the result, when the vote closes",
    )


async def test_every_scores_command_after_a_round_decided_in_discord(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await play_round(emulator, world, timeline)
    alice, bob, carol, mod = (world.member(n) for n in ("alice", "bob", "carol", "mod"))
    board = await emulator.slash(carol, world.general, "scores leaderboard")
    lines = board.reply.embeds[0]["description"].splitlines()  # type: ignore[union-attr]
    assert lines[0].startswith("**1.** Bob") and lines[1].startswith("**2.** Alice")
    wins = await emulator.slash(carol, world.general, "scores leaderboard", by="wins")
    assert "Bob · 1 · 1 won of 1" in wins.reply.text()  # type: ignore[union-attr]

    member = await emulator.slash(carol, world.general, "scores member", user=bob, timeout=10)
    shown = member.reply
    assert shown is not None and "1 rounds: 1 won, 0 lost, 0 drawn" in shown.text()
    assert "As Realist 0/0 · as Values 1/1" in shown.text()
    assert png_size(shown.attachments["rating.png"]) == (WIDTH_PX, HEIGHT_PX)
    nobody = await emulator.slash(carol, world.general, "scores member")
    assert "No decided rounds yet." in nobody.reply.text()  # type: ignore[union-attr]

    sides = await emulator.slash(carol, world.general, "scores sides", timeout=10)
    assert "Realist **0** · Values **1**" in sides.reply.text()  # type: ignore[union-attr]
    assert png_size(sides.reply.attachments["sides.png"]) == (WIDTH_PX, HEIGHT_PX)  # type: ignore[union-attr]
    by_essay = {f["name"]: f["value"] for f in sides.reply.embeds[0]["fields"]}["By essay"]  # type: ignore[union-attr]
    assert "Alliance" in by_essay and "Values 1" in by_essay
    unknown = await emulator.slash(
        mod, world.general, "debate start", motion="Another", essay="no-such-essay"
    )
    assert unknown.ephemeral and "There is no essay" in unknown.reply.content  # type: ignore[union-attr]

    # Moderators only: a member is refused and nothing changes.
    refused = await emulator.slash(
        alice, world.general, "scores adjust", member=alice, points=50.0, reason="Me"
    )
    assert refused.ephemeral and "moderator" in refused.reply.content.lower()  # type: ignore[union-attr]
    again = await emulator.slash(carol, world.general, "scores leaderboard")
    assert again.reply.embeds[0]["description"] == board.reply.embeds[0]["description"]  # type: ignore[union-attr]
    adjusted = await emulator.slash(
        mod, world.general, "scores adjust", member=alice, points=20.0, reason="Best speech"
    )
    assert adjusted.ephemeral and "+20" in adjusted.reply.content  # type: ignore[union-attr]
    after = await emulator.slash(carol, world.general, "scores leaderboard")
    assert after.reply.embeds[0]["description"].startswith("**1.** Alice")  # type: ignore[union-attr]
    why = await emulator.slash(carol, world.general, "scores member", user=alice, timeout=10)
    assert "+20 by Mod: Best speech" in why.reply.text()  # type: ignore[union-attr]

    season = await emulator.slash(mod, world.general, "scores season new", name="Winter")
    assert "Season 1 is over (1. Alice, 2. Bob)" in season.reply.content  # type: ignore[union-attr]
    fresh = await emulator.slash(carol, world.general, "scores leaderboard")
    assert "Nobody has debated" in fresh.reply.text()  # type: ignore[union-attr]
    ever = await emulator.slash(carol, world.general, "scores leaderboard", period="all")
    assert "Bob" in ever.reply.text()  # type: ignore[union-attr]


async def test_leaderboard_pages_turn_and_still_turn_after_a_restart(
    bot_settings: Settings, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    db = Database(bot_settings.database_url)
    async with db.session() as session:
        for number in range(23):
            session.add(
                MemberScore(
                    guild_id=world.guild.id,
                    track=ALL_TIME,
                    user_id=1000 + number,
                    name=f"Debater {number:02d}",
                    mu=25.0 + number,
                    sigma=3.0,
                    rounds=1,
                    wins=1,
                )
            )
    await db.close()
    bots = Bots(bot_settings, timeline)
    try:
        await bots.start()
        carol = world.member("carol")
        board = await emulator.slash(carol, world.general, "scores leaderboard", period="all")
        first = board.reply
        assert first is not None and "Page 1 of 3" in first.text()
        assert first.embeds[0]["description"].startswith("**1.** Debater 22")
        previous = next(b for b in first.buttons() if b["label"] == "Previous")
        assert previous.get("disabled")
        await emulator.click(carol, first, "Next")
        assert "Page 2 of 3" in emulator.messages[first.id].text()
        assert "**11.** Debater 12" in emulator.messages[first.id].text()
        await bots.stop()
        await bots.start()
        await emulator.click(carol, emulator.messages[first.id], "Next")
        page = emulator.messages[first.id]
        assert "Page 3 of 3" in page.text() and "**23.** Debater 00" in page.text()
        assert next(b for b in page.buttons() if b["label"] == "Next").get("disabled")
    finally:
        await bots.stop()
