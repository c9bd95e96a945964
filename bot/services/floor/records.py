"""Rounds' venues and the changes moot made in them, in the database: written before a
change is made, so that after a crash moot knows whom it changed and how they were."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import RoundStatus
from bot.models import FloorChange, GuildConfig, Round, RoundVenue
from bot.services.floor.plan import STAGE, VOICE, Recorded
from bot.sharding import on_shards

HOLDING, TEXT, RELEASED = "holding", "text", "released"
# A round holds its venue from its lobby until it is decided or ended.
OPEN_STATUSES = (RoundStatus.LOBBY, RoundStatus.RUNNING, RoundStatus.PAUSED, RoundStatus.VOTING)
NOTE_MAX = 300


@dataclass(frozen=True)
class Venue:
    """A round's venue as the floor keeper uses it."""

    round_id: int
    guild_id: int
    channel_id: int
    kind: str
    state: str
    note: str
    event_id: int | None
    opens_instance: bool
    # The server's moderator role: its members are never moved.
    moderator_role_id: int | None


def venue_kind(channel_type: int) -> str | None:
    """A venue's kind from Discord's channel type (13 Stage, 2 voice); None otherwise."""
    return {13: STAGE, 2: VOICE}.get(channel_type)


async def set_venue(
    round_id: int,
    guild_id: int,
    channel_id: int,
    kind: str,
    *,
    now: datetime,
    session: AsyncSession,
    event_id: int | None = None,
) -> None:
    """Give a round (in its lobby) a venue, a Stage or a voice channel."""
    if kind not in (STAGE, VOICE):
        raise ValueError(f"not a venue kind: {kind}")
    session.add(
        RoundVenue(
            round_id=round_id,
            guild_id=guild_id,
            channel_id=channel_id,
            kind=kind,
            event_id=event_id,
            created_at=now,
        )
    )
    await session.flush()


def _venue(row: RoundVenue, role_id: int | None) -> Venue:
    return Venue(
        round_id=row.round_id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        kind=row.kind,
        state=row.state,
        note=row.note,
        event_id=row.event_id,
        opens_instance=row.opens_instance,
        moderator_role_id=role_id,
    )


async def load_venues(round_ids: Iterable[int], *, session: AsyncSession) -> dict[int, Venue]:
    """The venues of these rounds (rounds without one are left out), in one statement."""
    ids = list(set(round_ids))
    if not ids:
        return {}
    rows = await session.exec(
        select(RoundVenue, GuildConfig.moderator_role_id)
        .join(GuildConfig, col(GuildConfig.guild_id) == col(RoundVenue.guild_id), isouter=True)
        .where(col(RoundVenue.round_id).in_(ids))
    )
    return {row.round_id: _venue(row, role_id) for row, role_id in rows.all()}


async def held_venues(
    *, shard_count: int | None, shard_ids: Sequence[int] | None, session: AsyncSession
) -> list[Venue]:
    """Every venue moot still holds on these shards: rounds under way, and rounds over whose
    venue was not let go yet (the process stopped first)."""
    rows = await session.exec(
        select(RoundVenue, GuildConfig.moderator_role_id)
        .join(GuildConfig, col(GuildConfig.guild_id) == col(RoundVenue.guild_id), isouter=True)
        .where(
            col(RoundVenue.state) == HOLDING,
            on_shards(col(RoundVenue.guild_id), shard_count, shard_ids),
        )
    )
    return [_venue(row, role_id) for row, role_id in rows.all()]


async def holder_of(
    channel_id: int, *, session: AsyncSession, before: int | None = None
) -> int | None:
    """The open round whose floor moot holds in this channel, if any (with `before`, only
    one opened earlier than that round: of two rounds asking at once, the first keeps it)."""
    query = (
        select(RoundVenue.round_id)
        .join(Round, col(Round.id) == col(RoundVenue.round_id))
        .where(
            col(RoundVenue.channel_id) == channel_id,
            col(RoundVenue.state) == HOLDING,
            col(Round.status).in_(OPEN_STATUSES),
        )
        .order_by(col(RoundVenue.round_id))
        .limit(1)
    )
    if before is not None:
        query = query.where(col(RoundVenue.round_id) < before)
    return (await session.exec(query)).first()


async def _set(round_id: int, session: AsyncSession, **values: Any) -> None:
    await session.exec(
        update(RoundVenue).where(col(RoundVenue.round_id) == round_id).values(**values)
    )


