"""Times of day and their occurrences: parsing, and daylight-saving days in many zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import MootError
from bot.times import (
    format_time_of_day,
    last_occurrence,
    local_day,
    next_occurrence,
    occurrence,
    parse_time_of_day,
)

ZONES = [
    "UTC",
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "Asia/Kolkata",
    "Pacific/Chatham",
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("08:00", "08:00"),
        ("8am", "08:00"),
        ("8 AM", "08:00"),
        ("8:30pm", "20:30"),
        ("8:30 p.m.", "20:30"),
        ("20:30", "20:30"),
        ("2030", "20:30"),
        ("0800", "08:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("18", "18:00"),
        ("7h15", "07:15"),
    ],
)
def test_times_people_type(typed: str, expected: str) -> None:
    assert format_time_of_day(parse_time_of_day(typed)) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("8", "morning or evening"),
        ("25:00", "not a time of day"),
        ("13pm", "not a time of day"),
        ("8:61", "not a time of day"),
        ("", "not a time of day"),
        ("tomorrow", "not a time of day"),
        ("0am", "not a time of day"),
    ],
)
def test_times_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(MootError, match=reason):
        parse_time_of_day(typed)


def test_skipped_hour_lands_past_the_gap_and_repeated_hour_on_its_first_instant() -> None:
    paris = ZoneInfo("Europe/Paris")
    skipped = occurrence(date(2026, 3, 29), 2 * 60 + 30, "Europe/Paris")
    assert skipped.astimezone(paris).strftime("%H:%M %Z") == "03:30 CEST"
    repeated = occurrence(date(2026, 11, 1), 90, "America/New_York")
    assert repeated == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31))
minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@settings(max_examples=400)
@given(day=days, minute=minutes, name=st.sampled_from(ZONES))
def test_an_occurrence_is_on_its_day_at_its_wall_time_unless_skipped(
    day: date, minute: int, name: str
) -> None:
    at = occurrence(day, minute, name)
    local = at.astimezone(ZoneInfo(name))
    assert local.date() == day == local_day(at, name)
    wall = local.hour * 60 + local.minute
    if wall != minute:  # only inside a skipped interval, pushed forward by its length
        gap = (local.utcoffset() or timedelta()) - (
            (at - timedelta(hours=3)).astimezone(ZoneInfo(name)).utcoffset() or timedelta()
        )
        assert timedelta(0) < timedelta(minutes=wall - minute) <= gap


@settings(max_examples=400)
@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2037, 12, 30), timezones=st.just(UTC)
    ),
    minute=minutes,
    name=st.sampled_from(ZONES),
)
def test_last_and_next_occurrence_bracket_now_one_local_day_apart(
    instant: datetime, minute: int, name: str
) -> None:
    last_day, last_at = last_occurrence(instant, minute, name)
    next_day, next_at = next_occurrence(instant, minute, name)
    assert last_at <= instant < next_at
    assert next_day - last_day == timedelta(days=1)
    # Nothing falls between them: the next day's occurrence after `last` is `next`.
    assert next_occurrence(last_at, minute, name) == (next_day, next_at)
