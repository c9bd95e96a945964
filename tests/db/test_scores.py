"""Scores on SQLite and PostgreSQL: ratings as openskill computes them, records, ties on
the leaderboard, periods, seasons, adjustments, and incremental updates equal a rebuild."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from openskill.models import PlackettLuce
from sqlmodel import col, select

from bot.db import Database
from bot.domain import RoundStatus, Side
from bot.errors import MootError
from bot.formats import load_formats
from bot.models import ALL_TIME, MemberScore, ScoreChange
from bot.services import rounds, scores
from tests.conftest import PROJECT_ROOT

GUILD = 2_000_000_000_000_000_004
T0 = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)
FORMATS = load_formats(PROJECT_ROOT / "formats")
DUO = FORMATS["oxford"]  # two speakers a side
SOLO = FORMATS["realist-vs-values"]
NAMES = {10: "Ann", 11: "Ben", 12: "Cid", 13: "Dee", 14: "Eve"}


async def decided(
    db: Database,
    realist: list[int],
    values: list[int],
    winner: str,
    at: datetime,
    *,
    points: dict[int, float] | None = None,
    essay: str | None = None,
    proposition: Side = Side.REALIST,
) -> int:
    """A round played through the service: seats, every turn skipped, votes for `winner`
    (one each side for a draw, none for "nobody"), a ballot with `points`, and the vote
    closed at `at`."""
    fmt = DUO if max(len(realist), len(values)) > 1 else SOLO
    async with db.session() as s:
        view = await rounds.create_round(
            GUILD,
            5,
            motion="Order first",
            fmt=fmt,
            pace=1.0,
            by=1,
            now=at,
            session=s,
            essay=essay,
            proposition=proposition,
        )
        for side, team in ((Side.REALIST, realist), (Side.VALUES, values)):
            for user in team:
                await rounds.join(
                    view.id, user, NAMES[user], side.value, fmt=fmt, now=at, session=s
                )
        await rounds.start(view.id, fmt=fmt, by=1, now=at, session=s)
        for _ in fmt.turns:
            if (await rounds.get_round(view.id, session=s)).status is RoundStatus.VOTING:
                break
            await rounds.skip(view.id, fmt=fmt, by=1, now=at, session=s)
        votes = list(Side) if winner == "draw" else [] if winner == "nobody" else [Side(winner)]
        for voter, side in enumerate(votes, 98):
            await rounds.vote(view.id, voter, "Voter", side, fmt=fmt, now=at, session=s)
        if points:
            lines = "\n".join(f"{NAMES[u]}: {p}" for u, p in points.items())
            await rounds.submit_ballot(
                view.id,
                1,
                "Judge",
                may_judge=True,
                winner=winner if winner != "draw" else "realist",
                points=lines,
                reason="Clear clash.",
                fmt=fmt,
                now=at,
                session=s,
            )
        due = (await rounds.get_round(view.id, session=s)).due_at
        assert due is not None
    async with db.session() as s:
        await rounds.tick([view.id], formats=FORMATS, now=due, session=s)
    return view.id


async def table(db: Database) -> list[dict[str, object]]:
    async with db.session() as s:
        rows = (
            await s.exec(
                select(MemberScore).order_by(col(MemberScore.track), col(MemberScore.user_id))
            )
        ).all()
        changes = (await s.exec(select(ScoreChange).order_by(col(ScoreChange.id)))).all()
    snapshot: list[dict[str, object]] = [
        {k: (round(v, 9) if isinstance(v, float) else v) for k, v in r.model_dump().items()}
        for r in rows
    ]
    snapshot += [
        {
            k: (round(v, 9) if isinstance(v, float) else v)
            for k, v in c.model_dump().items()
            if k != "id"
        }
        for c in changes
    ]
    return snapshot


async def test_ratings_are_openskills_for_teams_and_draws(db: Database) -> None:
    await decided(db, [10], [11], "realist", T0)
    await decided(db, [10], [11], "draw", T0 + timedelta(hours=1))
    model = PlackettLuce()
    ann, ben = model.rating(), model.rating()
    [[ann], [ben]] = model.rate([[ann], [ben]], ranks=[1, 2])
    [[ann], [ben]] = model.rate([[ann], [ben]], ranks=[1, 1])
    async with db.session() as s:
        season = await scores.current_season(GUILD, session=s)
        stored = {(m.track, m.user_id): m for m in (await s.exec(select(MemberScore))).all()}
    for track in (season.id, ALL_TIME):
        assert stored[(track, 10)].mu == pytest.approx(ann.mu)
        assert stored[(track, 10)].sigma == pytest.approx(ann.sigma)
        assert stored[(track, 11)].mu == pytest.approx(ben.mu)
        assert (
            stored[(track, 10)].wins,
            stored[(track, 10)].draws,
            stored[(track, 10)].streak,
        ) == (
            1,
            1,
            0,
        )
        assert (stored[(track, 11)].losses, stored[(track, 11)].values_rounds) == (1, 2)


async def test_incremental_updates_equal_a_full_rebuild(db: Database) -> None:
    plan = [
        ([10], [11], "realist", {10: 27, 11: 25}),
        ([12], [10], "values", None),
        ([11], [12], "draw", {11: 26.5, 12: 24}),
        ([13], [14], "values", None),
        ([10], [14], "realist", {10: 28, 14: 22}),
    ]
    for number, (realist, values, winner, points) in enumerate(plan):
        await decided(db, realist, values, winner, T0 + timedelta(days=number), points=points)
    incremental = await table(db)
    async with db.session() as s:
        assert await scores.rebuild(session=s, guild_id=GUILD) == len(plan)
    assert await table(db) == incremental
    async with db.session() as s:
        assert await scores.rebuild(session=s) == len(plan)
    assert await table(db) == incremental
    async with db.session() as s:
        stats = await scores.member_stats(GUILD, 10, session=s)
    assert stats.all_time is not None and stats.all_time.points_count == 2
    assert stats.all_time.points_total == pytest.approx(55)
    assert len(stats.history) == 3 and stats.all_time.streak == 3  # won as Realist and as Values
    assert (stats.all_time.realist_wins, stats.all_time.values_wins) == (2, 1)


async def test_leaderboard_orders_ties_periods_seasons_and_adjustments(db: Database) -> None:
    await decided(db, [14], [11], "values", T0 - timedelta(days=20))  # outside the week
    await decided(db, [10], [11], "realist", T0)
    await decided(db, [12], [13], "realist", T0)  # Cid's record is Ann's: a tie
    now = T0 + timedelta(hours=1)
    async with db.session() as s:
        board = await scores.leaderboard(GUILD, "season", "rating", now=now, session=s)
        week = await scores.leaderboard(GUILD, "week", "wins", now=now, session=s)
        month = await scores.leaderboard(GUILD, "month", "wins", now=now, session=s)
    # Ann beat a member who had won; Cid beat a newcomer. Dee and Eve lost to newcomers:
    # the same rating, one rank, listed by name.
    assert [(b.rank, b.name) for b in board] == [
        (1, "Ann"),
        (2, "Cid"),
        (3, "Ben"),
        (4, "Dee"),
        (4, "Eve"),
    ]
    cid = board[1].value
    assert {b.name for b in week} == {"Ann", "Ben", "Cid", "Dee"}  # Eve debated 20 days ago
    assert {b.name for b in month} == {"Ann", "Ben", "Cid", "Dee", "Eve"}
    assert [(b.rank, b.name, b.value) for b in week][:2] == [(1, "Ann", 1.0), (1, "Cid", 1.0)]

    with pytest.raises(MootError, match="not 0"):
        async with db.session() as s:
            await scores.adjust(GUILD, 12, 0, "none", by_id=1, by_name="Mod", now=now, session=s)
    with pytest.raises(MootError, match="Give a reason"):
        async with db.session() as s:
            await scores.adjust(GUILD, 12, 2, " ", by_id=1, by_name="Mod", now=now, session=s)
    async with db.session() as s:
        await scores.adjust(
            GUILD, 12, 2.5, "Best speech", by_id=1, by_name="Mod", now=now, session=s
        )
        board = await scores.leaderboard(GUILD, "season", "rating", now=now, session=s)
    assert board[0].name == "Cid" and board[0].value == pytest.approx(cid + 2.5)

    # A new season: its track starts empty, all time goes on, the old standings are kept.
    async with db.session() as s:
        ended, started = await scores.new_season(GUILD, None, now=now, session=s)
    assert started.name == "Season 2" and scores.archived(ended)[0]["name"] == "Cid"
    await decided(db, [11], [10], "realist", now + timedelta(hours=1))
    later = now + timedelta(hours=2)
    async with db.session() as s:
        season = await scores.leaderboard(GUILD, "season", "wins", now=later, session=s)
        ever = await scores.leaderboard(GUILD, "all", "wins", now=later, session=s)
        stats = await scores.member_stats(GUILD, 11, session=s)
    assert [(b.name, b.value) for b in season] == [("Ben", 1.0), ("Ann", 0.0)]
    assert {b.name: b.value for b in ever}["Ann"] == 1.0 and stats.season_name == "Season 2"
    assert stats.season is not None and stats.season.rounds == 1
    assert stats.all_time is not None and stats.all_time.rounds == 3


async def test_sides_and_motions_are_counted(db: Database) -> None:
    for number in range(4):
        essay = "morgenthau" if number < 2 else None
        await decided(db, [10], [11], "realist", T0 + timedelta(hours=number), essay=essay)
    await decided(db, [10], [11], "values", T0 + timedelta(hours=5), essay="kant")
    async with db.session() as s:
        standing = await scores.side_standings(GUILD, session=s)
    assert (standing.realist, standing.values, standing.draws) == (4, 1, 0)
    assert standing.over_time[-1][1:] == (4, 1)
    [motion] = standing.motions
    assert asdict(motion) == {
        "label": "Order first",
        "realist": 4,
        "values": 1,
        "draws": 0,
        "for_motion": 4,
    }
    assert motion.lopsided is Side.REALIST
    # Rounds started with an essay are counted by essay too (by slug without a corpus).
    assert [(b.label, b.realist, b.values) for b in standing.essays] == [
        ("morgenthau", 2, 0),
        ("kant", 0, 1),
    ]


async def test_a_round_nobody_voted_in_is_not_rated_drawn_or_counted(db: Database) -> None:
    round_id = await decided(db, [10], [11], "nobody", T0)
    async with db.session() as s:
        view = await rounds.get_round(round_id, session=s)
        standing = await scores.side_standings(GUILD, session=s)
    assert view.status is RoundStatus.DECIDED and view.winner is None
    assert view.result is not None and view.result.startswith("No decision")
    assert await table(db) == []
    assert (standing.realist, standing.values, standing.draws) == (0, 0, 0)
    assert standing.motions == [] and standing.over_time == []
    # A rebuild replays it the same way: still nobody's.
    async with db.session() as s:
        await scores.rebuild(session=s, guild_id=GUILD)
    assert await table(db) == []


async def test_wins_count_by_side_whichever_side_proposed_and_by_stance_too(
    db: Database,
) -> None:
    # Realist proposes and wins; Values proposes and Realist wins; Values proposes and wins.
    await decided(db, [10], [11], "realist", T0)
    await decided(db, [10], [11], "realist", T0 + timedelta(hours=1), proposition=Side.VALUES)
    await decided(db, [10], [11], "values", T0 + timedelta(hours=2), proposition=Side.VALUES)
    await decided(db, [10], [11], "draw", T0 + timedelta(hours=3), proposition=Side.VALUES)
    async with db.session() as s:
        standing = await scores.side_standings(GUILD, session=s)
    assert (standing.realist, standing.values, standing.draws) == (2, 1, 1)
    assert (standing.for_motion, standing.against_motion) == (2, 1)
    [motion] = standing.motions
    assert (motion.realist, motion.values, motion.draws, motion.for_motion) == (2, 1, 1, 2)
    # Ratings count by side too: Ann (Realist) won twice, lost once, drew once.
    async with db.session() as s:
        ann = (
            await s.exec(
                select(MemberScore).where(MemberScore.user_id == 10, MemberScore.track == ALL_TIME)
            )
        ).one()
    assert (ann.wins, ann.losses, ann.draws, ann.realist_wins) == (2, 1, 1, 2)
