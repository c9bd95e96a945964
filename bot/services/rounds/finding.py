"""Which round a command means: the round a member names, else the one whose thread the
command is run in, else the server's only round under way; and the rounds a member can
name."""

from __future__ import annotations

from sqlalchemy import String, case, cast, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import Round
from bot.services.rounds.read_models import ACTIVE

# Discord shows at most 25 choices, each named in at most 100 characters.
CHOICES_MAX, CHOICE_NAME_MAX = 25, 100


async def round_here(
    guild_id: int, channel_id: int | None, *, named: int | None = None, session: AsyncSession
) -> int:
    """The round `named` (it must be this server's); else the round whose thread
    `channel_id` is; else the server's only round under way."""
    if named is not None:
        found = (
            await session.exec(
                select(Round.id).where(Round.id == named, Round.guild_id == guild_id)
            )
        ).first()
        if found is None:
            raise MootError(
                f"There is no round {named} in this server. "
                "Pick one of the rounds the `round` option offers."
            )
        return found
    if channel_id is not None:
        found = (
            await session.exec(
                select(Round.id)
                .where(Round.guild_id == guild_id, Round.thread_id == channel_id)
                .order_by(col(Round.id).desc())
            )
        ).first()
        if found is not None:
            return found
    active = (
        await session.exec(
            select(Round.id).where(Round.guild_id == guild_id, col(Round.status).in_(ACTIVE))
        )
    ).all()
    if len(active) == 1 and active[0] is not None:
        return active[0]
    if not active:
        raise MootError(
            "No round is open in this server. A moderator can open one with /debate start."
        )
    raise MootError(
        "Several rounds are open: pick the one you mean with the `round` option, "
        "or run this in its thread."
    )


async def round_choices(
    guild_id: int, typed: str, *, ended: bool, session: AsyncSession
) -> list[tuple[str, int]]:
    """The server's recent rounds whose number starts with, or whose motion holds, what is
    typed, as (label, round id): open rounds first, then (with `ended`) the rounds that are
    over, newest first."""
    typed = typed.strip()
    query = select(Round.id, Round.motion, Round.status).where(Round.guild_id == guild_id)
    if not ended:
        query = query.where(col(Round.status).in_(ACTIVE))
    if typed:
        query = query.where(
            or_(
                cast(col(Round.id), String).startswith(typed, autoescape=True),
                func.lower(col(Round.motion)).contains(typed.lower(), autoescape=True),
            )
        )
    is_open = case((col(Round.status).in_(ACTIVE), 0), else_=1)
    rows = (
        await session.exec(query.order_by(is_open, col(Round.id).desc()).limit(CHOICES_MAX))
    ).all()
    return [
        (
            f"Round {round_id}{'' if status in ACTIVE else ' (over)'}: {motion}"[:CHOICE_NAME_MAX],
            round_id,
        )
        for round_id, motion, status in rows
        if round_id is not None
    ]
