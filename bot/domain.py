"""The debate's plain types: sides, tallies and the states a schedule, a post, a round, a
turn and a planned round go through. No tables here: the tables (bot.models) store these."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Side(enum.StrEnum):
    """The two sides of every debate."""

    REALIST = "realist"
    VALUES = "values"

    @property
    def label(self) -> str:
        return "Realist" if self is Side.REALIST else "Values"

    @property
    def other(self) -> Side:
        """The side across the floor."""
        return Side.VALUES if self is Side.REALIST else Side.REALIST

    def stance(self, proposition: Side) -> str:
        """How this side argues the motion when `proposition` is the side proposing it."""
        return "for the motion" if self is proposition else "against the motion"


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 vote`, `2 votes`: a count with its noun in the number it needs."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


class Winner(enum.StrEnum):
    """Who won a decided round: one of the sides, or neither (a draw). A round nobody voted
    in and nobody judged has no winner at all: it is stored as None, not as a draw."""

    REALIST = "realist"
    VALUES = "values"
    DRAW = "draw"

    @property
    def side(self) -> Side | None:
        """The winning side; None for a draw."""
        return None if self is Winner.DRAW else Side(self.value)


@dataclass(frozen=True)
class Tally:
    """Votes for each side (on an excerpt, or in a round)."""

    realist: int
    values: int

    def of(self, side: Side) -> int:
        return self.realist if side is Side.REALIST else self.values


class ScheduleStatus(enum.StrEnum):
    """Whether a server's daily excerpt is posting, paused by a moderator, or switched off."""

    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


class Rotation(enum.StrEnum):
    """How the next excerpt's side is chosen."""

    ALTERNATE = "alternate"
    BALANCED = "balanced"
    RANDOM = "random"


class PostStatus(enum.StrEnum):
    """Where an excerpt post stands: claimed for posting, then posted, failed or skipped."""

    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
    SKIPPED = "skipped"


class RoundStatus(enum.StrEnum):
    """Where a debate round is, from its lobby to its end."""

    LOBBY = "lobby"
    RUNNING = "running"
    PAUSED = "paused"
    VOTING = "voting"
    DECIDED = "decided"
    ENDED = "ended"


class TurnStatus(enum.StrEnum):
    """Where one turn of a round's running order is."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


class PlannedStatus(enum.StrEnum):
    """Where one planned occurrence of a schedule is."""

    UPCOMING = "upcoming"
    STARTED = "started"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
