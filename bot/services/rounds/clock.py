"""The small arithmetic of a round's clocks, shared by turns, points and prep."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.services.rounds.read_models import RoundView


def next_due(ends_at: datetime | None, warnings: tuple[int, ...], sent: int) -> datetime | None:
    """When a running turn next needs the timer: its next warning, else its end."""
    if ends_at is None:
        return None
    marks = warnings[sent:]
    if marks:
        return min(ends_at - timedelta(seconds=marks[0]), ends_at)
    return ends_at


def with_turn(view: RoundView, turn_id: int, **fields: Any) -> RoundView:
    """The round with turn `turn_id`'s `fields` replaced: what was just written, without
    reading the round again."""
    turns = [replace(t, **fields) if t.id == turn_id else t for t in view.turns]
    return replace(view, turns=turns)


def clock_text(seconds: float) -> str:
    """`1:05` for 65 seconds."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def earliest(*instants: datetime | None) -> datetime | None:
    """The first of the instants given (None when there is none)."""
    known = [i for i in instants if i is not None]
    return min(known) if known else None
