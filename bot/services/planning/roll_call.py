"""The start of a planned round: the roll call just before it, which postpones or cancels
a round a side has nobody for; start time, which seats the signed-up speakers in a new
round; and the end of a started occurrence (done, or cancelled when its round cannot
open)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PlannedStatus, Side
from bot.formats import Format
from bot.models import PlannedRound
from bot.services import floor, rounds
from bot.services.planning.plans import _next_occurrence
from bot.services.planning.read_models import PlannedView, load_planned
from bot.services.planning.reminders import DECIDE_AHEAD
from bot.services.rounds import AUDIENCE, RoundView

# A round short of speakers is put off at most this many times, then cancelled.
POSTPONE_LIMIT = 3


@dataclass(frozen=True)
class Begun:
    """What start time did to an occurrence: `round` when it became a round (speakers
    seated, not yet started); `missing` the sides nobody signed up for, when it was
    postponed (`view.status` upcoming) or cancelled instead. `added`: the series' next."""

    view: PlannedView
    round: RoundView | None
    missing: tuple[Side, ...]
    added: PlannedView | None


async def begin(
    planned_id: int, *, formats: Mapping[str, Format], now: datetime, session: AsyncSession
) -> Begun | None:
    """The roll call (DECIDE_AHEAD before the start): when a side has nobody, claim the
    occurrence and postpone or cancel it as the schedule says, while its event has not
    gone live. Start time: claim it and seat the signed-up speakers in a new round (or,
    if a side emptied since the roll call, postpone or cancel after all). None when
    nothing is due or another timer took it."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.status is not PlannedStatus.UPCOMING:
        return None
    fmt = formats.get(view.format_key)
    missing = tuple(side for side in Side if not view.chose(side.value))
    if view.starts_at > now:
        if now < view.starts_at - DECIDE_AHEAD:
            return None
        if fmt is not None and not missing:
            # The roll call: both sides have someone; the round starts at its time.
            await session.exec(
                update(PlannedRound)
                .where(
                    col(PlannedRound.id) == planned_id,
                    col(PlannedRound.status) == PlannedStatus.UPCOMING,
                    col(PlannedRound.starts_at) == view.starts_at,
                )
                .values(due_at=view.starts_at)
            )
            return None
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.UPCOMING,
            col(PlannedRound.starts_at) == view.starts_at,
        )
        .values(status=PlannedStatus.STARTED, due_at=None)
    )
    if claimed.rowcount != 1:
        return None
    if fmt is None or missing:
        return await _short(view, missing, fmt, now, session)
    created = await rounds.create_round(
        view.guild_id,
        view.channel_id,
        motion=view.motion,
        fmt=fmt,
        pace=view.pace,
        by=view.created_by,
        now=now,
        session=session,
        proposition=view.proposition,
    )
    if view.venue_channel_id is not None and view.venue_kind is not None:
        await floor.set_venue(
            created.id,
            view.guild_id,
            view.venue_channel_id,
            view.venue_kind,
            now=now,
            session=session,
            event_id=view.event_id if view.venue_kind == floor.STAGE else None,
        )
    for side in Side:
        for number, member in enumerate(view.chose(side.value)):
            role = side.value if number < fmt.speakers_per_side else AUDIENCE
            await rounds.join(
                created.id, member.user_id, member.name, role, fmt=fmt, now=now, session=session
            )
    for member in view.chose(AUDIENCE):
        await rounds.join(
            created.id, member.user_id, member.name, AUDIENCE, fmt=fmt, now=now, session=session
        )
    await session.exec(
        update(PlannedRound).where(col(PlannedRound.id) == planned_id).values(round_id=created.id)
    )
    added = await _next_occurrence(view, now, session)
    fresh = await load_planned([planned_id, *([added] if added else [])], session=session)
    seated = await rounds.get_round(created.id, session=session)
    return Begun(fresh[planned_id], seated, (), fresh.get(added) if added else None)


async def _short(
    view: PlannedView,
    missing: tuple[Side, ...],
    fmt: Format | None,
    now: datetime,
    session: AsyncSession,
) -> Begun:
    who = " or ".join(side.label for side in missing) or "anyone"
    if fmt is not None and view.when_short == "postpone" and view.postponed < POSTPONE_LIMIT:
        later = max(now, view.starts_at) + timedelta(minutes=view.postpone_minutes)
        await session.exec(
            update(PlannedRound)
            .where(col(PlannedRound.id) == view.id)
            .values(
                status=PlannedStatus.UPCOMING,
                starts_at=later,
                due_at=later - DECIDE_AHEAD,
                reminders_done=len(view.reminders),
                postponed=view.postponed + 1,
                note=f"Postponed: nobody signed up for {who}.",
            )
        )
        fresh = await load_planned([view.id], session=session)
        return Begun(fresh[view.id], None, missing, None)
    reason = (
        f"Cancelled: the format {view.format_key} is no longer installed."
        if fmt is None
        else f"Cancelled: nobody signed up for {who}."
    )
    await session.exec(
        update(PlannedRound)
        .where(col(PlannedRound.id) == view.id)
        .values(status=PlannedStatus.CANCELLED, note=reason)
    )
    added = await _next_occurrence(view, now, session)
    fresh = await load_planned([view.id, *([added] if added else [])], session=session)
    return Begun(fresh[view.id], None, missing, fresh.get(added) if added else None)


async def finish(planned_id: int, *, session: AsyncSession) -> bool:
    """Mark a started occurrence done once its round is over (claimed: once)."""
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.STARTED,
        )
        .values(status=PlannedStatus.DONE)
    )
    return claimed.rowcount == 1


async def abandon(planned_id: int, note: str, *, session: AsyncSession) -> PlannedView:
    """Cancel a started occurrence whose round cannot be opened (its channel is gone)."""
    await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.status) == PlannedStatus.STARTED,
        )
        .values(status=PlannedStatus.CANCELLED, note=note[:300])
    )
    return (await load_planned([planned_id], session=session))[planned_id]
