"""Who may speak in a round's voice venue at this moment: the one rule the floor follows.

The venue code (Stage or voice channel) asks `floor_holders` after every change of a round
and brings the channel into line; it never decides on its own who speaks.
"""

from __future__ import annotations

from bot.domain import RoundStatus, TurnStatus
from bot.services.rounds.read_models import RoundView


def floor_holders(view: RoundView) -> frozenset[int]:
    """The members who hold the floor now: the speaker of the turn under way and, in a
    cross-examination, the member answering. Nobody while the round is not running (in
    the lobby, paused, voting or over)."""
    if view.status is not RoundStatus.RUNNING or view.current is None:
        return frozenset()
    turn = next((t for t in view.turns if t.position == view.current), None)
    if turn is None or turn.status is not TurnStatus.RUNNING:
        return frozenset()
    return frozenset(u for u in (turn.speaker_id, turn.answerer_id) if u is not None)
