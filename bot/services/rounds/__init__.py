"""Debate rounds: the lobby, turns that run themselves, moderator controls, votes, ballots.

Everything a round is lives in the database, with absolute times, so a restart loses
nothing. Every change that a timer, a button or a command can race on is a conditional
UPDATE ("end turn 4 if it is still running"): whoever wins it acts, the others find there
is nothing left to do. Functions return Notices: what the cog should post in the thread.

The service is used as one module (`rounds.join`, `rounds.tick`): this package gathers the
names the rest of the bot uses from the modules that hold them.
"""

from bot.services.rounds.clock import clock_text
from bot.services.rounds.controls import (
    end,
    extend,
    pause,
    remove,
    resume,
    skip,
    turn_seen,
    yield_turn,
)
from bot.services.rounds.decision import REASON_MAX, Decision, ballot_template
from bot.services.rounds.finding import round_choices, round_here
from bot.services.rounds.floor import floor_holders
from bot.services.rounds.lobby import (
    MOTION_MAX,
    PACE_RANGE,
    assign_judge,
    attach_thread,
    check_motion,
    check_pace,
    create_round,
    join,
    leave,
    unopened,
)
from bot.services.rounds.points import (
    accepted_points,
    answer_point,
    note_refused_offer,
    offer_point,
    point_posted,
    protected_text,
    takes_points,
)
from bot.services.rounds.prep import PREP_GRACE, end_prep, pools_text, prep_report, take_prep
from bot.services.rounds.read_models import (
    AUDIENCE,
    JUDGE,
    Notice,
    NoticeKind,
    PointView,
    RoundUpdate,
    RoundView,
    Seat,
    TurnView,
)
from bot.services.rounds.rows import EVENTS, ROUNDS, SEATS, TURNS, get_round, load_rounds
from bot.services.rounds.speeches import (
    SPEECH_MAX,
    Posted,
    Ruling,
    backfill_speeches,
    record_out_of_turn,
    record_speech,
    rule_on_message,
    speech_turn,
    under_way,
)
from bot.services.rounds.timers import TimerOutcome, announced, due_rounds, tick, unannounced
from bot.services.rounds.transcript import transcript
from bot.services.rounds.turns import (
    check_startable,
    start,
    start_many,
    voting_seconds,
)
from bot.services.rounds.voting import check_judge, decide, submit_ballot, tally, vote

__all__ = [
    "AUDIENCE",
    "EVENTS",
    "JUDGE",
    "MOTION_MAX",
    "PACE_RANGE",
    "PREP_GRACE",
    "REASON_MAX",
    "ROUNDS",
    "SEATS",
    "SPEECH_MAX",
    "TURNS",
    "Decision",
    "Notice",
    "NoticeKind",
    "PointView",
    "Posted",
    "RoundUpdate",
    "RoundView",
    "Ruling",
    "Seat",
    "TimerOutcome",
    "TurnView",
    "accepted_points",
    "announced",
    "answer_point",
    "assign_judge",
    "attach_thread",
    "backfill_speeches",
    "ballot_template",
    "check_judge",
    "check_motion",
    "check_pace",
    "check_startable",
    "clock_text",
    "create_round",
    "decide",
    "due_rounds",
    "end",
    "end_prep",
    "extend",
    "floor_holders",
    "get_round",
    "join",
    "leave",
    "load_rounds",
    "note_refused_offer",
    "offer_point",
    "pause",
    "point_posted",
    "pools_text",
    "prep_report",
    "protected_text",
    "record_out_of_turn",
    "record_speech",
    "remove",
    "resume",
    "round_choices",
    "round_here",
    "rule_on_message",
    "skip",
    "speech_turn",
    "start",
    "start_many",
    "submit_ballot",
    "take_prep",
    "takes_points",
    "tally",
    "tick",
    "transcript",
    "turn_seen",
    "unannounced",
    "under_way",
    "unopened",
    "vote",
    "voting_seconds",
    "yield_turn",
]
