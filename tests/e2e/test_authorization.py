"""The authorization matrix: every moderator command, tried by a plain member through the
emulator, is refused and changes nothing. Commands Discord hides from members by default
are tried twice: as Discord shows them (hidden), and after an admin let everyone see them
in Integrations, when moot's own check must refuse."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from bot.checks import moderators_only
from bot.client import MootBot
from bot.db import Database
from bot.services.guild_config import update_settings
from bot.settings import Settings
from emulator import CommandUnavailable, Emulator, World
from emulator.timeline import Timeline
from tests.e2e.test_planning import schedule
from tests.e2e.test_rounds import started_round

WALT = "walt-2018-alliance-against-the-establishment"


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    db = Database(url)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with db.session() as session:
            connection = await session.connection()
            for table in SQLModel.metadata.sorted_tables:
                rows = (await connection.execute(select(table))).all()
                tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    finally:
        await db.close()
    return tables


def public_state(emulator: Emulator, world: World) -> str:
    """What members can see: every non-ephemeral message and scheduled event."""
    messages = [
        (m.id, m.data.get("content"), json.dumps(m.embeds), json.dumps(m.buttons()))
        for m in emulator.messages.values()
        if not m.ephemeral
    ]
    return json.dumps([messages, list(world.guild.scheduled_events.values())], default=str)


async def test_every_moderator_command_refuses_a_plain_member_and_changes_nothing(
    bot: MootBot, bot_settings: Settings, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    mod, alice, carol = world.member("mod"), world.member("alice"), world.member("carol")
    # Something for every command to act on: a round under way in its thread (in its
    # first turn: the clock stands still), a planned round, a daily excerpt schedule, a
    # saved quote.
    r = await started_round(emulator, world, motion="Test", timeline=timeline)
    await r.wait_turns(1)
    planned, _ = await schedule(emulator, world, when="in 3 hours", motion="Planned")
    await emulator.slash(mod, world.general, "excerpt setup", channel=world.general, time="08:00")
    said = await emulator.post(alice, world.general, "A line worth keeping.")
    saved = await emulator.context_menu(alice, "Save as quote", said)
    quote = int(re.search(r"#(\d+)", saved.reply.content)[1])  # type: ignore[index, union-attr]

    thread = r.thread
    general, debates = world.general, world.debates
    matrix: dict[str, tuple[Any, dict[str, Any]]] = {
        "config show": (general, {}),
        "config moderator-role": (general, {"role": world.moderator_role}),
        "config timezone": (general, {"name": "Europe/Paris"}),
        "config debate-channel": (general, {"channel": debates}),
        "config venue": (general, {}),
        "quote export": (general, {}),
        "quote import": (
            general,
            {"file": ("quotes.json", json.dumps({"quotes": [{"text": "In."}]}).encode())},
        ),
        "corpus add": (
            general,
            {"file": ("essay.md", b"A sneaky essay of five words and more."), "side": "values"},
        ),
        "corpus edit": (general, {"essay": WALT, "title": "Sneaky"}),
        "corpus remove": (general, {"essay": WALT}),
        "excerpt setup": (general, {"channel": debates, "time": "09:30"}),
        "excerpt now": (general, {}),
        "excerpt preview": (general, {}),
        "excerpt pause": (general, {}),
        "excerpt resume": (general, {}),
        "excerpt disable": (general, {}),
        "excerpt status": (general, {}),
        "debate start": (general, {"motion": "Sneaky"}),
        "debate pause": (thread, {}),
        "debate resume": (thread, {}),
        "debate extend": (thread, {"seconds": 60}),
        "debate skip": (thread, {}),
        "debate remove": (thread, {"member": alice}),
        "debate end": (thread, {}),
        "debate judge": (thread, {"member": carol}),
        "round schedule": (debates, {"when": "in 5 hours", "motion": "Sneaky"}),
        "round cancel": (debates, {"id": planned}),
        "round skip": (debates, {"id": planned}),
        "round reschedule": (debates, {"id": planned, "when": "in 6 hours"}),
        "scores season new": (general, {"name": "Sneaky season"}),
        "scores adjust": (general, {"member": alice, "points": 5, "reason": "Sneaky"}),
    }
    guarded = {
        c.qualified_name
        for c in bot.tree.walk_commands()
        if not isinstance(c, type(bot.tree)) and hasattr(c, "checks") and moderators_only(c)
    }
    assert set(matrix) == guarded, "every moderator command needs a row in the matrix"

    await timeline.idle()
    before_rows = await snapshot(bot_settings.database_url)
    before_public = public_state(emulator, world)
    hidden = []
    for name, (channel, options) in matrix.items():
        try:
            answer = await emulator.slash(carol, channel, name, **options)
        except CommandUnavailable:
            hidden.append(name)
            # An admin lets everyone see the command: moot itself must refuse.
            world.guild.command_overrides.setdefault(name.split()[0], set()).add(world.guild.id)
            answer = await emulator.slash(carol, channel, name, **options)
        reply = answer.reply
        assert reply is not None and reply.ephemeral, name
        assert reply.content.startswith("Only moderators"), (name, reply.content)
        assert not reply.attachments, name
    # Members do not even see the server-settings commands unless an admin allows it.
    assert {n.split()[0] for n in hidden} == {"config", "corpus", "excerpt"}
    # The saver or a moderator may delete a saved quote; another member may not.
    refused = await emulator.slash(carol, general, "quote delete", id=quote)
    assert refused.reply is not None and refused.reply.ephemeral
    assert "or a moderator can delete it" in refused.reply.content, refused.reply.content
    # Whatever a refused command might have set going has had its chance to act: a sweep
    # of the bot's has run (and the round's first turn, three minutes, is not over).
    await timeline.advance(bot_settings.sweep_seconds)
    assert await snapshot(bot_settings.database_url) == before_rows
    assert public_state(emulator, world) == before_public


async def test_the_refusal_names_the_configured_moderator_role(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    """A member told "it needs Manage Server" would ask an admin for a permission they
    need not have: with a moderator role set, the refusal names that role too."""
    mod, alice = world.member("mod"), world.member("alice")
    helpers = emulator.add_role(world.guild, "Helpers")
    await emulator.slash(mod, world.general, "config moderator-role", role=helpers)
    refused = await emulator.slash(alice, world.general, "debate start", motion="Test")
    reply = refused.reply
    assert reply is not None and reply.ephemeral
    assert reply.content == (
        f"Only moderators can do that: it needs Manage Server or the <@&{helpers.id}> role."
    )


async def test_a_deleted_moderator_role_is_not_named_as_a_way_in(
    bot: MootBot, emulator: Emulator, world: World
) -> None:
    """A role deleted since /config moderator-role set it shows as "@deleted-role":
    nobody can be given it, so the refusal says it is gone instead of naming it."""
    alice = world.member("alice")
    async with bot.db.session() as session:
        await update_settings(world.guild.id, moderator_role_id=4242, session=session)
    refused = await emulator.slash(alice, world.general, "debate start", motion="Test")
    reply = refused.reply
    assert reply is not None and reply.ephemeral
    assert reply.content == (
        "Only moderators can do that: it needs Manage Server "
        "(the moderator role set with /config moderator-role was deleted)."
    )
