"""Scores: members' records and ratings, side standings, seasons and adjustments.

Ratings come from `openskill` (Plackett-Luce, team-aware: a round's speakers on a side are
one team) and are shown as the conservative ordinal (mu - 3 sigma). Two tracks run side by
side: the current season's (restarting each season) and all time. Everything in
MemberScore and ScoreChange is derived from the decided rounds: `record_round` adds one
round as it is decided, and `rebuild` replays them all and must give the same numbers.
Moderators' adjustments are source data, added to the rating shown, and kept by a rebuild.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from openskill.models import PlackettLuce
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import (
    ALL_TIME,
    Ballot,
    Essay,
    MemberScore,
    Participant,
    Round,
    RoundStatus,
    ScoreAdjustment,
    ScoreChange,
    Season,
    Side,
)

MODEL = PlackettLuce()
PERIODS = {"week": 7, "month": 30, "season": None, "all": None}
RANKINGS = ("rating", "wins", "points")
ADJUST_LIMIT = 100.0
PAGE = 10
# Where the first season of a server starts: before any round it can have.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
# A motion is flagged when one side has won at least this share of at least MIN_ROUNDS.
LOPSIDED_SHARE, MIN_ROUNDS = 0.75, 4


def ordinal(mu: float, sigma: float) -> float:
    return float(MODEL.rating(mu=mu, sigma=sigma).ordinal())


# --- seasons ---------------------------------------------------------------------------


async def seasons(guild_id: int, *, session: AsyncSession) -> list[Season]:
    """The server's seasons, oldest first; the first is created when first needed."""
    found = list(
        (
            await session.exec(
                select(Season).where(Season.guild_id == guild_id).order_by(col(Season.number))
            )
        ).all()
    )
    if not found:
        first = Season(guild_id=guild_id, number=1, name="Season 1", started_at=BEGINNING)
        session.add(first)
        await session.flush()
        found = [first]
    return found


def season_at(all_seasons: list[Season], at: datetime) -> Season:
    """The season an instant falls in."""
    for season in reversed(all_seasons):
        if season.started_at <= at:
            return season
    return all_seasons[0]


async def current_season(guild_id: int, *, session: AsyncSession) -> Season:
    return (await seasons(guild_id, session=session))[-1]


# --- recording rounds ------------------------------------------------------------------


async def record_round(round_id: int, *, session: AsyncSession) -> None:
    """Add a decided round to its speakers' records and ratings (once: called in the
    transaction that decides the round)."""
    row = await session.get(Round, round_id, populate_existing=True)
    if row is None or row.status != RoundStatus.DECIDED.value or row.finished_at is None:
        return
    if row.winner not in (Side.REALIST.value, Side.VALUES.value, "draw"):
        return
    seats = (
        await session.exec(
            select(Participant)
            .where(
                Participant.round_id == round_id,
                col(Participant.role).in_((Side.REALIST.value, Side.VALUES.value)),
            )
            .order_by(col(Participant.joined_at), col(Participant.user_id))
        )
    ).all()
    teams = {side: [s for s in seats if s.role == side.value] for side in Side}
    if not teams[Side.REALIST] or not teams[Side.VALUES]:
        return
    points = await _round_points(round_id, session)
    season = season_at(await seasons(row.guild_id, session=session), row.finished_at)
    assert season.id is not None
    after: dict[int, dict[int, float]] = {}
    for track in (season.id, ALL_TIME):
        after[track] = await _rate(row, teams, points, track, session)
    for side, team in teams.items():
        for seat in team:
            session.add(
                ScoreChange(
                    guild_id=row.guild_id,
                    season_id=season.id,
                    round_id=round_id,
                    user_id=seat.user_id,
                    side=side.value,
                    outcome=_outcome(row.winner, side),
                    points=points.get(seat.user_id),
                    season_rating=after[season.id][seat.user_id],
                    all_time_rating=after[ALL_TIME][seat.user_id],
                    at=row.finished_at,
                )
            )
    await session.flush()


def _outcome(winner: str | None, side: Side) -> str:
    if winner == "draw":
        return "draw"
    return "win" if winner == side.value else "loss"


async def _round_points(round_id: int, session: AsyncSession) -> dict[int, float]:
    """Each speaker's average speaker points over the round's ballots."""
    given: dict[int, list[float]] = defaultdict(list)
    for ballot in (await session.exec(select(Ballot).where(Ballot.round_id == round_id))).all():
        for user, value in json.loads(ballot.points).items():
            given[int(user)].append(float(value))
    return {user: sum(v) / len(v) for user, v in given.items()}


