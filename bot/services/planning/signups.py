"""Sign-ups: each member's answer to a planned round (a side, the audience, or can't make
it), changeable until the start."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.domain import PlannedStatus, Side
from bot.errors import MootError
from bot.models import Signup
from bot.services.planning.read_models import ABSENT, PlannedView, get_planned, load_planned
from bot.services.rounds import AUDIENCE

CHOICES = (Side.REALIST, Side.VALUES, AUDIENCE, ABSENT)
CHOICE_LABELS = {
    Side.REALIST: "Realist",
    Side.VALUES: "Values",
    AUDIENCE: "Audience",
    ABSENT: "Can't make it",
}


async def sign_up(
    planned_id: int,
    guild_id: int,
    user_id: int,
    name: str,
    choice: str,
    *,
    now: datetime,
    session: AsyncSession,
) -> PlannedView:
    """A member's answer (changeable until the start)."""
    if choice not in CHOICES:
        raise MootError("That is not a sign-up choice.")
    view = await get_planned(planned_id, guild_id, session=session)
    if view.status is not PlannedStatus.UPCOMING:
        raise MootError("Sign-ups for that round are closed.")
    await upsert(
        session,
        Signup,
        {
            "planned_id": planned_id,
            "user_id": user_id,
            "choice": choice,
            "name": name[:100],
            "at": now,
        },
        ["planned_id", "user_id"],
    )
    return (await load_planned([planned_id], session=session))[planned_id]
