"""What moderators do to scores: adjust a member's rating with a reason, and end a season
(keeping its final standings) to start the next."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import ScoreAdjustment, Season
from bot.services.scores.calendar import current_season
from bot.services.scores.standings import leaderboard

ADJUST_LIMIT = 100.0


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
    """The final standings `new_season` kept for an ended season; empty for the current one."""
    return list(json.loads(season.standings or "[]"))
