"""The lobby: opening a round, and members taking or giving up their seats (a side, the
audience, judging)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.domain import RoundStatus, Side
from bot.errors import MootError
from bot.formats import Format
from bot.models import Participant, Round
from bot.services.rounds.read_models import AUDIENCE, JUDGE, RoundView
from bot.services.rounds.rows import get_round, load_rounds, record_event
from bot.sharding import on_shards

MOTION_MAX = 300
PACE_RANGE = (0.25, 2.0)


def check_motion(text: str) -> str:
    """The motion with its spaces tidied, or MootError saying what is wrong with it."""
    motion = " ".join(text.split())
    if not motion:
        raise MootError(
            "The motion is empty: write what the round debates, e.g. “This house would…”."
        )
    if len(motion) > MOTION_MAX:
        raise MootError(f"The motion is {len(motion)} characters; keep it to {MOTION_MAX}.")
    return motion


def check_pace(pace: float) -> float:
    """The pace, or MootError if it is outside PACE_RANGE."""
    low, high = PACE_RANGE
    if not low <= pace <= high:
        raise MootError(f"Pace must be between {low} and {high} (1 is the format's own times).")
    return pace


async def create_round(
    guild_id: int,
    channel_id: int,
    *,
    motion: str,
    fmt: Format,
    pace: float,
    by: int,
    now: datetime,
    session: AsyncSession,
    essay: str | None = None,
    proposition: Side = Side.REALIST,
) -> RoundView:
    """A round in its lobby, waiting for speakers; `essay`, the slug of the essay its
    motion comes from (already checked); `proposition`, the side for the motion."""
    row = Round(
        guild_id=guild_id,
        channel_id=channel_id,
        motion=check_motion(motion),
        format_key=fmt.key,
        pace=check_pace(pace),
        essay_slug=essay,
        proposition=proposition,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    await record_event(session, row.id, "created", now, by, f"{fmt.name}: {row.motion}")
    return await get_round(row.id, session=session)


async def unopened(
    *, before: datetime, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[RoundView, datetime]]:
    """Lobbies saved before `before` whose thread was never opened (the process stopped
    between saving the round and opening it), with when each was saved: what the sweeper
    opens, or ends."""
    rows = (
        await session.exec(
            select(Round.id, Round.created_at).where(
                col(Round.status) == RoundStatus.LOBBY,
                col(Round.thread_id).is_(None),
                col(Round.created_at) < before,
                on_shards(col(Round.guild_id), shard_count, shard_ids),
            )
        )
    ).all()
    saved = {round_id: at for round_id, at in rows if round_id is not None}
    views = await load_rounds(list(saved), session=session)
    return [(views[round_id], at) for round_id, at in saved.items() if round_id in views]


async def attach_thread(
    round_id: int, *, thread_id: int, lobby_message_id: int | None, session: AsyncSession
) -> None:
    """Remember the round's thread and its lobby message once they are posted."""
    await session.exec(
        update(Round)
        .where(col(Round.id) == round_id)
        .values(thread_id=thread_id, lobby_message_id=lobby_message_id)
    )


async def join(
    round_id: int,
    user_id: int,
    name: str,
    role: str,
    *,
    fmt: Format,
    now: datetime,
    session: AsyncSession,
) -> RoundView:
    """Take a seat: a side (in the lobby, while the side has room) or the audience."""
    view = await get_round(round_id, session=session)
    if view.is_over:
        raise MootError("That round is over. A moderator can open a new one with /debate start.")
    current = view.role_of(user_id)
    if current == role:
        where = "the audience" if role == AUDIENCE else f"the {Side(role).label} side"
        raise MootError(f"You are already in {where}.")
    if current == JUDGE:
        raise MootError("You are judging this round, so you cannot join a side or the audience.")
    if role != AUDIENCE:
        side = Side(role)
        if view.status is not RoundStatus.LOBBY:
            raise MootError(
                "The round has started: speakers join only in the lobby. You can join the audience."
            )
        if len(view.speakers(side)) >= fmt.speakers_per_side:
            raise MootError(
                f"The {side.label} side is full ({fmt.speakers_per_side} in {fmt.name}). "
                "Join the other side or the audience."
            )
    elif current in (Side.REALIST, Side.VALUES) and view.status is not RoundStatus.LOBBY:
        raise MootError(
            "You are speaking in this round; a moderator can remove you with /debate remove."
        )
    await upsert(
        session,
        Participant,
        {
            "round_id": round_id,
            "user_id": user_id,
            "role": role,
            "name": name[:100],
            "joined_at": now,
        },
        ["round_id", "user_id"],
    )
    await record_event(session, round_id, "joined", now, user_id, role)
    return await get_round(round_id, session=session)


async def leave(round_id: int, user_id: int, *, now: datetime, session: AsyncSession) -> RoundView:
    """Give up a seat. Speakers can leave only before the round starts."""
    view = await get_round(round_id, session=session)
    role = view.role_of(user_id)
    if role is None:
        raise MootError("You are not in this round.")
    if role in (Side.REALIST, Side.VALUES) and view.status is not RoundStatus.LOBBY:
        raise MootError("The round has started; a moderator can remove you with /debate remove.")
    await session.exec(
        delete(Participant).where(
            col(Participant.round_id) == round_id, col(Participant.user_id) == user_id
        )
    )
    await record_event(session, round_id, "left", now, user_id, role)
    return await get_round(round_id, session=session)


async def assign_judge(
    round_id: int, user_id: int, name: str, *, by: int, now: datetime, session: AsyncSession
) -> RoundView:
    """Seat a member as a judge (a moderator's choice); anyone but the round's speakers."""
    view = await get_round(round_id, session=session)
    if view.is_over:
        raise MootError("That round is over.")
    if view.role_of(user_id) in (Side.REALIST, Side.VALUES):
        raise MootError(f"{name} is speaking in this round and cannot judge it.")
    await upsert(
        session,
        Participant,
        {
            "round_id": round_id,
            "user_id": user_id,
            "role": JUDGE,
            "name": name[:100],
            "joined_at": now,
        },
        ["round_id", "user_id"],
    )
    await record_event(session, round_id, "judge", now, by, name)
    return await get_round(round_id, session=session)
