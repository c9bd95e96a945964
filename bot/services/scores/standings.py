"""Standings of members: the leaderboard by rating, wins or speaker points over a period,
and one member's records, ratings, history and adjustments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import ALL_TIME, MemberScore, ScoreAdjustment, ScoreChange
from bot.services.scores.calendar import current_season
from bot.services.scores.ratings import ordinal

PERIODS = {"week": 7, "month": 30, "season": None, "all": None}
RANKINGS = ("rating", "wins", "points")
PAGE = 10


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
    """A member's records and ratings this season and all time (adjustments included),
    their all-time rating after each round, and their latest adjustments."""
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
