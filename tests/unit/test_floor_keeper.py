"""What the floor keeper believes of a member between its change and Discord's report of
it: an older report does not undo moot's newer change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bot.actions.floor.keeper import EXPECTED_FOR, FloorKeeper
from bot.services.floor import MUTE, SUPPRESS

T0 = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
GUILD, ALICE = 1, 7


def keeper_at(moment: list[datetime]) -> FloorKeeper:
    bot: Any = SimpleNamespace(clock=SimpleNamespace(now=lambda: moment[0]), track=lambda _: None)
    return FloorKeeper(bot)


def report(suppress: bool, mute: bool = False) -> Any:
    return SimpleNamespace(suppress=suppress, mute=mute)


def test_an_older_report_leaves_moots_newer_change_standing() -> None:
    moment = [T0]
    keeper = keeper_at(moment)
    # moot moved Alice to the audience, then brought her up again before Discord's report
    # of the first change arrived.
    keeper.expected[(GUILD, ALICE)] = {SUPPRESS: (False, T0)}
    keeper.confirmed(GUILD, ALICE, report(suppress=True))  # the first change's report
    assert keeper.expected[(GUILD, ALICE)] == {SUPPRESS: (False, T0)}
    keeper.confirmed(GUILD, ALICE, report(suppress=False))  # the second's
    assert (GUILD, ALICE) not in keeper.expected


def test_a_report_long_after_is_discords_word() -> None:
    moment = [T0]
    keeper = keeper_at(moment)
    keeper.expected[(GUILD, ALICE)] = {SUPPRESS: (False, T0), MUTE: (True, T0)}
    moment[0] = T0 + EXPECTED_FOR + timedelta(seconds=1)
    # A moderator's hand, seconds later: taken as it is.
    keeper.confirmed(GUILD, ALICE, report(suppress=True, mute=False))
    assert (GUILD, ALICE) not in keeper.expected
