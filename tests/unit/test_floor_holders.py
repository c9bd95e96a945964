"""Who holds a round's floor: the turn's speaker, and in cross-examination the answerer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain import RoundStatus, Side, TurnStatus
from bot.services.rounds.floor import floor_holders
from bot.services.rounds.read_models import RoundView, Seat, TurnView

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def turn(
    position: int,
    kind: str = "speech",
    speaker: int = 1,
    answerer: int | None = None,
    status: TurnStatus = TurnStatus.RUNNING,
) -> TurnView:
    return TurnView(
        id=position,
        position=position,
        kind=kind,
        side=Side.REALIST,
        role="Opening",
        seconds=60,
        warnings=(),
        warnings_sent=0,
        speaker_id=speaker,
        answerer_id=answerer,
        status=status,
        started_at=NOW,
        ends_at=NOW,
        remaining=None,
        ended_at=None,
        end_reason=None,
        announce_message_id=None,
    )


def view(
    *turns: TurnView, current: int | None = 1, status: RoundStatus = RoundStatus.RUNNING
) -> RoundView:
    return RoundView(
        id=1,
        guild_id=1,
        channel_id=1,
        thread_id=1,
        lobby_message_id=1,
        motion="m",
        format_key="realist-vs-values",
        pace=1.0,
        essay_slug=None,
        proposition=Side.REALIST,
        status=status,
        current=current,
        due_at=None,
        voting_ends_at=None,
        voting_message_id=None,
        winner=None,
        result=None,
        result_message_id=None,
        created_by=1,
        started_at=NOW,
        seats=[],
        turns=list(turns),
    )


def test_the_speaker_holds_the_floor_and_the_answerer_in_cross_examination() -> None:
    assert floor_holders(view(turn(1, speaker=7))) == {7}
    assert floor_holders(view(turn(1, "cross-examination", 7, 8))) == {7, 8}


def test_nobody_holds_the_floor_unless_a_turn_runs() -> None:
    running = turn(1, speaker=7)
    for status in (
        RoundStatus.LOBBY,
        RoundStatus.PAUSED,
        RoundStatus.VOTING,
        RoundStatus.DECIDED,
        RoundStatus.ENDED,
    ):
        assert floor_holders(view(running, status=status)) == frozenset()
    assert floor_holders(view(replace(running, status=TurnStatus.PAUSED))) == frozenset()
    assert floor_holders(view(running, current=None)) == frozenset()


def test_an_accepted_point_gives_its_offerer_the_floor_with_the_speaker() -> None:
    speech = turn(1, speaker=7)
    heard = replace(view(speech), point_by=9, point_ends_at=NOW)
    assert floor_holders(heard) == {7, 9}
    # Once it is over, the speaker holds the floor alone again.
    assert floor_holders(replace(heard, point_by=None, point_ends_at=None)) == {7}
    # Paused: nobody, point or not.
    assert floor_holders(replace(heard, status=RoundStatus.PAUSED)) == frozenset()


def test_nobody_holds_the_floor_during_prep() -> None:
    # Prep stops the speech's clock (the turn is paused) while the round runs.
    stopped = replace(turn(1, speaker=7), status=TurnStatus.PAUSED, ends_at=None, remaining=60.0)
    prepping = replace(view(stopped), prep_side=Side.REALIST, prep_by=7, prep_ends_at=NOW)
    assert floor_holders(prepping) == frozenset()
    # Even a view caught between the two writes gives the floor to nobody during prep.
    assert floor_holders(replace(view(turn(1, speaker=7)), prep_side=Side.REALIST)) == frozenset()


def test_a_grand_crossfire_gives_every_speaker_the_floor() -> None:
    grand = replace(turn(1, "cross-examination", speaker=0), side=None, speaker_id=None)
    seats = [
        Seat(7, "realist", "Alice"),
        Seat(8, "realist", "Carol"),
        Seat(9, "values", "Bob"),
        Seat(10, "values", "Dave"),
        Seat(11, "audience", "Eve"),
        Seat(12, "judge", "Judy"),
    ]
    assert floor_holders(replace(view(grand), seats=seats)) == {7, 8, 9, 10}