async def _rate(
    row: Round,
    teams: dict[Side, list[Participant]],
    points: dict[int, float],
    track: int,
    session: AsyncSession,
) -> dict[int, float]:
    """Rate the round in one track; the ordinals after it, by member."""
    users = [s.user_id for team in teams.values() for s in team]
    stored = {
        s.user_id: s
        for s in (
            await session.exec(
                select(MemberScore).where(
                    MemberScore.guild_id == row.guild_id,
                    MemberScore.track == track,
                    col(MemberScore.user_id).in_(users),
                )
            )
        ).all()
    }
    default = MODEL.rating()
    scores: dict[int, MemberScore] = {}
    for team in teams.values():
        for seat in team:
            scores[seat.user_id] = stored.get(seat.user_id) or MemberScore(
                guild_id=row.guild_id,
                track=track,
                user_id=seat.user_id,
                name=seat.name,
                mu=default.mu,
                sigma=default.sigma,
            )
    order = [Side.REALIST, Side.VALUES]
    ranks: list[float] = (
        [1.0, 1.0]
        if row.winner == "draw"
        else [1.0, 2.0]
        if row.winner == Side.REALIST.value
        else [2.0, 1.0]
    )
    rated = MODEL.rate(
        [
            [
                MODEL.rating(mu=scores[s.user_id].mu, sigma=scores[s.user_id].sigma)
                for s in teams[side]
            ]
            for side in order
        ],
        ranks=ranks,
    )
    result: dict[int, float] = {}
    for side, new_team in zip(order, rated, strict=True):
        outcome = _outcome(row.winner, side)
        for seat, new in zip(teams[side], new_team, strict=True):
            score = scores[seat.user_id]
            score.name = seat.name
            score.mu, score.sigma = float(new.mu), float(new.sigma)
            score.rounds += 1
            score.wins += outcome == "win"
            score.losses += outcome == "loss"
            score.draws += outcome == "draw"
            if side is Side.REALIST:
                score.realist_rounds += 1
                score.realist_wins += outcome == "win"
            else:
                score.values_rounds += 1
                score.values_wins += outcome == "win"
            if seat.user_id in points:
                score.points_total += points[seat.user_id]
                score.points_count += 1
            score.streak = (
                max(score.streak, 0) + 1
                if outcome == "win"
                else min(score.streak, 0) - 1
                if outcome == "loss"
                else 0
            )
            score.last_at = row.finished_at
            session.add(score)
            result[seat.user_id] = ordinal(score.mu, score.sigma)
    return result


async def rebuild(*, session: AsyncSession, guild_id: int | None = None) -> int:
    """Recompute every record and rating from the decided rounds (of one server, or all).
    Returns how many rounds were replayed."""
    for table in (MemberScore, ScoreChange):
        statement = delete(table)
        if guild_id is not None:
            statement = statement.where(col(table.guild_id) == guild_id)
        await session.exec(statement)
    query = select(Round.id).where(Round.status == RoundStatus.DECIDED.value)
    if guild_id is not None:
        query = query.where(Round.guild_id == guild_id)
    ids = (await session.exec(query.order_by(col(Round.finished_at), col(Round.id)))).all()
    for round_id in ids:
        assert round_id is not None
        await record_round(round_id, session=session)
    return len(ids)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    name: str
    value: float
    rounds: int
    wins: int


async def _adjustments(guild_id: int, track: int, *, session: AsyncSession) -> dict[int, float]:
    query = select(ScoreAdjustment.user_id, func.sum(ScoreAdjustment.points)).where(
        ScoreAdjustment.guild_id == guild_id
    )
    if track != ALL_TIME:
        query = query.where(ScoreAdjustment.season_id == track)
    rows = await session.exec(query.group_by(col(ScoreAdjustment.user_id)))
    return {user: float(total) for user, total in rows.all()}


def _ranked(entries: Iterable[tuple[int, str, float, int, int]]) -> list[Standing]:
    """Highest first; equal values share a rank (1, 2, 2, 4), and are listed by name."""
    ordered = sorted(entries, key=lambda e: (-round(e[2], 6), e[1].casefold(), e[0]))
    standings: list[Standing] = []
    for index, (user, name, value, played, won) in enumerate(ordered):
        same = standings and round(standings[-1].value, 6) == round(value, 6)
        rank = standings[-1].rank if same else index + 1
        standings.append(Standing(rank, user, name, value, played, won))
    return standings


