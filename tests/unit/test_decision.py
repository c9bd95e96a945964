"""How a round is decided: a judge's ballot read from the form, and each format's rule
(audience, swing, judges) with its ties, applied to votes and ballots."""

from __future__ import annotations

import pytest

from bot.domain import RoundStatus, Side, Tally
from bot.errors import MootError
from bot.formats import Decision as Rule
from bot.services.rounds.decision import (
    REASON_MAX,
    BallotEntry,
    BallotView,
    ballot_template,
    points_of,
    points_text,
    reach_decision,
    read_ballot,
    realist_share,
    speaker_averages,
    winner_of,
)
from bot.services.rounds.read_models import AUDIENCE, JUDGE, RoundView, Seat

ALICE, BOB, CAROL, DAVE = (
    Seat(11, Side.REALIST.value, "Alice"),
    Seat(12, Side.VALUES.value, "Bob"),
    Seat(13, Side.REALIST.value, "Carol"),
    Seat(14, Side.VALUES.value, "Dave"),
)
NAMES = {11: "Alice", 12: "Bob", 13: "Carol", 14: "Dave"}
NO_VOTES = Tally(0, 0)


def names(user: int) -> str:
    return NAMES.get(user, "nobody")


def a_round(*seats: Seat) -> RoundView:
    return RoundView(
        id=1,
        guild_id=2,
        channel_id=3,
        thread_id=4,
        lobby_message_id=5,
        motion="This house would rather be feared than loved",
        format_key="lincoln-douglas",
        pace=1.0,
        essay_slug=None,
        proposition=Side.REALIST,
        status=RoundStatus.VOTING,
        current=None,
        due_at=None,
        voting_ends_at=None,
        voting_message_id=None,
        winner=None,
        result=None,
        result_message_id=None,
        created_by=9,
        started_at=None,
        seats=list(seats),
        turns=[],
    )


def ballot(winner: Side, points: dict[int, float], judge: str = "Judy") -> BallotView:
    return BallotView(judge, winner.value, points, f"{judge} found {winner.label} clearer.")


# --- reading a ballot -------------------------------------------------------------------


def read(winner: str, points: str, reason: str = "Clearer framework.") -> BallotEntry:
    return read_ballot(
        winner, points, reason, speakers=[ALICE, CAROL, BOB, DAVE], points_range=(25, 30)
    )


def test_the_filled_in_template_is_read_back() -> None:
    view = a_round(ALICE, Seat(20, AUDIENCE, "Eve"), BOB, CAROL, Seat(21, JUDGE, "Judy"), DAVE)
    template = ballot_template(view)
    # Realist speakers first, each in joining order; the audience and judges are not scored.
    assert template.splitlines() == [
        "Alice (Realist): ",
        "Carol (Realist): ",
        "Bob (Values): ",
        "Dave (Values): ",
    ]
    points = ["27", "26.5", "29", "25"]
    filled = "\n".join(line + p for line, p in zip(template.splitlines(), points, strict=True))
    entry = read(" Values ", filled, "  Clearer framework.  ")
    assert entry == BallotEntry("values", {11: 27, 13: 26.5, 12: 29, 14: 25}, "Clearer framework.")


def test_names_are_read_in_any_case_with_colon_or_equals_and_blank_lines_skipped() -> None:
    entry = read("REALIST", "\n  alice = 30\n\nCAROL:25\nbob (values) : 28\n  Dave: 27.25  \n")
    assert entry.winner == "realist"
    assert entry.points == {11: 30, 13: 25, 12: 28, 14: 27.25}


def test_a_malformed_ballot_is_refused_with_every_problem_in_order() -> None:
    with pytest.raises(MootError) as refused:
        read(
            "draw",
            "Alice: 27\nCarol twenty-six\nMallory: 28\nBob: 31\nDave: 24.5",
            "   ",
        )
    assert str(refused.value) == "\n".join(
        [
            "Ballot not recorded:",
            "• Winner must be Realist or Values, not “draw”.",
            "• Line 2 (“Carol twenty-six”): write “name: points” for a speaker.",
            "• Line 3 (“Mallory: 28”): write “name: points” for a speaker.",
            "• Bob: 31 is outside 25-30.",
            "• Dave: 24.5 is outside 25-30.",
            "• Points missing for Carol, Bob, Dave.",
            "• Give a reason for your decision.",
        ]
    )


