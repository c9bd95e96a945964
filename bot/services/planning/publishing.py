"""An occurrence on Discord: the scheduled event and sign-up message it went out as, and
which occurrences are behind there (the keeper brings them in step)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PlannedStatus, RoundStatus
from bot.models import PlannedRound, Round
from bot.services.planning.read_models import PlannedView, load_planned
from bot.sharding import on_shards


async def record_discord(
    planned_id: int,
    *,
    session: AsyncSession,
    event_id: int | None = None,
    signup_message_id: int | None = None,
) -> None:
    """Remember the Discord event and sign-up message an occurrence went out as."""
    values: dict[str, Any] = {}
    if event_id is not None:
        values["event_id"] = event_id
    if signup_message_id is not None:
        values["signup_message_id"] = signup_message_id
    if values:
        await session.exec(
            update(PlannedRound).where(col(PlannedRound.id) == planned_id).values(**values)
        )


async def forget_event(planned_id: int, event_id: int, *, session: AsyncSession) -> None:
    """The occurrence's event is over on Discord though the occurrence is not (it went
    live, then the round was postponed): the next publish creates a new one."""
    await session.exec(
        update(PlannedRound)
        .where(col(PlannedRound.id) == planned_id, col(PlannedRound.event_id) == event_id)
        .values(event_id=None)
    )


async def needing_discord(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[PlannedView]:
    """Occurrences whose Discord side is behind: upcoming ones without their sign-up
    message or event, started ones whose round has no thread yet (the process stopped in
    between), and started ones whose round is over (the event is then completed)."""
    ids = (
        await session.exec(
            select(PlannedRound.id)
            .outerjoin(Round, col(Round.id) == PlannedRound.round_id)
            .where(
                on_shards(col(PlannedRound.guild_id), shard_count, shard_ids),
                (
                    (col(PlannedRound.status) == PlannedStatus.UPCOMING)
                    & (
                        col(PlannedRound.signup_message_id).is_(None)
                        | col(PlannedRound.event_id).is_(None)
                    )
                )
                | (
                    (col(PlannedRound.status) == PlannedStatus.STARTED)
                    & (
                        col(Round.thread_id).is_(None)
                        | (col(Round.status) == RoundStatus.LOBBY)
                        | col(Round.status).in_((RoundStatus.DECIDED, RoundStatus.ENDED))
                        | col(PlannedRound.round_id).is_(None)
                    )
                ),
            )
        )
    ).all()
    views = await load_planned([i for i in ids if i is not None], session=session)
    return list(views.values())
