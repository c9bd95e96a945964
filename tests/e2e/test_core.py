"""The bot's core through the emulator: start-up, /help, /config, errors, faults, mentions."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import discord
import pytest
from discord import app_commands

from bot.checks import moderators_only
from bot.client import MootBot
from bot.runtime import stop, sync
from bot.settings import Settings
from emulator import CommandUnavailable, Emulator, World
from emulator.state import SEND_MESSAGES
from emulator.timeline import Timeline
from tests.e2e.conftest import BotProcess, wait_until_serving


def sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


async def test_startup_registers_every_command_once(
    bot: MootBot, emulator: Emulator, bot_settings: Settings, world: World, timeline: Timeline
) -> None:
    names = {c["name"] for c in emulator.global_commands}
    assert {"help", "config"} <= names
    assert emulator.command_puts == 1
    config = next(c for c in emulator.global_commands if c["name"] == "config")
    assert config["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert {o["name"] for o in config["options"]} == {
        "show",
        "moderator-role",
        "timezone",
        "debate-channel",
        "venue",
    }
    # A second start with the same tree does not sync again: the database remembers it.
    second, task = await timeline.start(bot_settings)
    await stop(second, task)
    assert emulator.command_puts == 1


async def test_help_lists_member_and_moderator_commands(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    answer = await emulator.slash(world.member("alice"), world.general, "help")
    assert answer.ephemeral and not answer.errors
    embed = answer.reply.embeds[0]  # type: ignore[union-attr]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "/help" in fields["Everyone"]
    moderators = next(v for k, v in fields.items() if k.startswith("Moderators"))
    assert "/config timezone" in moderators and "/config show" in moderators
    assert "/config" not in fields["Everyone"]


async def test_help_files_every_moderator_command_under_moderators(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    """Commands behind the moderator check are the moderators', even in a group open to
    everyone (/round schedule under /round); the sections follow the commands themselves."""
    answer = await emulator.slash(world.member("alice"), world.general, "help")
    fields = {f["name"]: f["value"] for f in answer.reply.embeds[0]["fields"]}  # type: ignore[union-attr]
    everyone = "\n".join(v for k, v in fields.items() if k.startswith("Everyone"))
    moderators = "\n".join(v for k, v in fields.items() if k.startswith("Moderators"))
    listed = {
        line.split("`")[1]: line
        for text in (everyone, moderators)
        for line in text.splitlines()
        if line.startswith("`/")
    }
    guarded = {
        f"/{c.qualified_name}"
        for c in bot.tree.walk_commands(type=discord.AppCommandType.chat_input)
        if isinstance(c, app_commands.Command) and moderators_only(c)
    }
    assert {"/debate start", "/round schedule", "/scores adjust", "/scores season new"} <= guarded
    for name in guarded:
        assert name in listed, name
        assert f"`{name}`" in moderators and f"`{name}`:" not in everyone, name
    assert "`/debate join`" in everyone and "`/quote search`" in everyone


async def test_config_is_hidden_from_members_and_refused_when_shown(
    bot: MootBot, emulator: Emulator, world: World, bot_settings: Settings
) -> None:
    alice = world.member("alice")
    with pytest.raises(CommandUnavailable, match="hidden"):
        await emulator.slash(alice, world.general, "config show")
    # An admin shows /config to everyone in Integrations: moot's own check still refuses.
    emulator.grant(world.guild, "config", world.guild.roles[world.guild.id])
    for command, options in (
        ("config show", {}),
        ("config timezone", {"name": "Europe/Paris"}),
        ("config debate-channel", {"channel": world.debates}),
    ):
        answer = await emulator.slash(alice, world.general, command, **options)
        assert answer.ephemeral
        assert answer.reply.content == "Only moderators can do that: it needs Manage Server."  # type: ignore[union-attr]
    with sqlite3.connect(sqlite_path(bot_settings.database_url)) as db:
        assert db.execute("SELECT count(*) FROM guild_config").fetchone() == (0,)


async def test_moderator_changes_settings_and_the_moderator_role_grants_access(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    mod, carol = world.member("mod"), world.member("carol")
    helpers = emulator.add_role(world.guild, "Helpers")
    carol.roles.append(helpers.id)
    emulator.grant(world.guild, "config", helpers)

    refused = await emulator.slash(carol, world.general, "config timezone", name="Asia/Tokyo")
    assert refused.reply.content.startswith("Only moderators")  # type: ignore[union-attr]

    set_role = await emulator.slash(mod, world.general, "config moderator-role", role=helpers)
    assert set_role.ephemeral
    assert f"<@&{helpers.id}>" in set_role.reply.text()  # type: ignore[union-attr]

    accepted = await emulator.slash(carol, world.general, "config timezone", name="asia/tokyo")
    assert "Asia/Tokyo" in accepted.reply.text()  # type: ignore[union-attr]
    channel = await emulator.slash(
        carol, world.general, "config debate-channel", channel=world.debates
    )
    assert f"<#{world.debates.id}>" in channel.reply.text()  # type: ignore[union-attr]
    shown = await emulator.slash(mod, world.general, "config show")
    text = shown.reply.text()  # type: ignore[union-attr]
    assert "Asia/Tokyo" in text and f"<@&{helpers.id}>" in text and f"<#{world.debates.id}>" in text

    cleared = await emulator.slash(mod, world.general, "config moderator-role")
    assert "Moderator role cleared" in cleared.reply.text()  # type: ignore[union-attr]
    again = await emulator.slash(carol, world.general, "config show")
    assert again.reply.content.startswith("Only moderators")  # type: ignore[union-attr]


async def test_timezone_autocomplete_and_bad_input(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    mod = world.member("mod")
    choices = await emulator.autocomplete(mod, world.general, "config timezone", "name", "new_y")
    assert [c["value"] for c in choices][:1] == ["America/New_York"]
    assert (
        len(await emulator.autocomplete(mod, world.general, "config timezone", "name", "a")) == 25
    )
    bad = await emulator.slash(mod, world.general, "config timezone", name="Mars/Olympus")
    assert bad.ephemeral and "is not a time zone I know" in bad.reply.content  # type: ignore[union-attr]
    shown = await emulator.slash(mod, world.general, "config show")
    assert "UTC" in shown.reply.text()  # type: ignore[union-attr]
    everyone = await emulator.slash(
        mod, world.general, "config moderator-role", role=world.guild.roles[world.guild.id]
    )
    assert "@everyone cannot be the moderator role" in everyone.reply.content  # type: ignore[union-attr]


async def test_debate_channel_lists_missing_permissions(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    bot_role = next(r for r in world.guild.roles.values() if r.name == "moot")
    locked = emulator.add_channel(
        world.guild, "locked", overwrites={bot_role.id: (0, SEND_MESSAGES)}
    )
    answer = await emulator.slash(
        world.member("mod"), world.general, "config debate-channel", channel=locked
    )
    assert "missing Send Messages" in answer.reply.content  # type: ignore[union-attr]


async def test_unexpected_error_is_logged_and_answered(
    bot: MootBot,
    emulator: Emulator,
    world: World,
    bot_settings: Settings,
    timeline: Timeline,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A real fault below the bot: the table it needs disappears.
    def drop() -> None:
        with sqlite3.connect(sqlite_path(bot_settings.database_url)) as db:
            db.execute("DROP TABLE guild_config")

    # Once the bot is idle (no sweep mid-transaction), and in a thread: the bot shares
    # this event loop, which must not block on SQLite's lock.
    await timeline.idle()
    await asyncio.to_thread(drop)
    answer = await emulator.slash(world.member("mod"), world.general, "config show")
    assert answer.ephemeral
    assert answer.reply.content.startswith("Something went wrong on our side")  # type: ignore[union-attr]
    logged = [r for r in caplog.records if r.name == "moot.bot" and r.levelname == "ERROR"]
    assert logged and "/config show" in logged[0].getMessage()
    assert str(world.guild.id) in logged[0].getMessage()
    # The same fault inside the moderator check (a member without Manage Server).
    emulator.grant(world.guild, "config", world.guild.roles[world.guild.id])
    checked = await emulator.slash(world.member("alice"), world.general, "config show")
    assert checked.reply.content.startswith("Something went wrong on our side")  # type: ignore[union-attr]


async def test_rate_limit_storm_and_gateway_drop_lose_no_reply(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    emulator.faults.rate_limit = 0.5
    emulator.faults.retry_after = 0.02
    members = [world.member(n) for n in ("alice", "bob", "carol", "dave")]
    answers = await asyncio.gather(
        *(emulator.slash(members[i % 4], world.general, "help", timeout=10) for i in range(20))
    )
    assert all(a.reply is not None and not a.errors for a in answers)
    limited = [c for c in emulator.calls if c.status == 429]
    assert limited, "the storm injected no 429"
    emulator.faults.rate_limit = 0.0

    resumes = emulator.resume_count
    await emulator.drop_gateway(4000)
    # Sent while the bot is reconnecting: replayed on RESUME, answered in time.
    answer = await emulator.slash(world.member("alice"), world.general, "help", timeout=10)
    assert answer.reply is not None and not answer.errors
    assert emulator.resume_count == resumes + 1

    await emulator.invalidate_sessions()
    await emulator.drop_gateway(4000)
    await wait_until_serving(emulator, world)
    assert emulator.identify_count >= 2


async def test_nothing_the_bot_sends_mentions_anyone_by_default(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    mod = world.member("mod")
    alice = world.member("alice")
    hostile = f"@everyone @here <@{alice.user.id}> <@&{world.moderator_role.id}>"
    answer = await emulator.slash(mod, world.general, "config timezone", name=hostile)
    reply = answer.reply
    assert reply is not None and "@everyone" in reply.content
    assert not reply.pinged_everyone and reply.pinged_users == [] and reply.pinged_roles == []
    await emulator.slash(mod, world.general, "help")
    await timeline.idle()
    payloads = [c.body for c in emulator.calls if c.method in ("POST", "PATCH") and c.body]
    messages = [p.get("data", p) for p in payloads if isinstance(p, dict)]
    sent = [m for m in messages if isinstance(m, dict) and ("content" in m or "embeds" in m)]
    assert sent
    for message in sent:
        assert message.get("allowed_mentions") == {"parse": []}, message


async def test_runs_as_its_own_process_and_stops_cleanly_on_sigterm(
    bot_process: BotProcess, emulator: Emulator, world: World
) -> None:
    bot_process.start()
    await wait_until_serving(emulator, world)
    code = await bot_process.terminate()
    output = bot_process.output()
    assert code == 0, output
    assert "stopped cleanly" in output and "Traceback" not in output
    assert "the alarm scheduler has stopped" in output


async def test_restart_after_sigkill_serves_again_without_resyncing(
    bot_process: BotProcess, emulator: Emulator, world: World
) -> None:
    bot_process.start()
    await wait_until_serving(emulator, world)
    puts = emulator.command_puts
    await emulator.slash(world.member("mod"), world.general, "config timezone", name="Europe/Oslo")
    bot_process.kill()
    bot_process.start()
    await wait_until_serving(emulator, world)
    shown = await emulator.slash(world.member("mod"), world.general, "config show")
    assert "Europe/Oslo" in shown.reply.text()  # type: ignore[union-attr]
    assert emulator.command_puts == puts
    assert re.search(r"unchanged since the last sync", bot_process.output())


async def test_sync_command_forces_a_global_sync(
    bot: MootBot, emulator: Emulator, bot_settings: Settings
) -> None:
    before = emulator.command_puts
    await sync(bot_settings)
    assert emulator.command_puts == before + 1
    assert {c["name"] for c in emulator.global_commands} >= {"help", "config"}
