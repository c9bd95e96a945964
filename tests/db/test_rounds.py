"""The round service on SQLite and PostgreSQL under concurrency: every racing change wins
once, and a hundred members voting at once are each counted once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.db import Database
from bot.domain import RoundStatus, Side
from bot.errors import MootError
from bot.formats import Format, load_formats
from bot.models import RoundEvent
from bot.services import rounds
from tests.conftest import PROJECT_ROOT, attempt

GUILD = 2_000_000_000_000_000_002
T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
FORMATS = load_formats(PROJECT_ROOT / "formats")
FMT: Format = FORMATS["realist-vs-values"]


async def running_round(db: Database) -> int:
    async with db.session() as s:
        view = await rounds.create_round(
            GUILD, 5, motion="Realism", fmt=FMT, pace=1.0, by=1, now=T0, session=s
        )
        await rounds.join(view.id, 10, "A", "realist", fmt=FMT, now=T0, session=s)
        await rounds.join(view.id, 11, "B", "values", fmt=FMT, now=T0, session=s)
    starts = await asyncio.gather(
        *(
            attempt(db, lambda s: rounds.start(view.id, fmt=FMT, by=1, now=T0, session=s))
            for _ in range(4)
        )
    )
    assert sum(c is not None for c in starts) == 1  # Start pressed four times: one start
    return view.id


async def test_racing_skips_and_timer_ticks_move_the_round_one_turn_each(db: Database) -> None:
    round_id = await running_round(db)
    async with db.session() as s:
        seen = (await rounds.get_round(round_id, session=s)).current_turn
    assert seen is not None
    # Five moderators skip the turn they see. On SQLite one process applies them one after
    # another, so each must name the turn it meant, or they would skip five turns.
    skips = await asyncio.gather(
        *(
            attempt(
                db,
                lambda s: rounds.skip(round_id, fmt=FMT, by=1, now=T0, session=s, turn_id=seen.id),
            )
            for _ in range(5)
        )
    )
    assert sum(c is not None for c in skips) == 1
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    assert view.current == 2
    # Turn 2's deadline passes: five timers (two processes, a sweep...) fire at once.
    late = T0 + timedelta(seconds=181)
    ticks = await asyncio.gather(
        *(
            attempt(db, lambda s: rounds.tick([round_id], formats=FORMATS, now=late, session=s))
            for _ in range(5)
        )
    )
    turn_starts = [n for t in ticks if t for n in t[round_id].notices if n.kind == "turn"]
    assert len(turn_starts) == 1
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    assert view.current == 3 and [t.status.value for t in view.turns[:3]] == [
        "done",
        "done",
        "running",
    ]


async def test_batches_of_due_rounds_that_overlap_move_each_round_once(db: Database) -> None:
    """Timers tick every round due at once in one batch; two processes' batches overlap."""
    ids = [await running_round(db) for _ in range(12)]
    late = T0 + timedelta(seconds=FMT.turns[0].seconds + 1)
    batches = await asyncio.gather(
        *(
            attempt(
                db, lambda s, some=some: rounds.tick(some, formats=FORMATS, now=late, session=s)
            )
            for some in (ids, ids[::2], ids[5:], ids)
        )
    )
    starts: dict[int, int] = {}
    for batch in batches:
        for round_id, ticked in (batch or {}).items():
            for notice in ticked.notices:
                if notice.kind == "turn":
                    starts[round_id] = starts.get(round_id, 0) + 1
                    assert ticked.view is not None and ticked.view.current == 2
                    assert ticked.due_at == ticked.view.due_at
    assert starts == {round_id: 1 for round_id in ids}
    async with db.session() as s:
        views = await rounds.load_rounds(ids, session=s)
        events = await s.exec(
            select(RoundEvent.kind, func.count())
            .where(col(RoundEvent.round_id).in_(ids))
            .group_by(col(RoundEvent.kind))
        )
        counts = dict(events.all())
    for view in views.values():
        assert view.current == 2
        assert [t.status.value for t in view.turns[:3]] == ["done", "running", "pending"]
        second = view.turns[1]
        assert second.started_at == late and view.due_at is not None
    assert counts["turn-time"] == 12 and counts["turn"] == 24  # 12 first turns, 12 second


