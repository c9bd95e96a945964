"""/excerpt through the emulator: setup, posting on time, rotation, threads and votes,
pause/resume, failures, daylight-saving days, and restarts inside and outside the grace window.

The bot runs on the test's clock, which stands still until the test moves it, so "08:00 on
the day the clocks change" is reached at once. The sweeper runs every minute of that clock,
as in production. After each move the test waits for the bot to be idle, so what it did
not post by then, it would never post at that time.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.db import Database
from bot.services.excerpts import Claim, claim_due
from bot.settings import Settings
from cogs.excerpts.render import excerpt_embed
from emulator import CommandUnavailable, Emulator, Message, World
from emulator.state import SEND_MESSAGES, Channel
from tests.e2e.conftest import Bots, Timeline, eventually

TIMESTAMP = re.compile(r"<t:(\d+):F>")


def posts(emulator: Emulator, channel: Channel) -> list[Message]:
    """The bot's excerpt posts in `channel`, oldest first."""
    return [
        m
        for m in emulator.channel_messages(channel)
        if m.embeds and m.embeds[0].get("footer", {}).get("text", "").startswith("Daily excerpt")
    ]


def essay_bodies(settings: Settings) -> list[str]:
    path = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT body FROM essay")]


def next_post(reply: Message) -> datetime:
    """The next post instant from a setup or status embed's Discord timestamp."""
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    found = TIMESTAMP.search(fields["Next post"])
    assert found, fields["Next post"]
    return datetime.fromtimestamp(int(found[1]), UTC)


async def setup(
    emulator: Emulator, world: World, channel: Channel | None = None, **options: object
) -> Message:
    answer = await emulator.slash(
        world.member("mod"),
        world.general,
        "excerpt setup",
        channel=channel or world.debates,
        **options,
    )
    assert answer.ephemeral, answer.reply
    assert answer.reply is not None
    return answer.reply


async def status(emulator: Emulator, world: World) -> dict[str, str]:
    answer = await emulator.slash(world.member("mod"), world.general, "excerpt status")
    assert answer.ephemeral and answer.reply is not None
    return {f["name"]: f["value"] for f in answer.reply.embeds[0]["fields"]}


async def let_sweeps_pass(bots: Bots, count: int = 3) -> None:
    """Move the clock past `count` of the sweeper's rounds, each waited for."""
    for _ in range(count):
        await bots.timeline.advance(bots.settings.sweep_seconds)