async def leaderboard(
    guild_id: int, period: str, by: str, *, now: datetime, session: AsyncSession
) -> list[Standing]:
    """The server's members ranked `by` rating (the ordinal plus adjustments), wins or
    average speaker points, over a period: this week or month (members who debated in
    it), this season, or all time."""
    if period not in PERIODS or by not in RANKINGS:
        raise MootError("Pick a period (week, month, season, all) and a ranking.")
    season = await current_season(guild_id, session=session)
    assert season.id is not None
    track = ALL_TIME if period == "all" else season.id
    stored = (
        await session.exec(
            select(MemberScore).where(MemberScore.guild_id == guild_id, MemberScore.track == track)
        )
    ).all()
    adjusted = await _adjustments(guild_id, track, session=session)
    days = PERIODS[period]
    if days is None:
        rows = [
            (
                s.user_id,
                s.name,
                _value(by, s, adjusted.get(s.user_id, 0.0)),
                s.rounds,
                s.wins,
            )
            for s in stored
            if by != "points" or s.points_count
        ]
        return _ranked(rows)
    since = now - timedelta(days=days)
    changes = (
        await session.exec(
            select(ScoreChange).where(
                ScoreChange.guild_id == guild_id, col(ScoreChange.at) >= since
            )
        )
    ).all()
    by_user: dict[int, list[ScoreChange]] = defaultdict(list)
    for change in changes:
        by_user[change.user_id].append(change)
    names = {s.user_id: s for s in stored}
    rows = []
    for user, mine in by_user.items():
        score = names.get(user)
        won = sum(1 for c in mine if c.outcome == "win")
        given = [c.points for c in mine if c.points is not None]
        if by == "rating":
            value = (
                _value("rating", score, adjusted.get(user, 0.0))
                if score
                else mine[-1].season_rating
            )
        elif by == "wins":
            value = float(won)
        elif given:
            value = sum(given) / len(given)
        else:
            continue
        rows.append((user, score.name if score else str(user), value, len(mine), won))
    return _ranked(rows)


def _value(by: str, score: MemberScore, adjustment: float) -> float:
    if by == "rating":
        return ordinal(score.mu, score.sigma) + adjustment
    if by == "wins":
        return float(score.wins)
    return score.points_total / score.points_count if score.points_count else 0.0


@dataclass(frozen=True)
class MemberStats:
    user_id: int
    name: str
    season: MemberScore | None
    all_time: MemberScore | None
    season_rating: float | None
    all_time_rating: float | None
    season_name: str
    history: list[tuple[datetime, float]]  # the all-time rating after each round
    adjustments: list[ScoreAdjustment]  # the latest first


async def member_stats(guild_id: int, user_id: int, *, session: AsyncSession) -> MemberStats:
    season = await current_season(guild_id, session=session)
    assert season.id is not None
    rows = {
        s.track: s
        for s in (
            await session.exec(
                select(MemberScore).where(
                    MemberScore.guild_id == guild_id, MemberScore.user_id == user_id
                )
            )
        ).all()
    }
    this, ever = rows.get(season.id), rows.get(ALL_TIME)
    history = [
        (c.at, c.all_time_rating)
        for c in (
            await session.exec(
                select(ScoreChange)
                .where(ScoreChange.guild_id == guild_id, ScoreChange.user_id == user_id)
                .order_by(col(ScoreChange.at), col(ScoreChange.id))
            )
        ).all()
    ]
    # All of the member's adjustments, the latest first: their sums go into the ratings
    # shown, the latest few are listed.
    adjustments = list(
        (
            await session.exec(
                select(ScoreAdjustment)
                .where(ScoreAdjustment.guild_id == guild_id, ScoreAdjustment.user_id == user_id)
                .order_by(col(ScoreAdjustment.at).desc(), col(ScoreAdjustment.id).desc())
            )
        ).all()
    )
    season_adjust = sum(a.points for a in adjustments if a.season_id == season.id)
    all_adjust = sum(a.points for a in adjustments)
    return MemberStats(
        user_id=user_id,
        name=next((s.name for s in (ever, this) if s is not None), str(user_id)),
        season=this,
        all_time=ever,
        season_rating=ordinal(this.mu, this.sigma) + season_adjust if this else None,
        all_time_rating=ordinal(ever.mu, ever.sigma) + all_adjust if ever else None,
        season_name=season.name,
        history=history,
        adjustments=adjustments[:5],
    )


