"""The floor's plan: from who is in a venue and where the round stands to the changes that
bring the venue into line (differences only), and from the records to what undoes them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain import RoundStatus, TurnStatus
from bot.services.floor import (
    MUTE,
    STAGE,
    SUPPRESS,
    VOICE,
    Change,
    Present,
    Recorded,
    floor_changes,
    undo,
)
from bot.services.rounds.read_models import RoundView, Seat
from tests.unit.test_floor_holders import turn, view

ALICE, BOB, CAROL, DAVE, MOD, JUDGE = 1, 2, 3, 4, 5, 6
SEATS = [
    Seat(ALICE, "realist", "Alice"),
    Seat(BOB, "values", "Bob"),
    Seat(CAROL, "audience", "Carol"),
    Seat(JUDGE, "judge", "Judy"),
]


def running(speaker: int = ALICE, answerer: int | None = None, **kw: Any) -> RoundView:
    kind = "cross-examination" if answerer else "speech"
    return replace(view(turn(1, kind, speaker, answerer)), seats=SEATS, **kw)


def on_stage(
    *speaking: int, audience: tuple[int, ...] = (), exempt: tuple[int, ...] = ()
) -> list[Present]:
    members = [Present(u, suppress=False, mute=False, exempt=u in exempt) for u in speaking]
    members += [Present(u, suppress=True, mute=False, exempt=u in exempt) for u in audience]
    return members


def test_on_a_stage_the_speaker_comes_up_and_every_other_speaker_goes_down() -> None:
    present = on_stage(BOB, CAROL, MOD, audience=(ALICE, DAVE), exempt=(MOD,))
    changes = floor_changes(STAGE, running(ALICE), present)
    assert sorted(changes, key=lambda c: c.user_id) == [
        Change(ALICE, SUPPRESS, False),
        Change(BOB, SUPPRESS, True),
        Change(CAROL, SUPPRESS, True),
    ]


def test_only_differences_are_changes() -> None:
    present = on_stage(ALICE, audience=(BOB, CAROL, DAVE))
    assert floor_changes(STAGE, running(ALICE), present) == []


def test_moderators_and_the_bot_are_never_moved_even_holding_the_floor() -> None:
    present = on_stage(MOD, audience=(ALICE,), exempt=(MOD, ALICE))
    assert floor_changes(STAGE, running(ALICE), present) == []


def test_both_hold_the_floor_in_cross_examination() -> None:
    present = on_stage(audience=(ALICE, BOB))
    assert {c.user_id for c in floor_changes(STAGE, running(ALICE, BOB), present)} == {
        ALICE,
        BOB,
    }


def test_nothing_moves_in_the_lobby_and_nobody_holds_the_floor_while_paused() -> None:
    present = on_stage(ALICE, BOB)
    assert floor_changes(STAGE, running(status=RoundStatus.LOBBY), present) == []
    paused = replace(running(), turns=[turn(1, speaker=ALICE, status=TurnStatus.PAUSED)])
    assert floor_changes(STAGE, paused, present) == [
        Change(ALICE, SUPPRESS, True),
        Change(BOB, SUPPRESS, True),
    ]
    assert floor_changes(STAGE, running(status=RoundStatus.ENDED), present) == []


def voice(*members: tuple[int, bool]) -> list[Present]:
    return [Present(u, suppress=False, mute=m) for u, m in members]


def test_in_a_voice_channel_only_debaters_are_muted_unless_they_speak() -> None:
    present = voice((ALICE, True), (BOB, False), (CAROL, False), (DAVE, False), (JUDGE, False))
    assert floor_changes(VOICE, running(ALICE), present) == [
        Change(ALICE, MUTE, False),
        Change(BOB, MUTE, True),
    ]


def test_a_silent_audience_is_muted_too_but_never_the_judges() -> None:
    present = voice((ALICE, False), (CAROL, False), (DAVE, False), (JUDGE, False))
    changes = floor_changes(VOICE, running(ALICE), present, silent_audience=True)
    assert changes == [Change(CAROL, MUTE, True), Change(DAVE, MUTE, True)]


def test_undo_puts_back_what_moot_changed_and_waits_for_who_is_not_connected() -> None:
    records = [
        Recorded(1, 9, ALICE, SUPPRESS, True),  # brought up; still up: put back
        Recorded(2, 9, BOB, SUPPRESS, False),  # moved down; a moderator put him back up
        Recorded(3, 9, CAROL, SUPPRESS, True),  # left the Stage: nothing to undo
        Recorded(4, 9, DAVE, MUTE, False),  # muted, not connected now: owed
    ]
    present = {p.user_id: p for p in on_stage(ALICE, BOB)}
    undoing = undo(records, present)
    assert [c for _, c in undoing.changes] == [Change(ALICE, SUPPRESS, True)]
    assert [r.id for r in undoing.settled] == [2, 3]
    assert [r.id for r in undoing.owed] == [4]
