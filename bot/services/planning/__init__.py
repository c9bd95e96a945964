"""Rounds planned ahead: one-off or repeating schedules, their occurrences, sign-ups,
reminders and the start.

The database is the source of truth. A schedule keeps only its next occurrence (a
`PlannedRound`); the next one is added when the current one starts, is skipped or is
cancelled. Each occurrence carries `due_at`, the next instant the timers must act on it.
Every reminder and every start is claimed with a conditional UPDATE before anything is
sent, so a restart or a second process never acts twice.

The package: `read_models` (PlannedView and the reads), `plans` (schedules, skipping,
cancelling, moving), `signups`, `reminders`, `roll_call` (the start) and `publishing`
(what went out on Discord). Everything is importable from here.
"""

from bot.services.planning.plans import (
    MAX_COUNT,
    WHEN_SHORT,
    Moved,
    cancel,
    plan,
    reschedule,
    skip,
)
from bot.services.planning.publishing import forget_event, needing_discord, record_discord
from bot.services.planning.read_models import (
    ABSENT,
    PlannedView,
    SignedUp,
    due_planned,
    get_planned,
    load_planned,
    upcoming,
)
from bot.services.planning.reminders import (
    DECIDE_AHEAD,
    DEFAULT_REMINDERS,
    LONGEST_REMINDER,
    MAX_REMINDERS,
    Reminder,
    parse_reminders,
    remind,
    reminders_text,
)
from bot.services.planning.roll_call import POSTPONE_LIMIT, Begun, abandon, begin, finish
from bot.services.planning.signups import CHOICE_LABELS, CHOICES, sign_up

__all__ = [
    "ABSENT",
    "CHOICES",
    "CHOICE_LABELS",
    "DECIDE_AHEAD",
    "DEFAULT_REMINDERS",
    "LONGEST_REMINDER",
    "MAX_COUNT",
    "MAX_REMINDERS",
    "POSTPONE_LIMIT",
    "WHEN_SHORT",
    "Begun",
    "Moved",
    "PlannedView",
    "Reminder",
    "SignedUp",
    "abandon",
    "begin",
    "cancel",
    "due_planned",
    "finish",
    "forget_event",
    "get_planned",
    "load_planned",
    "needing_discord",
    "parse_reminders",
    "plan",
    "record_discord",
    "remind",
    "reminders_text",
    "reschedule",
    "sign_up",
    "skip",
    "upcoming",
]
