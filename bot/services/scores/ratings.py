"""Records and ratings from decided rounds: `record_round` adds one round in both tracks
(the season's and all time), `rebuild` replays them all."""

from __future__ import annotations

import json
from collections import defaultdict

from openskill.models import PlackettLuce
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, Winner
from bot.models import ALL_TIME, Ballot, MemberScore, Participant, Round, ScoreChange
from bot.services.scores.calendar import season_at, seasons

MODEL = PlackettLuce()


def ordinal(mu: float, sigma: float) -> float:
    """The rating shown for a skill estimate: its conservative ordinal (mu - 3 sigma)."""
    return float(MODEL.rating(mu=mu, sigma=sigma).ordinal())


async def record_round(round_id: int, *, session: AsyncSession) -> None:
    """Add a decided round to its speakers' records and ratings (once: called in the
    transaction that decides the round)."""
    row = await session.get(Round, round_id, populate_existing=True)
    if row is None or row.status != RoundStatus.DECIDED or row.finished_at is None:
        return
    if row.winner is None:
        return
    seats = (
        await session.exec(
            select(Participant)
            .where(
                Participant.round_id == round_id,
                col(Participant.role).in_((Side.REALIST, Side.VALUES)),
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
                    side=side,
                    outcome=_outcome(row.winner, side),
                    points=points.get(seat.user_id),
                    season_rating=after[season.id][seat.user_id],
                    all_time_rating=after[ALL_TIME][seat.user_id],
                    at=row.finished_at,
                )
            )
    await session.flush()


def _outcome(winner: Winner | None, side: Side) -> str:
    if winner is Winner.DRAW:
        return "draw"
    return "win" if winner is not None and winner.side is side else "loss"


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
        if row.winner is Winner.DRAW
        else [1.0, 2.0]
        if row.winner is Winner.REALIST
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
    query = select(Round.id).where(Round.status == RoundStatus.DECIDED)
    if guild_id is not None:
        query = query.where(Round.guild_id == guild_id)
    ids = (await session.exec(query.order_by(col(Round.finished_at), col(Round.id)))).all()
    for round_id in ids:
        assert round_id is not None
        await record_round(round_id, session=session)
    return len(ids)