async def test_setup_refuses_bad_input_and_changes_nothing(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await bots.start()
    mod = world.member("mod")
    cases = {
        "8": "could be morning or evening",
        "25:00": "is not a time of day",
        "soon": "is not a time of day",
    }
    for typed, reason in cases.items():
        answer = await emulator.slash(
            mod, world.general, "excerpt setup", channel=world.debates, time=typed
        )
        assert answer.ephemeral and reason in answer.reply.content  # type: ignore[union-attr]
    bad_zone = await emulator.slash(
        mod, world.general, "excerpt setup", channel=world.debates, time="8am", timezone="Mars/Base"
    )
    assert "not a time zone I know" in bad_zone.reply.content  # type: ignore[union-attr]
    everyone = world.guild.roles[world.guild.id]
    pinged = await emulator.slash(
        mod, world.general, "excerpt setup", channel=world.debates, time="8am", ping_role=everyone
    )
    assert "won't ping @everyone" in pinged.reply.content  # type: ignore[union-attr]
    bot_role = next(r for r in world.guild.roles.values() if r.name == "moot")
    closed = emulator.add_channel(
        world.guild, "closed", overwrites={bot_role.id: (0, SEND_MESSAGES)}
    )
    await emulator.settle()
    refused = await emulator.slash(
        mod, world.general, "excerpt setup", channel=closed, time="8am", thread=True
    )
    assert refused.ephemeral
    assert "missing Send Messages" in refused.reply.content  # type: ignore[union-attr]
    nothing = await emulator.slash(mod, world.general, "excerpt status")
    assert "No daily excerpt is set up" in nothing.reply.content  # type: ignore[union-attr]
    with pytest.raises(CommandUnavailable):  # hidden from members who are not moderators
        await emulator.slash(
            world.member("alice"), world.general, "excerpt setup", channel=world.debates, time="8am"
        )
    # Had a refused setup been saved, a day on the clock would have brought its 8am post.
    await timeline.advance(24 * 3600)
    assert posts(emulator, world.debates) == []


async def test_posts_once_at_the_local_time_with_the_excerpt_verbatim(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline, bot_settings: Settings
) -> None:
    # 07:59:58 in Paris on an ordinary winter day.
    await timeline.advance_to(datetime(2026, 12, 2, 6, 59, 58, tzinfo=UTC))
    await bots.start()
    reply = await setup(
        emulator, world, time="8am", timezone="Europe/Paris", ping_role=world.moderator_role
    )
    assert next_post(reply) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    note = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}["Note"]
    assert "is not mentionable" in note  # so the moderator knows the ping will be silent
    await timeline.advance(1)
    assert posts(emulator, world.debates) == []  # 07:59:59: not yet
    await timeline.advance(1)
    [post] = posts(emulator, world.debates)  # 08:00 in Paris
    embed = post.embeds[0]
    assert any(embed["description"] in body for body in essay_bodies(bot_settings))
    assert 1 <= embed["description"].count("\n\n") + 1 <= 3
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Side"] in ("Realist", "Values")
    assert re.fullmatch(r"Paragraphs? \d+(-\d+)? of \d+", fields["Where"])
    assert embed["footer"]["text"].startswith("Daily excerpt · 2026-12-02")
    assert embed["author"]["name"]
    # The chosen role is mentioned, and notifies nobody: it is not mentionable and the
    # bot may not mention every role (as the note said). Nothing in the excerpt pings.
    assert post.content == f"<@&{world.moderator_role.id}>"
    assert post.pinged_roles == [] and not post.pinged_everyone
    assert post.pinged_users == []
    await let_sweeps_pass(bots)  # sweeps come and go: still one post
    assert len(posts(emulator, world.debates)) == 1
    shown = await status(emulator, world)
    assert "2026-12-03" not in shown["Next post"]
    assert TIMESTAMP.search(shown["Next post"])[1] == str(  # type: ignore[index]
        int(datetime(2026, 12, 3, 7, 0, tzinfo=UTC).timestamp())
    )
    assert "1 of" in shown["Rotation: alternate"]


async def test_a_ping_role_notifies_only_once_it_is_mentionable(
    bots: Bots, emulator: Emulator, world: World
) -> None:
    """Discord notifies a role's members only if the role is mentionable or the bot may
    mention every role; the setup says which, and the post pings accordingly."""
    await bots.start()
    role = world.moderator_role
    silent = await setup(emulator, world, time="20:30", ping_role=role)
    assert (
        "will not notify anyone"
        in {f["name"]: f["value"] for f in silent.embeds[0]["fields"]}["Note"]
    )
    mod = world.member("mod")
    await emulator.slash(mod, world.general, "excerpt now", timeout=10)
    assert posts(emulator, world.debates)[-1].pinged_roles == []

    await emulator.update_role(world.guild, role, mentionable=True)
    heard = await setup(emulator, world, time="20:30", ping_role=role)
    assert "Note" not in {f["name"] for f in heard.embeds[0]["fields"]}
    await emulator.slash(mod, world.general, "excerpt now", timeout=10)
    assert posts(emulator, world.debates)[-1].pinged_roles == [role.id]


