"""Points of information and prep pools in the round service, on SQLite and PostgreSQL:
the refusals with their reasons, one point shown at a time, racing answers and timers
applied once, the floor as floor_holders gives it, and the pools drawn down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.formats import load_formats
from bot.models import RoundEvent, RoundPoint
from bot.services import rounds
from tests.conftest import PROJECT_ROOT, attempt

GUILD = 2_000_000_000_000_000_003
T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
FORMATS = load_formats(PROJECT_ROOT / "formats")
WS, LD = FORMATS["world-schools"], FORMATS["lincoln-douglas"]
# World Schools: Alice and Carol (Realist, proposing), Bob and Dave (Values).
ALICE, CAROL, BOB, DAVE, EVE = 10, 11, 12, 13, 14


async def started(db: Database, fmt_key: str, seats: list[tuple[int, str]]) -> int:
    fmt = FORMATS[fmt_key]
    async with db.session() as s:
        view = await rounds.create_round(
            GUILD, 5, motion="Realism", fmt=fmt, pace=1.0, by=1, now=T0, session=s
        )
        for user, role in seats:
            await rounds.join(view.id, user, f"M{user}", role, fmt=fmt, now=T0, session=s)
        await rounds.start(view.id, fmt=fmt, by=1, now=T0, session=s)
    return view.id


async def world_schools(db: Database) -> int:
    return await started(
        db,
        "world-schools",
        [
            (ALICE, "realist"),
            (CAROL, "realist"),
            (BOB, "values"),
            (DAVE, "values"),
            (EVE, "audience"),
        ],
    )


async def offer(db: Database, round_id: int, user: int, at: float) -> rounds.RoundUpdate:
    async with db.session() as s:
        return await rounds.offer_point(
            round_id, user, formats=FORMATS, now=T0 + timedelta(seconds=at), session=s
        )


async def refused(db: Database, round_id: int, user: int, at: float) -> str:
    with pytest.raises(MootError) as caught:
        await offer(db, round_id, user, at)
    return str(caught.value)


async def answer(
    db: Database, round_id: int, point: int, user: int, accept: bool, at: float
) -> rounds.RoundUpdate:
    async with db.session() as s:
        return await rounds.answer_point(
            round_id,
            point,
            user,
            accept,
            formats=FORMATS,
            now=T0 + timedelta(seconds=at),
            session=s,
        )


async def test_offers_are_refused_with_their_reasons_and_shown_one_at_a_time(db: Database) -> None:
    round_id = await world_schools(db)
    assert await refused(db, round_id, BOB, 30) == (
        "Protected time: points are taken from 1:00 to 7:00 of this speech."
    )
    assert await refused(db, round_id, BOB, 430) == (
        "Protected time: points are taken from 1:00 to 7:00 of this speech."
    )
    assert "other side" in await refused(db, round_id, CAROL, 90)
    assert "Only Values's debaters" in await refused(db, round_id, EVE, 90)
    first = await offer(db, round_id, BOB, 90)
    [shown] = first.notices
    assert shown.kind is rounds.NoticeKind.POINT and shown.point is not None
    assert shown.point.user_id == BOB and shown.point.waiting == 0
    assert "already waiting" in await refused(db, round_id, BOB, 91)
    second = await offer(db, round_id, DAVE, 92)
    [queued] = second.notices
    # The second is not shown: the first one's count of those waiting goes up.
    assert queued.kind is rounds.NoticeKind.POINT_QUEUE and queued.point is not None
    assert queued.point.id == shown.point.id and queued.point.waiting == 1
    # Only the speaker answers; a decline shows the next one waiting.
    with pytest.raises(MootError, match="Only M10, who has the floor"):
        await answer(db, round_id, shown.point.id, DAVE, True, 93)
    declined = await answer(db, round_id, shown.point.id, ALICE, False, 94)
    kinds = [n.kind for n in declined.notices]
    assert kinds == [rounds.NoticeKind.POINT_DECLINED, rounds.NoticeKind.POINT]
    nxt = declined.notices[1].point
    assert nxt is not None and nxt.user_id == DAVE and nxt.waiting == 0
    with pytest.raises(MootError, match="already declined"):
        await answer(db, round_id, shown.point.id, ALICE, True, 95)
    # Bob offers again behind Dave; Alice accepts Dave's: Bob's lapses.
    await offer(db, round_id, BOB, 96)
    accepting = [
        attempt(
            db,
            lambda s: rounds.answer_point(
                round_id,
                nxt.id,
                ALICE,
                True,
                formats=FORMATS,
                now=T0 + timedelta(seconds=100),
                session=s,
            ),
        )
        for _ in range(4)
    ]
    done = [a for a in await asyncio.gather(*accepting) if a is not None]
    assert len(done) == 1  # pressed four times: accepted once
    assert [n.kind for n in done[0].notices] == [
        rounds.NoticeKind.POINT_ACCEPTED,
        rounds.NoticeKind.POINTS_LAPSED,
    ]
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    assert view.point_by == DAVE and view.point_ends_at == T0 + timedelta(seconds=115)
    assert view.due_at == T0 + timedelta(seconds=115)
    assert rounds.floor_holders(view) == {ALICE, DAVE}
    assert "being heard" in await refused(db, round_id, BOB, 101)
    # The alarm ends the point once, however many timers fire.
    late = T0 + timedelta(seconds=115)
    ticks = await asyncio.gather(
        *(
            attempt(db, lambda s: rounds.tick([round_id], formats=FORMATS, now=late, session=s))
            for _ in range(4)
        )
    )
    overs = [n for t in ticks if t for n in t[round_id].notices if n.kind == "point-over"]
    assert len(overs) == 1
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
        statuses = (
            await s.exec(select(RoundPoint.user_id, RoundPoint.status).order_by(col(RoundPoint.id)))
        ).all()
        kinds = (await s.exec(select(RoundEvent.kind).where(RoundEvent.round_id == round_id))).all()
    assert view.point_by is None and rounds.floor_holders(view) == {ALICE}
    assert view.due_at == T0 + timedelta(seconds=480 - 120)  # the next warning
    assert statuses == [(BOB, "declined"), (DAVE, "heard"), (BOB, "lapsed")]
    for kind in (
        "point-offered",
        "point-declined",
        "point-accepted",
        "points-lapsed",
        "point-heard",
    ):
        assert kind in kinds


async def test_a_speech_ending_lapses_its_points_and_replies_take_none(db: Database) -> None:
    round_id = await world_schools(db)
    await offer(db, round_id, BOB, 90)
    await offer(db, round_id, DAVE, 91)
    end = T0 + timedelta(seconds=480)
    async with db.session() as s:
        ticked = await rounds.tick([round_id], formats=FORMATS, now=end, session=s)
    lapsed = [n for n in ticked[round_id].notices if n.kind == "points-lapsed"]
    assert [n.text for n in lapsed] == ["2:end"]
    async with db.session() as s:
        waiting = (await s.exec(select(RoundPoint).where(RoundPoint.status == "waiting"))).all()
        assert not waiting
        # On to the opposition reply (turn 7): it has no protected time, so no points.
        for _ in range(5):
            await rounds.skip(round_id, fmt=WS, by=1, now=end, session=s)
    assert (
        await refused(db, round_id, ALICE, 480 + 100)
        == "Opposition reply takes no points of information."
    )


async def test_prep_draws_on_each_sides_pool_and_runs_out_on_the_alarm(db: Database) -> None:
    round_id = await started(db, "lincoln-douglas", [(ALICE, "realist"), (BOB, "values")])

    async def take(user: int, at: float) -> rounds.RoundUpdate:
        async with db.session() as s:
            return await rounds.take_prep(
                round_id, user, fmt=LD, now=T0 + timedelta(seconds=at), session=s
            )

    with pytest.raises(MootError, match="Affirmative constructive is Realist's"):
        await take(BOB, 1)
    with pytest.raises(MootError, match="first 15 seconds of a speech"):
        await take(ALICE, 16)
    update = await take(ALICE, 5)
    assert update.round.prep_side is Side.REALIST and rounds.floor_holders(update.round) == set()
    assert update.round.due_at == T0 + timedelta(seconds=245)
    with pytest.raises(MootError, match="already taking prep"):
        await take(ALICE, 6)
    # A pause stops the prep clock; a resume runs it on what was left.
    async with db.session() as s:
        await rounds.pause(round_id, by=1, now=T0 + timedelta(seconds=65), session=s)
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
        assert view.status is RoundStatus.PAUSED and view.realist_prep_used == 60
        resumed = await rounds.resume(
            round_id, by=1, now=T0 + timedelta(seconds=1000), session=s, fmt=LD
        )
    assert resumed.round.prep_ends_at == T0 + timedelta(seconds=1180)
    # Racing: the side ends prep as its pool runs out; the speech starts once, in full.
    out = T0 + timedelta(seconds=1180)
    results = await asyncio.gather(
        attempt(db, lambda s: rounds.tick([round_id], formats=FORMATS, now=out, session=s)),
        attempt(
            db,
            lambda s: rounds.end_prep(
                round_id, ALICE, may_moderate=False, fmt=LD, now=out, session=s
            ),
        ),
    )
    said = [
        n.text
        for r in results
        if r is not None
        for n in (r[round_id].notices if isinstance(r, dict) else r.notices)
        if n.kind == "prep-over"
    ]
    assert said == ["Realist used 4:00 of prep; 0:00 left"]
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
    turn = view.current_turn
    assert turn is not None and turn.status is TurnStatus.RUNNING
    assert turn.ends_at == out + timedelta(seconds=360) and view.prep_side is None
    assert rounds.floor_holders(view) == {ALICE}
    assert view.prep_left(Side.REALIST, 240) == 0 and view.prep_left(Side.VALUES, 240) == 240
    with pytest.raises(MootError, match="Nobody is taking prep"):
        async with db.session() as s:
            await rounds.end_prep(round_id, ALICE, may_moderate=True, fmt=LD, now=out, session=s)


async def test_skipping_a_turn_during_prep_ends_prep_and_counts_it(db: Database) -> None:
    round_id = await started(db, "lincoln-douglas", [(ALICE, "realist"), (BOB, "values")])
    async with db.session() as s:
        await rounds.take_prep(round_id, ALICE, fmt=LD, now=T0, session=s)
    async with db.session() as s:
        skipped = await rounds.skip(
            round_id, fmt=LD, by=1, now=T0 + timedelta(seconds=50), session=s
        )
    kinds = [n.kind.value for n in skipped.notices]
    assert kinds[:2] == ["prep-over", "skip"] and "turn" in kinds
    assert skipped.notices[0].text == "Realist used 0:50 of prep; 3:10 left"
    assert skipped.round.prep_side is None and skipped.round.current == 2
    assert skipped.round.realist_prep_used == 50


async def test_removing_a_member_ends_their_point_and_lapses_their_offers(db: Database) -> None:
    round_id = await world_schools(db)
    first = await offer(db, round_id, BOB, 90)
    await offer(db, round_id, DAVE, 91)
    shown = first.notices[0].point
    assert shown is not None
    async with db.session() as s:
        removed = await rounds.remove(
            round_id, BOB, fmt=WS, by=1, now=T0 + timedelta(seconds=92), session=s
        )
    # Bob's point was the one shown: it lapses, and Dave's is shown in its place.
    kinds = [n.kind.value for n in removed.notices]
    assert kinds == ["removed", "point-declined", "point"]
    assert removed.notices[1].text == "lapsed"
    nxt = removed.notices[2].point
    assert nxt is not None and nxt.user_id == DAVE
    await answer(db, round_id, nxt.id, ALICE, True, 93)
    async with db.session() as s:
        removed = await rounds.remove(
            round_id, DAVE, fmt=WS, by=1, now=T0 + timedelta(seconds=94), session=s
        )
    assert [n.kind.value for n in removed.notices] == ["removed", "point-over"]
    assert removed.round.point_by is None and rounds.floor_holders(removed.round) == {ALICE}


async def test_offers_made_at_the_same_moment_are_shown_one_at_a_time(db: Database) -> None:
    # Bob and Dave offer together, and Bob presses twice: one point is shown, the other
    # waits behind it, and Bob's second press is refused.
    round_id = await world_schools(db)
    at = T0 + timedelta(seconds=100)

    def offering(who: int) -> Any:
        return lambda s: rounds.offer_point(round_id, who, formats=FORMATS, now=at, session=s)

    attempts = await asyncio.gather(*(attempt(db, offering(who)) for who in (BOB, DAVE, BOB)))
    made = [a for a in attempts if a is not None]
    kinds = sorted(n.kind for update in made for n in update.notices)
    assert kinds == sorted([rounds.NoticeKind.POINT, rounds.NoticeKind.POINT_QUEUE])
    async with db.session() as s:
        waiting = (
            await s.exec(select(RoundPoint).where(col(RoundPoint.round_id) == round_id))
        ).all()
    assert sorted(p.user_id for p in waiting) == [BOB, DAVE]
