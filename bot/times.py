"""Local times of day and the instants they fall on, across daylight-saving changes.

A schedule says "08:00 in Europe/Paris". Each local date has one occurrence: the instant
that wall-clock time falls on that day. When the time does not exist (the hour skipped in
spring) it falls the length of the gap later, as a wall clock set forward would show it;
when it exists twice (the hour repeated in autumn) it is the first of the two.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import dateparser
from dateutil.relativedelta import relativedelta

from bot.errors import MootError

MINUTES_PER_DAY = 24 * 60

_CLOCK = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)?$"
)
_COMPACT = re.compile(r"^(?P<hour>\d{2})(?P<minute>\d{2})$")
_WORDS = {"noon": 12 * 60, "midday": 12 * 60, "midnight": 0}


def parse_time_of_day(text: str) -> int:
    """Minutes after midnight for `08:00`, `8am`, `8:30 pm`, `20:30`, `2030` or `noon`.

    Raises MootError with an example of what works for anything else.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _CLOCK.match(cleaned) or _COMPACT.match(cleaned)
    problem = (
        f"“{text.strip()[:40]}” is not a time of day I can read. "
        "Write it like 08:00, 8am, 8:30pm or 20:30."
    )
    if match is None:
        raise MootError(problem)
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    half = (match.groupdict().get("half") or "").replace(".", "")
    if minute > 59:
        raise MootError(problem)
    if half:
        if not 1 <= hour <= 12:
            raise MootError(problem)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match["minute"] is None and 1 <= hour <= 12:
        # A bare "8" could mean 08:00 or 20:00: ask instead of guessing.
        raise MootError(
            f"“{text.strip()[:40]}” could be morning or evening: write {hour}am or {hour}pm."
        )
    if hour > 23:
        raise MootError(problem)
    return hour * 60 + minute


def format_time_of_day(minute_of_day: int) -> str:
    """`08:00` for 480."""
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_day(instant: datetime, timezone: str) -> date:
    """The calendar date it is in `timezone` at `instant`."""
    return instant.astimezone(zone(timezone)).date()


def occurrence(day: date, minute_of_day: int, timezone: str) -> datetime:
    """The UTC instant `minute_of_day` local time falls on, on local date `day`."""
    wall = datetime.combine(
        day, time(minute_of_day // 60, minute_of_day % 60), tzinfo=zone(timezone)
    )
    # fold=0: a repeated time is its first instant; a skipped one lands past the gap.
    return wall.astimezone(UTC)


def last_occurrence(now: datetime, minute_of_day: int, timezone: str) -> tuple[date, datetime]:
    """The local date and instant of the most recent occurrence at or before `now`."""
    day = local_day(now, timezone)
    at = occurrence(day, minute_of_day, timezone)
    while at > now:
        day -= timedelta(days=1)
        at = occurrence(day, minute_of_day, timezone)
    return day, at


def next_occurrence(now: datetime, minute_of_day: int, timezone: str) -> tuple[date, datetime]:
    """The local date and instant of the first occurrence strictly after `now`."""
    day = local_day(now, timezone)
    at = occurrence(day, minute_of_day, timezone)
    while at <= now:
        day += timedelta(days=1)
        at = occurrence(day, minute_of_day, timezone)
    return day, at


def discord_time(instant: datetime, style: str = "F") -> str:
    """A Discord timestamp: every member sees it in their own time zone."""
    return f"<t:{int(instant.timestamp())}:{style}>"


# --- rounds planned ahead: "friday 8pm", and series that keep their local time ---------

REPEATS = {
    "none": "once",
    "daily": "every day",
    "weekly": "every week",
    "fortnightly": "every two weeks",
    "monthly": "every month",
}
_LATEST_YEARS = 2


def parse_when(text: str, timezone: str, now: datetime) -> datetime:
    """The instant a moderator means by `text` ("friday 8pm", "2026-12-01 18:00", "in 2
    hours", "tomorrow 19:30"), read in `timezone`. MootError, with the reason, when it
    cannot be read or is not in the future."""
    cleaned = text.strip()
    if not cleaned:
        raise MootError("Say when, for example “friday 8pm” or “2026-12-01 18:00”.")
    local_now = now.astimezone(zone(timezone)).replace(tzinfo=None)
    parsed = dateparser.parse(
        cleaned[:100],
        languages=["en"],
        settings={
            "TIMEZONE": timezone,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now,
        },
    )
    if parsed is None:
        raise MootError(
            f"I cannot read “{cleaned[:60]}” as a time. Try “friday 8pm”, "
            "“tomorrow 19:30”, “in 2 hours” or “2026-12-01 18:00”."
        )
    wall = parsed.replace(second=0, microsecond=0)
    at = occurrence(wall.date(), wall.hour * 60 + wall.minute, timezone)
    if at <= now:
        raise MootError(
            f"“{cleaned[:60]}” is {format_local(at, timezone)}, which has already passed. "
            "Pick a time in the future."
        )
    if at > now + timedelta(days=366 * _LATEST_YEARS):
        raise MootError(f"“{cleaned[:60]}” is more than {_LATEST_YEARS} years away.")
    return at


def format_local(instant: datetime, timezone: str) -> str:
    """`Fri 27 Nov 2026, 20:00 (Europe/Paris)`: how the bot understood a time."""
    local = instant.astimezone(zone(timezone))
    return f"{local:%a %d %b %Y, %H:%M} ({timezone})"


def nth_occurrence(first: datetime, repeat: str, number: int, timezone: str) -> datetime:
    """Occurrence `number` (0 is `first`) of a series that repeats `repeat`, at the same
    local time of day as the first, whatever daylight saving does in between. A monthly
    series on the 31st falls on the last day of shorter months and returns to the 31st."""
    local = first.astimezone(zone(timezone))
    minute = local.hour * 60 + local.minute
    start = local.date()
    if repeat == "none" or number == 0:
        return first
    if repeat == "daily":
        day = start + timedelta(days=number)
    elif repeat == "weekly":
        day = start + timedelta(weeks=number)
    elif repeat == "fortnightly":
        day = start + timedelta(weeks=2 * number)
    elif repeat == "monthly":
        day = start + relativedelta(months=number)
    else:
        raise ValueError(f"unknown repeat {repeat!r}")
    return occurrence(day, minute, timezone)
