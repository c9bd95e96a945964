"""What moot must change in a venue to bring it into line with a round, and what it must
undo at the end: pure functions from what the venue looks like to a list of changes.

Who may speak is `floor_holders(view)`'s to say, nobody else's. On a Stage, the holders are
brought up to speak and everyone else speaking is moved to the audience; in a voice
channel, the round's debaters (and, when the format keeps its audience silent, everyone
else but the judges) are server-muted unless they hold the floor. Moderators and the bot
are never moved. Only differences are changes: a member already right is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain import RoundStatus, Side
from bot.services.rounds.floor import floor_holders
from bot.services.rounds.read_models import JUDGE, RoundView

STAGE, VOICE = "stage", "voice"
SUPPRESS, MUTE = "suppress", "mute"
DEBATERS = frozenset(side.value for side in Side)


@dataclass(frozen=True)
class Present:
    """A member in the venue as Discord last said: on a Stage `suppress` (in the
    audience), in any voice channel `mute` (server mute). `exempt`: a moderator or the bot,
    whom moot never moves."""

    user_id: int
    suppress: bool
    mute: bool
    exempt: bool = False

    def state(self, what: str) -> bool:
        return self.suppress if what == SUPPRESS else self.mute


@dataclass(frozen=True)
class Change:
    """Set `what` (suppress or mute) of a member to `value`."""

    user_id: int
    what: str
    value: bool


@dataclass(frozen=True)
class Recorded:
    """A change moot made in a round, as recorded: the member's state before it."""

    id: int
    round_id: int
    user_id: int
    what: str
    before: bool


def attribute(kind: str) -> str:
    """What moot changes in a venue of `kind`: suppress on a Stage, mute in a voice channel."""
    return SUPPRESS if kind == STAGE else MUTE


def wanted(
    kind: str, view: RoundView, user_id: int, *, silent_audience: bool = False
) -> bool | None:
    """The state (suppress or mute) a member not exempt must have in the venue now, or
    None if moot leaves them as they are."""
    if view.status is RoundStatus.LOBBY or view.is_over:
        return None
    holds = user_id in floor_holders(view)
    if kind == STAGE:
        return not holds
    role = view.role_of(user_id)
    if role in DEBATERS or (silent_audience and role != JUDGE):
        return not holds
    return None


def floor_changes(
    kind: str, view: RoundView, present: Iterable[Present], *, silent_audience: bool = False
) -> list[Change]:
    """The changes that bring the members present in the venue into line with the round:
    the differences only. On a Stage only speakers are moved to the audience (an audience
    member stays where they are)."""
    what = attribute(kind)
    changes = []
    for member in present:
        if member.exempt:
            continue
        value = wanted(kind, view, member.user_id, silent_audience=silent_audience)
        if value is None or member.state(what) == value:
            continue
        changes.append(Change(member.user_id, what, value))
    return changes


@dataclass(frozen=True)
class Undoing:
    """What ending a round's hold on its venue takes: changes that put members back as the
    round found them (each settles its record once made), records with nothing left to
    undo, and records that must wait for the member to come back to voice."""

    changes: list[tuple[Recorded, Change]]
    settled: list[Recorded]
    owed: list[Recorded]


def undo(records: Iterable[Recorded], present: Mapping[int, Present]) -> Undoing:
    """Put back what moot changed. `present`: the members connected to the venue (for a
    Stage) or to any voice channel of the server (server mute holds in every channel).
    A member who left a Stage was put back in its audience by Discord: nothing to undo. A
    member server-muted but no longer connected cannot be unmuted (Discord refuses): owed
    until they connect again."""
    changes: list[tuple[Recorded, Change]] = []
    settled: list[Recorded] = []
    owed: list[Recorded] = []
    for record in records:
        member = present.get(record.user_id)
        if member is None:
            (owed if record.what == MUTE else settled).append(record)
        elif member.state(record.what) != record.before:
            changes.append((record, Change(record.user_id, record.what, record.before)))
        else:
            settled.append(record)
    return Undoing(changes, settled, owed)
