"""What a round looks like to the rest of the bot: frozen views of a round with its seats
and turns, and the notices a change leaves for its thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain import RoundStatus, Side, TurnStatus, Winner

AUDIENCE, JUDGE = "audience", "judge"
ACTIVE = (
    RoundStatus.LOBBY,
    RoundStatus.RUNNING,
    RoundStatus.PAUSED,
    RoundStatus.VOTING,
)


@dataclass(frozen=True)
class Seat:
    """A member's place in a round: `role` is a side's value, AUDIENCE or JUDGE."""

    user_id: int
    role: str
    name: str


@dataclass(frozen=True)
class TurnView:
    """One step of a round's running order, as it stands."""

    id: int
    position: int
    kind: str
    side: Side | None
    role: str
    seconds: int
    warnings: tuple[int, ...]
    warnings_sent: int
    speaker_id: int | None
    answerer_id: int | None
    status: TurnStatus
    started_at: datetime | None
    ends_at: datetime | None
    remaining: float | None
    ended_at: datetime | None
    end_reason: str | None
    announce_message_id: int | None


@dataclass(frozen=True)
class RoundView:
    """A round with its seats, in joining order, and its turns, in running order."""

    id: int
    guild_id: int
    channel_id: int
    thread_id: int | None
    lobby_message_id: int | None
    motion: str
    format_key: str
    pace: float
    essay_slug: str | None
    # The side for the motion; the other side is against it.
    proposition: Side
    status: RoundStatus
    current: int | None
    due_at: datetime | None
    voting_ends_at: datetime | None
    voting_message_id: int | None
    winner: Winner | None
    result: str | None
    result_message_id: int | None
    created_by: int
    started_at: datetime | None
    seats: list[Seat]
    turns: list[TurnView]
    # The member whose accepted point of information holds the floor with the speaker,
    # and when its time is up.
    point_by: int | None = None
    point_ends_at: datetime | None = None
    # Preparation under way: the side drawing on its pool, who called it, when its clock
    # last started and when the pool runs out (both None while the round is paused).
    prep_side: Side | None = None
    prep_by: int | None = None
    prep_started_at: datetime | None = None
    prep_ends_at: datetime | None = None
    # Seconds of each side's pool used before the prep under way.
    realist_prep_used: float = 0.0
    values_prep_used: float = 0.0

    def prep_used(self, side: Side, now: datetime | None = None) -> float:
        """Seconds of `side`'s pool used, counting the prep under way up to `now`."""
        used = self.realist_prep_used if side is Side.REALIST else self.values_prep_used
        if now is not None and self.prep_side is side and self.prep_started_at is not None:
            used += max(0.0, (now - self.prep_started_at).total_seconds())
        return used

    def prep_left(self, side: Side, pool: int, now: datetime | None = None) -> float:
        """Seconds left in `side`'s pool of `pool` seconds."""
        return max(0.0, pool - self.prep_used(side, now))

    def speakers(self, side: Side) -> list[Seat]:
        return [s for s in self.seats if s.role == side.value]

    def stance(self, side: Side) -> str:
        """`Realist, for the motion`: a side with the way it argues in this round."""
        return f"{side.label}, {side.stance(self.proposition)}"

    def role_of(self, user_id: int) -> str | None:
        return next((s.role for s in self.seats if s.user_id == user_id), None)

    def name_of(self, user_id: int | None) -> str:
        return next((s.name for s in self.seats if s.user_id == user_id), "nobody")

    @property
    def current_turn(self) -> TurnView | None:
        if self.current is None:
            return None
        return next((t for t in self.turns if t.position == self.current), None)

    @property
    def is_over(self) -> bool:
        return self.status in (RoundStatus.DECIDED, RoundStatus.ENDED)


class NoticeKind(StrEnum):
    """What a notice tells the thread. A turn that ends early ends for its reason (yield,
    skip, removed), which is also recorded on the turn."""

    STARTED = "started"
    TURN = "turn"
    WARNING = "warning"
    VOTING = "voting"
    DECIDED = "decided"
    ENDED = "ended"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"
    YIELD = "yield"
    SKIP = "skip"
    REMOVED = "removed"
    NO_SPEAKER = "no-speaker"
    # Points of information: one shown to the speaker (with Accept and Decline), the
    # shown one's count of others waiting changed, accepted, declined, its time over, and
    # those still waiting lapsed.
    POINT = "point"
    POINT_QUEUE = "point-queue"
    POINT_ACCEPTED = "point-accepted"
    POINT_DECLINED = "point-declined"
    POINT_OVER = "point-over"
    POINTS_LAPSED = "points-lapsed"
    # Preparation: taken (the turn's clock stands still), and over (the speech runs).
    PREP = "prep"
    PREP_OVER = "prep-over"


@dataclass(frozen=True)
class PointView:
    """A point of information as a notice shows it: who offered it, how many others wait
    behind it, and the message that shows it to the speaker (once posted)."""

    id: int
    user_id: int
    waiting: int = 0
    message_id: int | None = None


@dataclass(frozen=True)
class Notice:
    """Something the thread must be told."""

    kind: NoticeKind
    round_id: int
    turn_id: int | None = None
    text: str = ""
    # Announced again after a crash: it may have gone out already (see MootBot.post).
    recovering: bool = False
    # The point of information a point notice is about.
    point: PointView | None = None


@dataclass
class RoundUpdate:
    """A change's result: the round as it now is, and what to announce."""

    round: RoundView
    notices: list[Notice] = field(default_factory=list)


def turn_view(row: Any) -> TurnView:
    """A turn from its ORM object or a plain row of its table."""
    return TurnView(
        id=row.id,
        position=row.position,
        kind=row.kind,
        side=Side(row.side) if row.side else None,
        role=row.role,
        seconds=row.seconds,
        warnings=tuple(int(w) for w in row.warnings.split(",") if w),
        warnings_sent=row.warnings_sent,
        speaker_id=row.speaker_id,
        answerer_id=row.answerer_id,
        status=TurnStatus(row.status),
        started_at=row.started_at,
        ends_at=row.ends_at,
        remaining=row.remaining,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        announce_message_id=row.announce_message_id,
    )
