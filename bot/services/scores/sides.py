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
    """How one motion's (or one essay's) decided rounds went: wins by side, draws, and how
    many of the wins went to the side arguing for the motion (whichever side that was)."""

    label: str
    realist: int
    values: int
    draws: int
    for_motion: int

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
    """Rounds won by each side (whichever side proposed), draws, and the same wins counted
    by stance: won for the motion, won against it."""

    realist: int
    values: int
    draws: int
    for_motion: int
    against_motion: int
    # Running totals after each decided round: (when, realist wins, values wins).
    over_time: list[tuple[datetime, int, int]]
    motions: list[Balance]
    essays: list[Balance]


async def side_standings(guild_id: int, *, session: AsyncSession) -> SideStandings:
    """Rounds won by each side over time, and how balanced each motion and each essay
    (for rounds started with one) has been. A round with no decision (nobody voted or
    judged) counts for nobody: it is neither a win nor a draw."""
    rows = (
        await session.exec(
            select(Round)
            .where(
                Round.guild_id == guild_id,
                Round.status == RoundStatus.DECIDED,
                col(Round.winner).is_not(None),
            )
            .order_by(col(Round.finished_at), col(Round.id))
        )
    ).all()
    titles = dict((await session.exec(select(Essay.slug, Essay.title))).all())
    realist = values = draws = for_motion = 0
    over_time: list[tuple[datetime, int, int]] = []
    motions: dict[str, list[int]] = {}
    essays: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        motion, winner, at, essay = row.motion, row.winner, row.finished_at, row.essay_slug
        column = 0 if winner is Winner.REALIST else 1 if winner is Winner.VALUES else 2
        proposed = winner is not None and winner.side is row.proposition
        realist += column == 0
        values += column == 1
        draws += column == 2
        for_motion += proposed
        key = motion.strip().casefold()
        labels.setdefault(key, motion.strip())
        tallies = [motions.setdefault(key, [0, 0, 0, 0])]
        if essay is not None:
            tallies.append(essays.setdefault(essay, [0, 0, 0, 0]))
        for tally in tallies:
            tally[column] += 1
            tally[3] += proposed
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
        for_motion,
        realist + values - for_motion,
        over_time,
        balances(motions, labels.__getitem__),
        balances(essays, lambda slug: titles.get(slug) or slug),
    )
