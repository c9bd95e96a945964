"""How the sides have fared: rounds won by each over time, and how balanced each motion and
each essay has been."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus, Side, Winner
from bot.models import Essay, Round

# A motion is flagged when one side has won at least this share of at least MIN_ROUNDS.
LOPSIDED_SHARE, MIN_ROUNDS = 0.75, 4


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
            .where(Round.guild_id == guild_id, Round.status == RoundStatus.DECIDED)
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
        column = 0 if winner is Winner.REALIST else 1 if winner is Winner.VALUES else 2
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