@dataclass(frozen=True)
class Balance:
    """How one motion's (or one essay's) decided rounds went."""

    label: str
    realist: int
    values: int
    draws: int

    @property
    def lopsided(self) -> Side | None:
        decided = self.realist + self.values + self.draws
        if decided < MIN_ROUNDS:
            return None
        for side, won in ((Side.REALIST, self.realist), (Side.VALUES, self.values)):
            if won / decided >= LOPSIDED_SHARE:
                return side
        return None


@dataclass(frozen=True)
class SideStandings:
    realist: int
    values: int
    draws: int
    # Running totals after each decided round: (when, realist wins, values wins).
    over_time: list[tuple[datetime, int, int]]
    motions: list[Balance]
    essays: list[Balance]


async def side_standings(guild_id: int, *, session: AsyncSession) -> SideStandings:
    """Rounds won by each side over time, and how balanced each motion and each essay
    (for rounds started with one) has been."""
    rows = (
        await session.exec(
            select(Round.motion, Round.winner, Round.finished_at, Round.essay_slug)
            .where(Round.guild_id == guild_id, Round.status == RoundStatus.DECIDED.value)
            .order_by(col(Round.finished_at), col(Round.id))
        )
    ).all()
    titles = dict((await session.exec(select(Essay.slug, Essay.title))).all())
    realist = values = draws = 0
    over_time: list[tuple[datetime, int, int]] = []
    motions: dict[str, list[int]] = {}
    essays: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for motion, winner, at, essay in rows:
        column = 0 if winner == Side.REALIST.value else 1 if winner == Side.VALUES.value else 2
        realist += column == 0
        values += column == 1
        draws += column == 2
        key = motion.strip().casefold()
        labels.setdefault(key, motion.strip())
        motions.setdefault(key, [0, 0, 0])[column] += 1
        if essay is not None:
            essays.setdefault(essay, [0, 0, 0])[column] += 1
        if at is not None:
            over_time.append((at, realist, values))

    def balances(tallies: dict[str, list[int]], label: Callable[[str], str]) -> list[Balance]:
        return sorted(
            (Balance(label(key), *t) for key, t in tallies.items()),
            key=lambda b: (-(b.realist + b.values + b.draws), b.label),
        )

    return SideStandings(
        realist,
        values,
        draws,
        over_time,
        balances(motions, labels.__getitem__),
        balances(essays, lambda slug: titles.get(slug) or slug),
    )


# --- moderators ------------------------------------------------------------------------


async def adjust(
    guild_id: int,
    user_id: int,
    points: float,
    reason: str,
    *,
    by_id: int,
    by_name: str,
    now: datetime,
    session: AsyncSession,
) -> ScoreAdjustment:
    """Add `points` to a member's rating this season (and all time), recorded with who and
    why."""
    if points == 0 or abs(points) > ADJUST_LIMIT:
        raise MootError(f"Adjust by a number from -{ADJUST_LIMIT:g} to {ADJUST_LIMIT:g}, not 0.")
    cleaned = " ".join(reason.split())
    if len(cleaned) < 3:
        raise MootError("Give a reason, so members can see why the score changed.")
    season = await current_season(guild_id, session=session)
    assert season.id is not None
    row = ScoreAdjustment(
        guild_id=guild_id,
        season_id=season.id,
        user_id=user_id,
        points=points,
        reason=cleaned[:300],
        by_id=by_id,
        by_name=by_name[:100],
        at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def new_season(
    guild_id: int, name: str | None, *, now: datetime, session: AsyncSession
) -> tuple[Season, Season]:
    """End the current season, keeping its final standings, and start the next one."""
    ending = await current_season(guild_id, session=session)
    if ending.started_at >= now:
        raise MootError("The current season has only just started.")
    final = await leaderboard(guild_id, "season", "rating", now=now, session=session)
    ending.ended_at = now
    ending.standings = json.dumps(
        [
            {"rank": s.rank, "user_id": s.user_id, "name": s.name, "rating": round(s.value, 3)}
            for s in final
        ]
    )
    session.add(ending)
    number = ending.number + 1
    cleaned = " ".join((name or "").split())[:100] or f"Season {number}"
    starting = Season(guild_id=guild_id, number=number, name=cleaned, started_at=now)
    session.add(starting)
    await session.flush()
    return ending, starting


def archived(season: Season) -> list[dict[str, Any]]:
    return list(json.loads(season.standings or "[]"))
