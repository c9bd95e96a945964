"""Daily excerpts: each server's schedule, fair rotation between the sides, claims, votes.

Every post is claimed in the database before anything is sent: a scheduled post is a row
unique per (server, local date), so two processes, a restart or a retried timer can never
post twice on one day. The timer that fires is only an alarm clock; this package decides.

The service is used as one module (`excerpts.claim_due`, `excerpts.vote`): this package
gathers the names the rest of the bot uses from the modules that hold them.
"""

from bot.services.excerpts.claims import (
    CLAIM_LEASE,
    MAX_FAILURES,
    MAX_SKIPPED_DAYS,
    Claim,
    ClaimedElsewhere,
    Due,
    claim_due,
    claim_now,
    reclaim_interrupted,
    record_failure,
    record_posted,
)
from bot.services.excerpts.overview import SideOutlook, rotation_outlook, status
from bot.services.excerpts.read_models import (
    ExcerptView,
    PostView,
    ScheduleView,
    SideProgress,
    StatusView,
)
from bot.services.excerpts.rotation import excerpt_view, preview
from bot.services.excerpts.schedules import (
    NOT_SET_UP,
    describe_next,
    get_schedule,
    set_status,
    setup_schedule,
    upcoming,
)
from bot.services.excerpts.votes import tally, vote

__all__ = [
    "CLAIM_LEASE",
    "MAX_FAILURES",
    "MAX_SKIPPED_DAYS",
    "NOT_SET_UP",
    "Claim",
    "ClaimedElsewhere",
    "Due",
    "ExcerptView",
    "PostView",
    "ScheduleView",
    "SideOutlook",
    "SideProgress",
    "StatusView",
    "claim_due",
    "claim_now",
    "describe_next",
    "excerpt_view",
    "get_schedule",
    "preview",
    "reclaim_interrupted",
    "record_failure",
    "record_posted",
    "rotation_outlook",
    "set_status",
    "setup_schedule",
    "status",
    "tally",
    "upcoming",
    "vote",
]
