"""What a planned round looks like to the rest of the bot (its occurrence, what its schedule
says about it, its sign-ups) and the reads that find occurrences: by id, still to come, due
for the timers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PlannedStatus, Side
from bot.errors import MootError
from bot.models import PlannedRound, PlannedSeries, Signup
from bot.sharding import on_shards
from bot.times import format_local

# The sign-up of a member who cannot come: it lives beside PlannedView, whose `coming`
# leaves it out; the other choices are in signups.
ABSENT = "absent"


@dataclass(frozen=True)
class SignedUp:
    user_id: int
    choice: str
    name: str


@dataclass(frozen=True)
class PlannedView:
    """An occurrence with what its schedule says about it, and its sign-ups."""

    id: int
    schedule_id: int
    guild_id: int
    channel_id: int
    motion: str
    format_key: str
    pace: float
    proposition: Side
    # The Stage or voice channel the rounds are heard in, and its kind ("stage", "voice").
    venue_channel_id: int | None
    venue_kind: str | None
    timezone: str
    repeat: str
    until: date | None
    count: int | None
    number: int
    starts_at: datetime
    status: PlannedStatus
    due_at: datetime | None
    reminders: tuple[int, ...]
    reminders_done: int
    when_short: str
    postpone_minutes: int
    postponed: int
    event_id: int | None
    signup_message_id: int | None
    round_id: int | None
    note: str
    series_status: str
    created_by: int
    signups: tuple[SignedUp, ...]

    def chose(self, choice: str) -> list[SignedUp]:
        return [s for s in self.signups if s.choice == choice]

    @property
    def coming(self) -> list[SignedUp]:
        """Everyone who said they will be there, in sign-up order."""
        return [s for s in self.signups if s.choice != ABSENT]

    @property
    def is_series(self) -> bool:
        return self.repeat != "none"

    @property
    def when(self) -> str:
        return format_local(self.starts_at, self.timezone)


def _marks(text: str) -> tuple[int, ...]:
    return tuple(int(m) for m in text.split(",") if m)


async def load_planned(ids: Collection[int], *, session: AsyncSession) -> dict[int, PlannedView]:
    """The occurrences among `ids`, with their schedules and sign-ups."""
    if not ids:
        return {}
    rows = (
        await session.exec(
            select(PlannedRound, PlannedSeries)
            .join(PlannedSeries, col(PlannedSeries.id) == PlannedRound.schedule_id)
            .where(col(PlannedRound.id).in_(list(ids)))
        )
    ).all()
    signups: dict[int, list[SignedUp]] = {}
    for s in (
        await session.exec(
            select(Signup)
            .where(col(Signup.planned_id).in_(list(ids)))
            .order_by(col(Signup.at), col(Signup.user_id))
        )
    ).all():
        signups.setdefault(s.planned_id, []).append(SignedUp(s.user_id, s.choice, s.name))
    views = {}
    for planned, plan in rows:
        assert planned.id is not None and plan.id is not None
        views[planned.id] = PlannedView(
            id=planned.id,
            schedule_id=plan.id,
            guild_id=plan.guild_id,
            channel_id=plan.channel_id,
            motion=plan.motion,
            format_key=plan.format_key,
            pace=plan.pace,
            proposition=plan.proposition,
            venue_channel_id=plan.venue_channel_id,
            venue_kind=plan.venue_kind,
            timezone=plan.timezone,
            repeat=plan.repeat,
            until=plan.until,
            count=plan.count,
            number=planned.number,
            starts_at=planned.starts_at,
            status=PlannedStatus(planned.status),
            due_at=planned.due_at,
            reminders=_marks(plan.reminders),
            reminders_done=planned.reminders_done,
            when_short=plan.when_short,
            postpone_minutes=plan.postpone_minutes,
            postponed=planned.postponed,
            event_id=planned.event_id,
            signup_message_id=planned.signup_message_id,
            round_id=planned.round_id,
            note=planned.note,
            series_status=plan.status,
            created_by=plan.created_by,
            signups=tuple(signups.get(planned.id, [])),
        )
    return views


async def get_planned(planned_id: int, guild_id: int, *, session: AsyncSession) -> PlannedView:
    """The occurrence, if it belongs to this server; MootError otherwise."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.guild_id != guild_id:
        raise MootError(f"There is no planned round #{planned_id} in this server. See /round list.")
    return view


async def upcoming(guild_id: int, *, session: AsyncSession, limit: int = 20) -> list[PlannedView]:
    """The server's occurrences still to come, soonest first."""
    ids = (
        await session.exec(
            select(PlannedRound.id)
            .where(
                PlannedRound.guild_id == guild_id,
                PlannedRound.status == PlannedStatus.UPCOMING,
            )
            .order_by(col(PlannedRound.starts_at))
            .limit(limit)
        )
    ).all()
    views = await load_planned([i for i in ids if i is not None], session=session)
    return sorted(views.values(), key=lambda v: v.starts_at)


async def due_planned(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, datetime]]:
    """(occurrence, due time) of every upcoming occurrence on this process's shards."""
    rows = await session.exec(
        select(PlannedRound.id, PlannedRound.due_at).where(
            PlannedRound.status == PlannedStatus.UPCOMING,
            col(PlannedRound.due_at).is_not(None),
            on_shards(col(PlannedRound.guild_id), shard_count, shard_ids),
        )
    )
    return [(i, at) for i, at in rows.all() if i is not None and at is not None]
