"""Planned rounds' times: what moderators type, reminders, and series that keep their
local time across daylight saving and month ends."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import MootError
from bot.services.planning import parse_reminders, reminders_text
from bot.times import REPEATS, nth_occurrence, parse_when

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # a Sunday


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(
    ("typed", "zone", "expected"),
    [
        ("friday 8pm", "Europe/Paris", datetime(2026, 11, 27, 20, 0)),
        ("2026-12-01 18:00", "Europe/Paris", datetime(2026, 12, 1, 18, 0)),
        ("tomorrow 19:30", "America/New_York", datetime(2026, 11, 23, 19, 30)),
        ("in 2 hours", "Europe/Paris", datetime(2026, 11, 22, 10, 0)),
        ("dec 3 at 7pm", "Asia/Kolkata", datetime(2026, 12, 3, 19, 0)),
    ],
)
def test_what_people_type_is_read_in_the_servers_zone(
    typed: str, zone: str, expected: datetime
) -> None:
    at = parse_when(typed, zone, NOW)
    assert local(at, zone).replace(tzinfo=None) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("yesterday", "has already passed"),
        ("2020-01-01 10:00", "has already passed"),
        ("blurple o'clock", "I cannot read"),
        ("   ", "Say when"),
        ("2031-01-01 10:00", "years away"),
    ],
)
def test_past_unreadable_and_far_times_are_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(MootError, match=reason):
        parse_when(typed, "Europe/Paris", NOW)


def test_a_time_in_the_spring_gap_falls_after_it() -> None:
    at = parse_when("2027-03-28 02:30", "Europe/Paris", NOW)
    assert local(at, "Europe/Paris").replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)


def test_weekly_keeps_local_time_across_both_changes() -> None:
    zone = "America/New_York"
    first = parse_when("2027-02-25 20:00", zone, NOW)
    weeks = [local(nth_occurrence(first, "weekly", n, zone), zone) for n in range(40)]
    assert {(w.hour, w.minute, w.weekday()) for w in weeks} == {(20, 0, 3)}
    gaps = {(b - a) for a, b in itertools.pairwise(weeks)}
    assert gaps == {timedelta(weeks=1)}  # a week of wall time, 167 or 169 hours of real time
    offsets = {w.utcoffset() for w in weeks}
    assert offsets == {timedelta(hours=-5), timedelta(hours=-4)}


def test_monthly_on_the_31st_takes_the_last_day_of_short_months_and_comes_back() -> None:
    first = parse_when("2027-01-31 19:00", "UTC", NOW)
    days = [nth_occurrence(first, "monthly", n, "UTC").date().isoformat() for n in range(5)]
    assert days == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]
    leap = parse_when("2028-01-31 19:00", "UTC", NOW)
    assert nth_occurrence(leap, "monthly", 1, "UTC").date().isoformat() == "2028-02-29"


@settings(max_examples=200, deadline=None)
@given(
    repeat=st.sampled_from([r for r in REPEATS if r != "none"]),
    number=st.integers(0, 60),
    zone=st.sampled_from(["Europe/Paris", "Australia/Lord_Howe", "America/Sao_Paulo", "UTC"]),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_every_occurrence_is_at_the_first_ones_local_time_unless_it_does_not_exist(
    repeat: str, number: int, zone: str, minute: int
) -> None:
    day = datetime(2027, 1, 1) + timedelta(days=minute % 28)
    wall = day.replace(hour=minute // 60, minute=minute % 60)
    first = parse_when(wall.strftime("%Y-%m-%d %H:%M"), zone, NOW)
    start = local(first, zone)
    at = local(nth_occurrence(first, repeat, number, zone), zone)
    later = nth_occurrence(first, repeat, number + 1, zone)
    assert later > nth_occurrence(first, repeat, number, zone)
    if (at.hour, at.minute) != (start.hour, start.minute):
        # Only when the first's wall time does not exist that day (a spring gap).
        wall = datetime.combine(at.date(), start.time(), tzinfo=ZoneInfo(zone))
        assert wall.astimezone(UTC).astimezone(ZoneInfo(zone)).time() != start.time()


@pytest.mark.parametrize(
    ("typed", "marks", "shown"),
    [
        ("24h, 15m", (1440, 15), "1d, 15m"),
        ("15m 1h", (60, 15), "1h, 15m"),
        ("2 days, 30 minutes", (2880, 30), "2d, 30m"),
        ("none", (), "none"),
    ],
)
def test_reminders_are_read_largest_first(typed: str, marks: tuple[int, ...], shown: str) -> None:
    assert parse_reminders(typed) == marks
    assert reminders_text(marks) == shown


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("soon", "as a reminder"),
        ("8d", "7 days"),
        ("1m,2m,3m,4m,5m", "At most 4"),
        ("0m", "1 minute"),
    ],
)
def test_bad_reminders_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(MootError, match=reason):
        parse_reminders(typed)