async def run_as_text(round_id: int, note: str, *, session: AsyncSession) -> None:
    """The floor cannot be held (`note` says why): the round runs as a text round."""
    await _set(round_id, session, state=TEXT, note=note[:NOTE_MAX])


async def release(round_id: int, *, session: AsyncSession) -> None:
    """The round is over and its venue let go (its Stage instance closed)."""
    await _set(round_id, session, state=RELEASED)


async def intend_instance(round_id: int, opens: bool, *, session: AsyncSession) -> None:
    """Before asking Discord for a Stage instance (True), or on finding one live already
    (False): whether the instance is moot's to close at the end."""
    await _set(round_id, session, opens_instance=opens)


async def changes_of(
    round_ids: Iterable[int], *, session: AsyncSession, settled: bool | None = False
) -> list[Recorded]:
    """The changes recorded in these rounds: unsettled ones (default), settled ones, or all
    (`settled=None`)."""
    ids = list(set(round_ids))
    if not ids:
        return []
    query = select(FloorChange).where(col(FloorChange.round_id).in_(ids))
    if settled is not None:
        query = query.where(col(FloorChange.settled) == settled)
    rows = await session.exec(query.order_by(col(FloorChange.id)))
    return [_recorded(row) for row in rows.all()]


def _recorded(row: FloorChange) -> Recorded:
    assert row.id is not None
    return Recorded(row.id, row.round_id, row.user_id, row.what, row.before)


async def record(
    changes: Sequence[tuple[int, int, int, str, bool]], *, now: datetime, session: AsyncSession
) -> list[Recorded]:
    """Record, before making them, the first changes of members in rounds: (round, guild,
    member, what, the state before). A member already recorded in that round keeps the
    state first recorded, unless that record was settled (they were put back, or left the
    Stage): then this change is their first again. Returns the record of each change."""
    if not changes:
        return []
    # The rounds' records, read by round (a handful of members each) and matched here: a
    # condition per change would pass SQLite's expression depth past a thousand changes.
    round_ids = sorted({r for r, *_ in changes})
    existing: dict[tuple[int, int, str], FloorChange] = {}
    for start in range(0, len(round_ids), 500):
        chunk = round_ids[start : start + 500]
        found = await session.exec(select(FloorChange).where(col(FloorChange.round_id).in_(chunk)))
        for stored in found.all():
            existing[(stored.round_id, stored.user_id, stored.what)] = stored
    rows = []
    for round_id, guild_id, user_id, what, before in changes:
        row = existing.get((round_id, user_id, what))
        if row is None:
            row = FloorChange(
                round_id=round_id,
                guild_id=guild_id,
                user_id=user_id,
                what=what,
                before=before,
                changed_at=now,
            )
            existing[(round_id, user_id, what)] = row
        elif row.settled:
            row.before, row.settled, row.changed_at = before, False, now
        session.add(row)
        rows.append(row)
    await session.flush()
    return [_recorded(row) for row in rows]


async def settle(record_ids: Iterable[int], *, session: AsyncSession) -> None:
    """These members are back as the round found them, or there is nothing left to undo."""
    ids = list(set(record_ids))
    if ids:
        await session.exec(
            update(FloorChange).where(col(FloorChange.id).in_(ids)).values(settled=True)
        )


async def owed(
    *,
    shard_count: int | None,
    shard_ids: Sequence[int] | None,
    session: AsyncSession,
    guild_id: int | None = None,
    user_id: int | None = None,
) -> list[tuple[int, Recorded]]:
    """(server, record) of the changes still to undo in rounds that are over: members
    server-muted who were not connected when their round ended."""
    query = (
        select(FloorChange)
        .join(Round, col(Round.id) == col(FloorChange.round_id))
        .where(
            col(FloorChange.settled).is_(False),
            col(Round.status).in_([RoundStatus.DECIDED, RoundStatus.ENDED]),
            on_shards(col(FloorChange.guild_id), shard_count, shard_ids),
        )
    )
    if guild_id is not None:
        query = query.where(col(FloorChange.guild_id) == guild_id)
    if user_id is not None:
        query = query.where(col(FloorChange.user_id) == user_id)
    rows = await session.exec(query.order_by(col(FloorChange.id)))
    return [(row.guild_id, _recorded(row)) for row in rows.all()]
