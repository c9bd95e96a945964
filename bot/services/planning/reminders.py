"""Reminders before a planned round: the marks moderators type ("24h, 15m"), when the next
one is due (and after the last, the roll call), and claiming the one to send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PlannedStatus
from bot.errors import MootError
from bot.models import PlannedRound
from bot.services.planning.read_models import PlannedView, load_planned

DEFAULT_REMINDERS = "24h, 15m"
MAX_REMINDERS = 4
LONGEST_REMINDER = 7 * 24 * 60
# Whether a side has nobody is decided this long before the start: the server's event
# (an external one) goes live by itself at the start time, and a postponed round must
# not show as live, nor can a live event be cancelled.
DECIDE_AHEAD = timedelta(seconds=30)

_MARK = re.compile(r"^(?P<number>\d{1,4})\s*(?P<unit>d|h|m|days?|hours?|min(?:ute)?s?)$")


def parse_reminders(text: str) -> tuple[int, ...]:
    """Minutes before the start, largest first, from "24h, 15m" (or "none")."""
    cleaned = text.strip().lower()
    if cleaned in ("", "none", "no", "off"):
        return ()
    marks: set[int] = set()
    for part in re.split(r"[,\s]+(?=\d)", cleaned):
        found = _MARK.match(part.strip())
        if found is None:
            raise MootError(
                f"I cannot read “{part.strip()[:20]}” as a reminder. Write them like "
                "“24h, 15m” (d, h or m), or “none”."
            )
        number = int(found["number"])
        unit = found["unit"][0]
        minutes = number * {"d": 24 * 60, "h": 60, "m": 1}[unit]
        if not 1 <= minutes <= LONGEST_REMINDER:
            raise MootError("Reminders go from 1 minute to 7 days before the start.")
        marks.add(minutes)
    if len(marks) > MAX_REMINDERS:
        raise MootError(f"At most {MAX_REMINDERS} reminders per round.")
    return tuple(sorted(marks, reverse=True))


def reminders_text(marks: tuple[int, ...]) -> str:
    """`24h, 15m` for (1440, 15)."""

    def one(minutes: int) -> str:
        if minutes % (24 * 60) == 0:
            return f"{minutes // (24 * 60)}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"

    return ", ".join(one(m) for m in marks) or "none"


def _done_by(starts_at: datetime, marks: tuple[int, ...], now: datetime) -> int:
    """How many reminder marks are already behind `now` (largest mark first)."""
    return sum(1 for m in marks if starts_at - timedelta(minutes=m) <= now)


def _due(starts_at: datetime, marks: tuple[int, ...], done: int) -> datetime:
    """The next reminder's time, or once they are all sent, the roll call before the start
    (see DECIDE_AHEAD)."""
    if done < len(marks):
        return starts_at - timedelta(minutes=marks[done])
    return starts_at - DECIDE_AHEAD


@dataclass(frozen=True)
class Reminder:
    view: PlannedView
    minutes: int


async def remind(planned_id: int, *, now: datetime, session: AsyncSession) -> Reminder | None:
    """Claim the reminder that is due (the latest mark passed; earlier ones missed while
    the bot was down are not sent late). None when there is nothing to send or another
    timer sent it."""
    view = (await load_planned([planned_id], session=session)).get(planned_id)
    if view is None or view.status is not PlannedStatus.UPCOMING or view.starts_at <= now:
        return None
    done = _done_by(view.starts_at, view.reminders, now)
    if done <= view.reminders_done:
        return None
    claimed = await session.exec(
        update(PlannedRound)
        .where(
            col(PlannedRound.id) == planned_id,
            col(PlannedRound.reminders_done) == view.reminders_done,
            col(PlannedRound.status) == PlannedStatus.UPCOMING,
        )
        .values(reminders_done=done, due_at=_due(view.starts_at, view.reminders, done))
    )
    if claimed.rowcount != 1:
        return None
    return Reminder(view, view.reminders[done - 1])