async def lobby(db: Database, *sides: str) -> int:
    async with db.session() as s:
        view = await rounds.create_round(
            GUILD, 5, motion="Realism", fmt=FMT, pace=1.0, by=1, now=T0, session=s
        )
        for number, side in enumerate(sides):
            await rounds.join(view.id, 10 + number, f"M{number}", side, fmt=FMT, now=T0, session=s)
    return view.id


async def test_rounds_started_together_each_start_once_or_say_why_not(db: Database) -> None:
    """Start pressed in many lobbies at once: one transaction starts them all; a round that
    cannot start is refused on its own; a second press on a round is told it has started;
    a batch overlapping another (two processes) starts nothing twice."""
    ready, lonely, other = (
        await lobby(db, "realist", "values"),
        await lobby(db, "realist"),
        await lobby(db, "realist", "values"),
    )
    async with db.session() as s:
        results = await rounds.start_many(
            [(ready, 1), (lonely, 1), (other, 2), (ready, 3)],
            formats=FORMATS,
            now=T0,
            session=s,
        )
    started, refused, also, again = results
    assert isinstance(refused, MootError) and "nobody has joined Values" in str(refused)
    assert isinstance(again, MootError) and "already started" in str(again)
    assert isinstance(started, rounds.RoundUpdate) and isinstance(also, rounds.RoundUpdate)
    assert [n.kind for n in started.notices] == ["started", "turn"]
    async with db.session() as s:
        stored = await rounds.load_rounds([ready, lonely, other], session=s)
        starters = dict(
            (
                await s.exec(
                    select(RoundEvent.round_id, RoundEvent.actor_id).where(
                        RoundEvent.kind == "started"
                    )
                )
            ).all()
        )
    # The rounds handed back are the rounds as stored, though they were not read again.
    assert started.round == stored[ready] and also.round == stored[other]
    assert stored[ready].current == 1 and stored[ready].turns[0].ends_at is not None
    assert stored[lonely].status is RoundStatus.LOBBY and not stored[lonely].turns
    assert starters == {ready: 1, other: 2}
    # Two more batches at once, overlapping the first: nothing starts twice.
    late = await lobby(db, "realist", "values")
    batches = await asyncio.gather(
        *(
            attempt(
                db,
                lambda s, ids=ids: rounds.start_many(
                    [(i, 4) for i in ids], formats=FORMATS, now=T0, session=s
                ),
            )
            for ids in ([ready, late], [late, other])
        )
    )
    fresh = [r for batch in batches if batch for r in batch if isinstance(r, rounds.RoundUpdate)]
    assert [r.round.id for r in fresh] == [late]
    async with db.session() as s:
        view = await rounds.get_round(late, session=s)
    assert len(view.turns) == len(FMT.turns)


async def test_a_hundred_members_voting_at_once_are_each_counted_once(db: Database) -> None:
    round_id = await running_round(db)
    async with db.session() as s:
        for _ in FMT.turns:
            view = await rounds.get_round(round_id, session=s)
            if view.status is RoundStatus.VOTING:
                break
            await rounds.skip(round_id, fmt=FMT, by=1, now=T0, session=s)
    voters = range(1000, 1100)

    def vote(user: int, side: Side) -> Awaitable[Any]:
        return attempt(
            db, lambda s: rounds.vote(round_id, user, f"m{user}", side, fmt=FMT, now=T0, session=s)
        )

    # Everyone clicks Values, half of them twice at once, then ten change to Realist.
    await asyncio.gather(
        *(vote(u, Side.VALUES) for u in voters), *(vote(u, Side.VALUES) for u in voters[::2])
    )
    await asyncio.gather(*(vote(u, Side.REALIST) for u in voters[:10]))
    refused = await vote(10, Side.REALIST)  # a debater
    assert refused is None
    async with db.session() as s:
        tally = await rounds.tally(round_id, "post", session=s)
    assert (tally.realist, tally.values) == (10, 90)
    close = T0 + timedelta(hours=1)
    results = await asyncio.gather(
        *(
            attempt(db, lambda s: rounds.tick([round_id], formats=FORMATS, now=close, session=s))
            for _ in range(3)
        )
    )
    decided = [r[round_id].notices for r in results if r]
    assert sum(1 for n in decided if n and n[0].kind == "decided") == 1
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    assert view.status is RoundStatus.DECIDED and view.winner == "values"
    assert (
        view.result is not None
        and "Winner: **Values** (against the motion), by 80 votes" in view.result
    )