async def test_now_and_preview_follow_the_rotation_and_sides_alternate(
    bots: Bots, emulator: Emulator, world: World
) -> None:
    await bots.start()
    await setup(emulator, world, time="20:30")
    mod = world.member("mod")
    sides = []
    for _ in range(6):
        shown = await emulator.slash(mod, world.general, "excerpt preview")
        assert shown.ephemeral and "Nothing was posted" in shown.reply.content  # type: ignore[union-attr]
        again = await emulator.slash(mod, world.general, "excerpt preview")
        previewed = shown.reply.embeds[0]["description"]  # type: ignore[union-attr]
        assert again.reply.embeds[0]["description"] == previewed  # type: ignore[union-attr]
        done = await emulator.slash(mod, world.general, "excerpt now", timeout=10)
        assert done.ephemeral and "Posted" in done.reply.content  # type: ignore[union-attr]
        latest = posts(emulator, world.debates)[-1]
        assert latest.embeds[0]["description"] == previewed
        sides.append({f["name"]: f["value"] for f in latest.embeds[0]["fields"]}["Side"])
    assert sides == ["Realist", "Values"] * 3
    texts = [p.embeds[0]["description"] for p in posts(emulator, world.debates)]
    assert len(set(texts)) == 6
    shown_status = await status(emulator, world)
    assert "Realist: 3 of 9 excerpts posted (cycle 1)" in shown_status["Rotation: alternate"]
    assert "Values: 3 of 21 excerpts posted (cycle 1)" in shown_status["Rotation: alternate"]


async def test_thread_votes_count_once_per_member_and_survive_a_restart(
    bots: Bots, emulator: Emulator, world: World
) -> None:
    await bots.start()
    await setup(emulator, world, time="8am", thread=True)
    await emulator.slash(world.member("mod"), world.general, "excerpt now", timeout=10)
    [post] = posts(emulator, world.debates)
    thread = world.guild.channels[post.id]
    assert thread.is_thread and thread.parent_id == world.debates.id
    prompt = await emulator.wait_for_message(thread, containing="Which side")
    assert [b["label"] for b in prompt.buttons()] == ["Realist · 0", "Values · 0"]
    alice, bob = world.member("alice"), world.member("bob")
    voted = await emulator.click(alice, prompt, "Realist · 0")
    await eventually(lambda: voted.followups)
    [note] = voted.followups
    assert note.ephemeral and "supports **Realist**" in note.content
    labels = [b["label"] for b in emulator.messages[prompt.id].buttons()]
    assert labels == ["Realist · 1", "Values · 0"]
    await emulator.click(alice, emulator.messages[prompt.id], "Values · 0")
    assert [b["label"] for b in emulator.messages[prompt.id].buttons()] == [
        "Realist · 0",
        "Values · 1",
    ]
    await bots.stop()
    await bots.start()
    await emulator.click(bob, emulator.messages[prompt.id], "Values · 1")
    await asyncio.gather(
        emulator.click(world.member("carol"), emulator.messages[prompt.id], "Realist · 0"),
        emulator.click(world.member("carol"), emulator.messages[prompt.id], "Realist · 0"),
    )
    final = await emulator.click(alice, emulator.messages[prompt.id], "Values · 2")
    await eventually(lambda: final.followups)
    assert final.followups[0].ephemeral
    assert [b["label"] for b in emulator.messages[prompt.id].buttons()] == [
        "Realist · 1",
        "Values · 2",
    ]