def test_points_on_the_bounds_are_taken_and_a_long_reason_is_refused() -> None:
    assert read("values", "Alice: 25\nCarol: 30\nBob: 25.0\nDave: 30").points[13] == 30
    with pytest.raises(MootError, match=f"keep it to {REASON_MAX}"):
        read("values", "Alice: 25\nCarol: 30\nBob: 25\nDave: 30", "x" * (REASON_MAX + 1))


def test_stored_points_read_back_as_given() -> None:
    given = {11: 27.0, 12: 28.5}
    assert points_of(points_text(given)) == given
    assert points_of('{"11": 27, "12": 28.5}') == given


# --- the pieces of the rule -------------------------------------------------------------


def test_more_wins_and_level_is_a_draw() -> None:
    assert winner_of(3, 2) == "realist"
    assert winner_of(2, 3) == "values"
    assert winner_of(2, 2) == "draw"
    assert winner_of(0.5, 0.0) == "realist"
    assert winner_of(-0.5, 0.0) == "values"


def test_the_realist_share_is_half_when_nobody_voted() -> None:
    assert realist_share(NO_VOTES) == 50.0
    assert realist_share(Tally(3, 1)) == 75.0
    assert realist_share(Tally(0, 4)) == 0.0


def test_speaker_points_are_averaged_over_the_ballots_that_score_them() -> None:
    ballots = [
        ballot(Side.VALUES, {11: 27, 12: 29}),
        ballot(Side.VALUES, {11: 28, 12: 28, 13: 27.5}),
    ]
    # Alice (27 and 28) and Carol (27.5 on the one ballot that scores her) are level:
    # Alice was named first.
    assert speaker_averages(ballots) == [(12, 28.5), (11, 27.5), (13, 27.5)]
    assert speaker_averages([ballot(Side.REALIST, {11: 25, 12: 30})]) == [(12, 30), (11, 25)]
    assert speaker_averages([]) == []


# --- the rule ---------------------------------------------------------------------------


def test_the_audience_decides_by_the_votes_after() -> None:
    decision = reach_decision(
        rule="audience",
        tie="draw",
        pre=Tally(9, 0),
        post=Tally(2, 5),
        ballots=[],
        name_of=names,
    )
    assert decision.winner == "values"
    assert (
        decision.summary
        == "Audience: Realist 2 · Values 5\nWinner: **Values** (against the motion), by 3 votes"
    )


def test_a_level_audience_is_a_draw_unless_the_format_lets_ballots_break_it() -> None:
    level, ballots = Tally(4, 4), [ballot(Side.REALIST, {11: 27, 12: 26})]
    drawn = reach_decision(
        rule="audience", tie="draw", pre=NO_VOTES, post=level, ballots=ballots, name_of=names
    )
    assert drawn.winner == "draw"
    assert drawn.summary.splitlines()[1] == "Result: a draw"
    broken = reach_decision(
        rule="audience", tie="ballots", pre=NO_VOTES, post=level, ballots=ballots, name_of=names
    )
    assert broken.winner == "realist"
    assert (
        broken.summary.splitlines()[1]
        == "Winner: **Realist** (for the motion), by the ballots, breaking a tie"
    )
    unbroken = reach_decision(
        rule="audience", tie="ballots", pre=NO_VOTES, post=level, ballots=[], name_of=names
    )
    assert unbroken.winner == "draw"


def test_a_swing_wins_for_the_side_the_audience_moved_towards() -> None:
    # Values keep the majority after the debate, but Realist gained 20 points of share.
    decision = reach_decision(
        rule="swing", tie="draw", pre=Tally(2, 8), post=Tally(4, 6), ballots=[], name_of=names
    )
    assert decision.winner == "realist"
    assert decision.summary.splitlines() == [
        "Before: Realist 2 · Values 8",
        "Audience: Realist 4 · Values 6",
        "Realist share 20% → 40% (+20 points)",
        "Winner: **Realist** (for the motion), by a swing of 20 points",
    ]
    lost = reach_decision(
        rule="swing", tie="draw", pre=Tally(3, 1), post=Tally(6, 4), ballots=[], name_of=names
    )
    assert lost.winner == "values"
    assert lost.summary.splitlines()[2:] == [
        "Realist share 75% → 60% (-15 points)",
        "Winner: **Values** (against the motion), by a swing of 15 points",
    ]


