"""Who may speak in a round's voice venue at this moment: the one rule the floor follows.

The venue code (Stage or voice channel) asks `floor_holders` after every change of a round
and brings the channel into line; it never decides on its own who speaks. The thread
follows the same rule: what a floor holder posts during a turn is part of its record.
"""

from __future__ import annotations

from bot.domain import RoundStatus, Side, TurnStatus
from bot.services.rounds.read_models import RoundView


def floor_holders(view: RoundView) -> frozenset[int]:
    """The members who hold the floor now: the speaker of the turn under way; in a
    cross-examination, the member answering too (in a grand crossfire, every speaker of
    both sides); while an accepted point of information is heard, the member who offered
    it, with the speaker. Nobody while the round is not running (in the lobby, paused,
    voting or over), and nobody during preparation."""
    if view.status is not RoundStatus.RUNNING or view.current is None:
        return frozenset()
    if view.prep_side is not None:
        return frozenset()
    turn = next((t for t in view.turns if t.position == view.current), None)
    if turn is None or turn.status is not TurnStatus.RUNNING:
        return frozenset()
    if turn.kind == "cross-examination" and turn.side is None:
        return frozenset(s.user_id for s in view.seats if s.role in (Side.REALIST, Side.VALUES))
    holders = {u for u in (turn.speaker_id, turn.answerer_id) if u is not None}
    if view.point_by is not None and turn.kind == "speech":
        holders.add(view.point_by)
    return frozenset(holders)