async def test_a_vote_in_a_thread_that_archived_itself_is_counted_and_answered(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """A discussion thread archives after a day without activity; nobody can then edit
    its messages, but its buttons still reach the bot. A vote is counted and answered;
    the bot unarchives its own thread to show the tally. In a thread a moderator locked,
    the tally is left as it is, and not retried."""
    await bots.start()
    await setup(emulator, world, time="8am", thread=True)
    await emulator.slash(world.member("mod"), world.general, "excerpt now", timeout=10)
    [post] = posts(emulator, world.debates)
    thread = world.guild.channels[post.id]
    prompt = await emulator.wait_for_message(thread, containing="Which side")
    await timeline.advance(25 * 3600)
    assert thread.archived
    with pytest.raises(CommandUnavailable):  # no commands in an archived thread
        await emulator.slash(world.member("alice"), thread, "quote random")

    voted = await emulator.click(world.member("alice"), emulator.messages[prompt.id], "Realist · 0")
    await timeline.idle()  # the edit of the message was refused; the answer comes after
    assert voted.ephemeral and "supports **Realist**" in voted.reply.content  # type: ignore[union-attr]
    assert not thread.archived
    assert [b["label"] for b in emulator.messages[prompt.id].buttons()] == [
        "Realist · 1",
        "Values · 0",
    ]

    # Locked and archived by a moderator: the vote is counted, the tally stays.
    await emulator.set_thread(thread, locked=True, archived=True)
    edits = len([c for c in emulator.calls if c.method == "PATCH"])
    voted = await emulator.click(world.member("bob"), emulator.messages[prompt.id], "Realist · 1")
    await timeline.idle()
    assert voted.ephemeral and "supports **Realist**" in voted.reply.content  # type: ignore[union-attr]
    await let_sweeps_pass(bots)
    assert [b["label"] for b in emulator.messages[prompt.id].buttons()] == [
        "Realist · 1",
        "Values · 0",
    ]
    assert len([c for c in emulator.calls if c.method == "PATCH"]) == edits  # not tried
    await emulator.set_thread(thread, locked=False, archived=False)
    voted = await emulator.click(world.member("carol"), emulator.messages[prompt.id], "Realist · 1")
    await timeline.idle()
    assert [b["label"] for b in emulator.messages[prompt.id].buttons()] == [
        "Realist · 3",
        "Values · 0",
    ]


async def test_pause_skips_days_resume_starts_from_the_next_time_and_disable_posts_nothing(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await timeline.advance_to(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    await bots.start()
    await setup(emulator, world, time="08:00", timezone="UTC")
    mod = world.member("mod")
    paused = await emulator.slash(mod, world.general, "excerpt pause")
    assert "paused" in paused.reply.content  # type: ignore[union-attr]
    twice = await emulator.slash(mod, world.general, "excerpt pause")
    assert "already paused" in twice.reply.content  # type: ignore[union-attr]
    assert "none: the schedule is paused" in (await status(emulator, world))["Next post"]
    await timeline.advance_to(datetime(2026, 12, 2, 8, 0, 1, tzinfo=UTC))
    assert posts(emulator, world.debates) == []
    await timeline.advance_to(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    resumed = await emulator.slash(mod, world.general, "excerpt resume")
    expected = int(datetime(2026, 12, 3, 8, 0, tzinfo=UTC).timestamp())
    assert f"<t:{expected}:F>" in resumed.reply.content  # type: ignore[union-attr]
    await let_sweeps_pass(bots)
    assert posts(emulator, world.debates) == []  # the paused morning is not made up
    await timeline.advance_to(datetime(2026, 12, 3, 8, 0, 1, tzinfo=UTC))
    assert len(posts(emulator, world.debates)) == 1
    disabled = await emulator.slash(mod, world.general, "excerpt disable")
    assert "disabled" in disabled.reply.content  # type: ignore[union-attr]
    refused = await emulator.slash(mod, world.general, "excerpt resume")
    assert "/excerpt setup" in refused.reply.content  # type: ignore[union-attr]
    # Disabled means nothing is posted, on request either, and nothing changes.
    asked = await emulator.slash(mod, world.general, "excerpt now", timeout=10)
    assert asked.ephemeral and asked.reply is not None
    assert "disabled, so nothing was posted" in asked.reply.content
    assert "/excerpt setup" in asked.reply.content
    await timeline.advance_to(datetime(2026, 12, 4, 8, 0, 1, tzinfo=UTC))
    assert len(posts(emulator, world.debates)) == 1
    assert "Disabled" in (await status(emulator, world))["Status"]


async def test_a_deleted_channel_or_lost_permission_is_reported_then_disables_the_schedule(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await timeline.advance_to(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    await bots.start()
    excerpts_channel = emulator.add_channel(world.guild, "excerpts")
    await emulator.settle()
    await setup(emulator, world, channel=excerpts_channel, time="08:00", timezone="UTC")
    bot_role = next(r for r in world.guild.roles.values() if r.name == "moot")
    emulator.set_overwrites(excerpts_channel, {bot_role.id: (0, SEND_MESSAGES)})
    await emulator.settle()
    await timeline.advance_to(datetime(2026, 12, 2, 8, 0, 1, tzinfo=UTC))
    shown = await status(emulator, world)
    assert "missing Send Messages" in shown["Last error"]
    assert "1 failed post(s) in a row" in shown["Last error"]
    assert shown["Status"] == "Running"
    emulator.remove_channel(excerpts_channel)
    await emulator.settle()
    await timeline.advance_to(datetime(2026, 12, 3, 8, 0, 1, tzinfo=UTC))
    assert "2 failed post(s) in a row" in (await status(emulator, world))["Last error"]
    await timeline.advance_to(datetime(2026, 12, 4, 8, 0, 1, tzinfo=UTC))
    shown = await status(emulator, world)
    assert "no longer exists" in shown["Last error"]
    assert "Disabled after 3 failures" in shown["Last error"]
    assert shown["Status"].startswith("Disabled")
    await timeline.advance_to(datetime(2026, 12, 5, 8, 0, 1, tzinfo=UTC))
    posted_anywhere = [m for m in emulator.messages.values() if m.embeds and not m.ephemeral]
    assert posted_anywhere == []
    fixed = await setup(emulator, world, time="08:00", timezone="UTC")
    assert next_post(fixed) == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert "Last error" not in await status(emulator, world)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_local_time_holds_across_daylight_saving_changes(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    # Paris springs forward on 2027-03-28: 02:00-03:00 does not exist that night.
    await timeline.advance_to(at("2027-03-27T12:00:00+01:00"))
    await bots.start()
    reply = await setup(emulator, world, time="02:30", timezone="Europe/Paris")
    gap = next_post(reply)
    assert gap == at("2027-03-28T03:30:00+02:00")  # a clock set forward shows 03:30
    await timeline.advance_to(gap)
    [post] = posts(emulator, world.debates)
    assert "2027-03-28" in post.embeds[0]["footer"]["text"]
    assert next_post_of(await status(emulator, world)) == at("2027-03-29T02:30:00+02:00")
    # 08:00 stays 08:00 local after the change (06:00 UTC, not 07:00); the 28th had its post.
    reply = await setup(emulator, world, time="08:00", timezone="Europe/Paris")
    assert next_post(reply) == at("2027-03-29T08:00:00+02:00")

    # New York falls back on 2027-11-07: 01:00-02:00 happens twice that night.
    await timeline.advance_to(at("2027-11-06T12:00:00-04:00"))
    reply = await setup(emulator, world, time="1:30am", timezone="America/New_York")
    # The first 01:30 of the repeated hour (EDT), not the second (EST).
    assert next_post(reply) == at("2027-11-07T01:30:00-04:00")
    await timeline.advance_to(at("2027-11-07T01:30:01-04:00"))
    assert len(posts(emulator, world.debates)) == 2
    # The same wall time again, an hour later: no second post.
    await timeline.advance_to(at("2027-11-07T01:30:01-05:00"))
    assert len(posts(emulator, world.debates)) == 2
    # After the change, 01:30 is EST: 06:30 UTC instead of 05:30.
    assert next_post_of(await status(emulator, world)) == at("2027-11-08T01:30:00-05:00")


def next_post_of(fields: dict[str, str]) -> datetime:
    found = TIMESTAMP.search(fields["Next post"])
    assert found, fields["Next post"]
    return datetime.fromtimestamp(int(found[1]), UTC)


async def test_restart_inside_the_grace_window_posts_late_outside_it_skips_the_day(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    await timeline.advance_to(at("2026-12-02T07:00:00+00:00"))
    await bots.start()
    await setup(emulator, world, time="08:00", timezone="UTC")
    await bots.stop()
    await timeline.advance_to(at("2026-12-02T13:30:00+00:00"))  # down at 08:00, back 5.5 h later
    await bots.start()
    [late] = posts(emulator, world.debates)
    assert "late: due at 08:00" in late.embeds[0]["footer"]["text"]
    assert "2026-12-02" in late.embeds[0]["footer"]["text"]
    await bots.stop()
    await timeline.advance_to(at("2026-12-03T14:30:00+00:00"))  # down at 08:00, back 6.5 h later
    await bots.start()
    shown = await status(emulator, world)
    assert "past the 6 h grace window" in shown["Last skipped day: 2026-12-03"]
    assert next_post_of(shown) == at("2026-12-04T08:00:00+00:00")
    assert len(posts(emulator, world.debates)) == 1
    await timeline.advance_to(at("2026-12-04T08:00:01+00:00"))
    assert len(posts(emulator, world.debates)) == 2


async def claim_at(db: Database, world: World, when: str) -> Claim:
    """Claim the day's post as a process would just before being killed."""
    async with db.session() as session:
        due = await claim_due(
            world.guild.id, now=at(when), grace=timedelta(hours=6), session=session
        )
    assert due.claim is not None
    return due.claim


async def test_a_post_interrupted_after_its_claim_goes_out_once_on_recovery(
    bots: Bots, emulator: Emulator, world: World, timeline: Timeline, bot_settings: Settings
) -> None:
    await timeline.advance_to(at("2026-12-02T07:00:00+00:00"))
    await bots.start()
    await setup(emulator, world, time="08:00", timezone="UTC")
    await bots.stop()
    db = Database(bot_settings.database_url)
    try:
        # A process claimed 08:00's post, sent it, and was killed before recording it.
        await timeline.advance_to(at("2026-12-02T08:00:01+00:00"))
        claim = await claim_at(db, world, "2026-12-02T08:00:01+00:00")
        async with aiohttp.ClientSession() as http:
            sent = await http.post(
                f"{emulator.api_url}/channels/{world.debates.id}/messages",
                headers={"Authorization": f"Bot {emulator.token}"},
                json={
                    "embeds": [
                        {"description": claim.excerpt.text, "footer": {"text": "Daily excerpt"}}
                    ],
                    "nonce": claim.nonce,
                    "enforce_nonce": True,
                },
            )
            assert sent.status == 200
        await timeline.advance_to(at("2026-12-02T08:03:00+00:00"))  # past the claim's lease
        await bots.start()
        assert "[jump]" in (await status(emulator, world))["Last post"]  # recorded as posted
        assert len(posts(emulator, world.debates)) == 1
        await bots.stop()

        # Next day the process dies after claiming, before sending anything.
        await timeline.advance_to(at("2026-12-03T08:00:01+00:00"))
        claim = await claim_at(db, world, "2026-12-03T08:00:01+00:00")
        await timeline.advance_to(at("2026-12-03T08:03:00+00:00"))
        await bots.start()
        assert len(posts(emulator, world.debates)) == 2
        await let_sweeps_pass(bots)
        assert len(posts(emulator, world.debates)) == 2
        assert posts(emulator, world.debates)[-1].embeds[0]["description"] == claim.excerpt.text
        await bots.stop()

        # The third day the process sends, dies before recording it, and the bot is down
        # for an hour: far longer than Discord remembers a nonce ("a few minutes"), so
        # the resend would post again. Recovery finds the post in the channel instead.
        await timeline.advance_to(at("2026-12-04T08:00:01+00:00"))
        claim = await claim_at(db, world, "2026-12-04T08:00:01+00:00")
        sent_id = await send_as_bot(emulator, world, claim)
        await timeline.advance_to(at("2026-12-04T09:00:01+00:00"))
        await bots.start()
        await let_sweeps_pass(bots)
        assert len(posts(emulator, world.debates)) == 3
        assert posts(emulator, world.debates)[-1].id == sent_id
        assert str(sent_id) in (await status(emulator, world))["Last post"]
    finally:
        await db.close()


async def send_as_bot(emulator: Emulator, world: World, claim: Claim) -> int:
    """Post `claim` as the bot's process would have, just before it was killed."""
    footer = f"Daily excerpt · {claim.day.isoformat()}" if claim.day else "Daily excerpt"
    embed = excerpt_embed(claim.excerpt, footer).to_dict()
    async with aiohttp.ClientSession() as http:
        sent = await http.post(
            f"{emulator.api_url}/channels/{world.debates.id}/messages",
            headers={"Authorization": f"Bot {emulator.token}"},
            json={
                "embeds": [embed],
                "nonce": claim.nonce,
                "enforce_nonce": True,
            },
        )
        assert sent.status == 200
        return int((await sent.json())["id"])
