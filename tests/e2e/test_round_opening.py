"""Opening a round that a stopped process left half-open: after an outage longer than
Discord remembers a nonce, the repair finds what already went out instead of posting it
again; a half-open round saved long ago is ended, not opened out of nowhere."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select, update

from bot.client import MootBot
from bot.formats import DEFAULT_FORMAT
from bot.models import Round
from bot.services import rounds
from emulator import Emulator, World
from emulator.timeline import Timeline

MOTION = "This house would open each round once"


async def test_a_half_open_round_repaired_after_a_long_outage_opens_nothing_twice(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    answer = await emulator.slash(world.member("mod"), world.general, "debate start", motion=MOTION)
    assert "is open in" in answer.reply.content  # type: ignore[union-attr]
    async with bot.db.session() as session:
        [row] = (await session.exec(select(Round))).all()
        opened = (row.id, row.thread_id, row.lobby_message_id)
        # As if the process had stopped after posting everything but before saving it.
        await session.exec(
            update(Round).where(Round.id == row.id).values(thread_id=None, lobby_message_id=None)
        )
    posted = (len(emulator.messages), len(world.guild.channels))
    # Ten minutes: twice what Discord remembers a nonce for, and several sweeps.
    await timeline.advance(10 * 60)
    async with bot.db.session() as session:
        row = await session.get(Round, opened[0], populate_existing=True)
        assert row is not None
        assert (row.id, row.thread_id, row.lobby_message_id) == opened
        assert row.status == "lobby"
    assert (len(emulator.messages), len(world.guild.channels)) == posted


async def test_a_half_open_round_saved_long_ago_is_ended_not_opened(
    bot: MootBot, emulator: Emulator, world: World, timeline: Timeline
) -> None:
    """Say, left by a version that did not repair such rounds: opening it hours later
    would put a lobby nobody asked for in the channel."""
    async with bot.db.session() as session:
        view = await rounds.create_round(
            world.guild.id,
            world.general.id,
            motion=MOTION,
            fmt=bot.formats[DEFAULT_FORMAT],
            pace=1.0,
            by=world.member("mod").user.id,
            now=bot.clock.now() - timedelta(hours=3),
            session=session,
        )
        await session.exec(
            update(Round)
            .where(Round.id == view.id)
            .values(created_at=bot.clock.now() - timedelta(hours=3))
        )
    posted = len(emulator.messages)
    await timeline.advance(2 * 60 + bot.settings.sweep_seconds)
    async with bot.db.session() as session:
        row = await session.get(Round, view.id, populate_existing=True)
        assert row is not None and row.status == "ended" and row.thread_id is None
    assert len(emulator.messages) == posted
