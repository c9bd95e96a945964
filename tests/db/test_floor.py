"""A round's venue and the floor changes moot records, on SQLite and PostgreSQL: each
member's state before moot's first change is kept, settled records start afresh, a text
round and a released venue are no longer held, and a member owed an unmute is found."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db import Database
from bot.formats import load_formats
from bot.services import floor, rounds
from bot.services.guild_config import update_settings
from tests.conftest import PROJECT_ROOT

GUILD = 2_000_000_000_000_000_003
STAGE_ID = 2_000_000_000_000_000_777
# Snowflakes past 32 bits: PostgreSQL's INTEGER would overflow.
ALICE, BOB = 2_000_000_000_000_000_101, 2_000_000_000_000_000_102
T0 = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
FMT = load_formats(PROJECT_ROOT / "formats")["realist-vs-values"]


async def new_round(db: Database, kind: str | None = floor.STAGE) -> int:
    async with db.session() as s:
        view = await rounds.create_round(
            GUILD, 7, motion="Balance of power", fmt=FMT, pace=1.0, by=1, now=T0, session=s
        )
        if kind is not None:
            await floor.set_venue(view.id, GUILD, STAGE_ID, kind, now=T0, session=s, event_id=55)
    return view.id


async def test_a_venue_is_loaded_with_the_servers_moderator_role(db: Database) -> None:
    with_venue, without = await new_round(db), await new_round(db, kind=None)
    async with db.session() as s:
        await update_settings(GUILD, session=s, moderator_role_id=ALICE)
    async with db.session() as s:
        venues = await floor.load_venues([with_venue, without], session=s)
    assert list(venues) == [with_venue]
    venue = venues[with_venue]
    assert (venue.channel_id, venue.kind, venue.state, venue.event_id) == (
        STAGE_ID,
        floor.STAGE,
        floor.HOLDING,
        55,
    )
    assert venue.moderator_role_id == ALICE
    assert venue.opens_instance is False


async def test_the_state_before_the_first_change_is_kept(db: Database) -> None:
    round_id = await new_round(db)
    async with db.session() as s:
        first = await floor.record(
            [
                (round_id, GUILD, ALICE, floor.SUPPRESS, True),
                (round_id, GUILD, BOB, floor.SUPPRESS, False),
            ],
            now=T0,
            session=s,
        )
    assert [(r.user_id, r.before) for r in first] == [(ALICE, True), (BOB, False)]
    # Alice brought up then down again: her first state is what the round found.
    async with db.session() as s:
        again = await floor.record(
            [(round_id, GUILD, ALICE, floor.SUPPRESS, False)], now=T0, session=s
        )
    assert again[0].id == first[0].id and again[0].before is True
    async with db.session() as s:
        await floor.settle([first[0].id], session=s)
    async with db.session() as s:
        assert [r.user_id for r in await floor.changes_of([round_id], session=s)] == [BOB]
        # Once settled (she left the Stage), her next change is a first change again.
        fresh = await floor.record(
            [(round_id, GUILD, ALICE, floor.SUPPRESS, False)], now=T0, session=s
        )
    assert fresh[0].id == first[0].id and fresh[0].before is False
    async with db.session() as s:
        assert {r.user_id for r in await floor.changes_of([round_id], session=s)} == {ALICE, BOB}


async def test_text_rounds_and_released_venues_are_not_held(db: Database) -> None:
    held, text, released = await new_round(db), await new_round(db), await new_round(db)
    async with db.session() as s:
        await floor.run_as_text(text, "I'm missing Mute Members", session=s)
        await floor.release(released, session=s)
        await floor.intend_instance(held, True, session=s)
    async with db.session() as s:
        venues = await floor.held_venues(shard_count=None, shard_ids=None, session=s)
        loaded = await floor.load_venues([text], session=s)
    assert [v.round_id for v in venues] == [held]
    assert venues[0].opens_instance is True
    assert loaded[text].state == floor.TEXT and "Mute Members" in loaded[text].note


async def test_a_member_left_muted_by_a_round_that_is_over_is_owed(db: Database) -> None:
    over, going = await new_round(db, floor.VOICE), await new_round(db, floor.VOICE)
    async with db.session() as s:
        await floor.record(
            [
                (over, GUILD, ALICE, floor.MUTE, False),
                (over, GUILD, BOB, floor.MUTE, False),
                (going, GUILD, BOB, floor.MUTE, False),
            ],
            now=T0,
            session=s,
        )
        await rounds.end(over, by=1, now=T0, session=s)
    async with db.session() as s:
        owed = await floor.owed(shard_count=None, shard_ids=None, session=s)
        bob = await floor.owed(shard_count=None, shard_ids=None, session=s, user_id=BOB)
    assert [(g, r.round_id, r.user_id) for g, r in owed] == [
        (GUILD, over, ALICE),
        (GUILD, over, BOB),
    ]
    assert [r.round_id for _, r in bob] == [over]


async def test_a_thousand_members_changed_at_once_are_recorded_in_one_call(
    db: Database,
) -> None:
    # Many rounds starting together: one batch of first changes, and again for the same
    # members (each keeps the state first recorded).
    round_ids = [await new_round(db) for _ in range(3)]
    changes = [
        (round_ids[n % 3], GUILD, ALICE + n, floor.SUPPRESS, n % 2 == 0) for n in range(1200)
    ]
    async with db.session() as s:
        first = await floor.record(changes, now=T0, session=s)
    async with db.session() as s:
        again = await floor.record(
            [(r, g, u, w, not b) for r, g, u, w, b in changes], now=T0, session=s
        )
    assert len(first) == len(again) == 1200
    assert [r.id for r in again] == [r.id for r in first]
    assert [r.before for r in again] == [n % 2 == 0 for n in range(1200)]