def test_no_swing_is_a_draw_that_ballots_may_break() -> None:
    # 1-1 before and 3-3 after: both 50%, as with nobody voting before.
    for pre in (Tally(1, 1), NO_VOTES):
        still = reach_decision(
            rule="swing", tie="draw", pre=pre, post=Tally(3, 3), ballots=[], name_of=names
        )
        assert still.winner == "draw"
        assert "(+0 points)" in still.summary and still.summary.endswith("Result: a draw")
    broken = reach_decision(
        rule="swing",
        tie="ballots",
        pre=Tally(1, 1),
        post=Tally(3, 3),
        ballots=[ballot(Side.VALUES, {11: 26, 12: 28})],
        name_of=names,
    )
    assert broken.winner == "values"


def test_judges_decide_by_ballots_whatever_the_audience_says() -> None:
    ballots = [
        ballot(Side.VALUES, {11: 27, 12: 29}, "Judy"),
        ballot(Side.REALIST, {11: 28, 12: 27}, "Kim"),
        ballot(Side.VALUES, {11: 26, 12: 28}, "Lee"),
    ]
    decision = reach_decision(
        rule="judges", tie="draw", pre=NO_VOTES, post=Tally(7, 0), ballots=ballots, name_of=names
    )
    assert decision.winner == "values"
    assert decision.summary.splitlines() == [
        "Audience: Realist 7 · Values 0",
        "Ballots: Realist 1 · Values 2",
        "Winner: **Values** (against the motion), by 2-1 on ballots",
        "Speaker points: Bob 28, Alice 27",
        "Judy (Values): Judy found Values clearer.",
        "Kim (Realist): Kim found Realist clearer.",
        "Lee (Values): Lee found Values clearer.",
    ]


def test_judges_split_evenly_is_a_draw_and_without_ballots_the_audience_decides() -> None:
    split = reach_decision(
        rule="judges",
        tie="ballots",
        pre=NO_VOTES,
        post=Tally(5, 1),
        ballots=[ballot(Side.VALUES, {11: 27, 12: 28}), ballot(Side.REALIST, {11: 28, 12: 27})],
        name_of=names,
    )
    assert split.winner == "draw"
    assert "Speaker points: Alice 27.5, Bob 27.5" in split.summary
    unjudged = reach_decision(
        rule="judges", tie="draw", pre=NO_VOTES, post=Tally(1, 2), ballots=[], name_of=names
    )
    assert unjudged.winner == "values"
    assert unjudged.summary.splitlines() == [
        "Audience: Realist 1 · Values 2",
        "No ballot was submitted, so the audience vote decided.",
        "Winner: **Values** (against the motion), by 1 vote",
    ]


def test_a_speaker_no_longer_seated_is_still_averaged() -> None:
    decision = reach_decision(
        rule="judges",
        tie="draw",
        pre=NO_VOTES,
        post=NO_VOTES,
        ballots=[ballot(Side.REALIST, {99: 26.25, 11: 26})],
        name_of=names,
    )
    assert "Speaker points: nobody 26.25, Alice 26" in decision.summary


@pytest.mark.parametrize("rule", ["audience", "swing", "judges"])
def test_nobody_voting_and_no_ballot_is_no_decision_not_a_draw(rule: Rule) -> None:
    # Even with votes before an Oxford debate, nobody said who won it.
    decision = reach_decision(
        rule=rule, tie="ballots", pre=Tally(3, 1), post=NO_VOTES, ballots=[], name_of=names
    )
    assert decision.winner is None
    assert decision.summary.startswith("No decision: nobody voted after the debate")
    assert "draw" not in decision.summary.replace("not a draw", "")
    # One ballot is enough to decide, whatever the audience did.
    judged = reach_decision(
        rule=rule,
        tie="ballots",
        pre=NO_VOTES,
        post=NO_VOTES,
        ballots=[ballot(Side.VALUES, {11: 27, 12: 28})],
        name_of=names,
    )
    assert judged.winner == "values"


def test_the_result_says_which_way_the_winner_argued_the_motion() -> None:
    # Values proposed: a Realist win is a win against the motion.
    decision = reach_decision(
        rule="audience",
        tie="draw",
        pre=NO_VOTES,
        post=Tally(3, 1),
        ballots=[],
        name_of=names,
        proposition=Side.VALUES,
    )
    assert decision.summary.splitlines()[-1] == (
        "Winner: **Realist** (against the motion), by 2 votes"
    )