@pytest.mark.parametrize("pace", [0.0, 2.5])
async def test_bad_pace_and_motion_are_refused(db: Database, pace: float) -> None:
    async with db.session() as s:
        with pytest.raises(MootError, match="Pace must be between"):
            await rounds.create_round(
                GUILD, 5, motion="x", fmt=FMT, pace=pace, by=1, now=T0, session=s
            )
        with pytest.raises(MootError, match="keep it to 300"):
            await rounds.create_round(
                GUILD, 5, motion="x" * 301, fmt=FMT, pace=1, by=1, now=T0, session=s
            )


async def test_a_command_sent_before_the_next_turn_was_announced_skips_nothing_more(
    db: Database,
) -> None:
    round_id = await running_round(db)
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
        # Turn 1 was announced in message 100; both moderators send /debate skip after it.
        await rounds.announced(
            [(rounds.Notice(rounds.NoticeKind.TURN, round_id, view.turns[0].id), 100)],
            session=s,
        )
        view = await rounds.get_round(round_id, session=s)
    first, second = 101, 102  # interaction ids, in the order sent
    async with db.session() as s:
        seen = rounds.turn_seen(view, first)
        await rounds.skip(round_id, fmt=FMT, by=1, now=T0, session=s, turn_id=seen)
    # The second arrives after the first moved the round, before turn 2 was announced.
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
        assert view.current == 2
        seen = rounds.turn_seen(view, second)
        with pytest.raises(MootError, match=r"Opening \(turn 1\) has already ended"):
            await rounds.skip(round_id, fmt=FMT, by=2, now=T0, session=s, turn_id=seen)
        with pytest.raises(MootError, match="has already ended"):
            await rounds.extend(round_id, 60, by=2, now=T0, session=s, turn_id=seen)
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    assert view.current == 2 and view.turns[1].ends_at == T0 + timedelta(seconds=180)
    # Once turn 2 is announced (message 103), a command sent after it skips it.
    async with db.session() as s:
        await rounds.announced(
            [(rounds.Notice(rounds.NoticeKind.TURN, round_id, view.turns[1].id), 103)],
            session=s,
        )
        view = await rounds.get_round(round_id, session=s)
        assert rounds.turn_seen(view, 104) == view.turns[1].id


async def test_the_rounds_a_member_can_name_are_this_servers_open_ones_first(
    db: Database,
) -> None:
    async with db.session() as s:
        made = [
            await rounds.create_round(
                guild, 5, motion=motion, fmt=FMT, pace=1.0, by=1, now=T0, session=s
            )
            for guild, motion in (
                (GUILD, "Realism 100% first"),
                (GUILD, "Values first"),
                (GUILD + 1, "Another server's realism"),
            )
        ]
        await rounds.end(made[0].id, by=1, now=T0, session=s)
    over, open_, theirs = (view.id for view in made)
    async with db.session() as s:
        every = await rounds.round_choices(GUILD, "", ended=True, session=s)
        only_open = await rounds.round_choices(GUILD, "", ended=False, session=s)
        # Typed text is matched as it is: `%` and `_` are no wildcards.
        percent = await rounds.round_choices(GUILD, "0%", ended=True, session=s)
        wildcard = await rounds.round_choices(GUILD, "_", ended=True, session=s)
        assert await rounds.round_here(GUILD, None, named=over, session=s) == over
        with pytest.raises(MootError, match=f"There is no round {theirs} in this server"):
            await rounds.round_here(GUILD, None, named=theirs, session=s)
    assert every == [
        (f"Round {open_}: Values first", open_),
        (f"Round {over} (over): Realism 100% first", over),
    ]
    assert only_open == [(f"Round {open_}: Values first", open_)]
    assert [round_id for _, round_id in percent] == [over] and wildcard == []
