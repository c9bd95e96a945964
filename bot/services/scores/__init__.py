"""Scores: members' records and ratings, side standings, seasons and adjustments.

Ratings come from `openskill` (Plackett-Luce, team-aware: a round's speakers on a side are
one team) and are shown as the conservative ordinal (mu - 3 sigma). Two tracks run side by
side: the current season's (restarting each season) and all time. Everything in
MemberScore and ScoreChange is derived from the decided rounds: `record_round` adds one
round as it is decided, and `rebuild` replays them all and must give the same numbers.
Moderators' adjustments are source data, added to the rating shown, and kept by a rebuild.

The package: `calendar` (seasons), `ratings` (recording and rebuilding), `standings` (members),
`sides` (how each side has fared) and `moderators` (adjustments, a new season).
Everything is importable from here.
"""

from bot.services.scores.calendar import BEGINNING, current_season, season_at, seasons
from bot.services.scores.moderators import ADJUST_LIMIT, adjust, archived, new_season
from bot.services.scores.ratings import MODEL, ordinal, rebuild, record_round
from bot.services.scores.sides import (
    LOPSIDED_SHARE,
    MIN_ROUNDS,
    Balance,
    SideStandings,
    side_standings,
)
from bot.services.scores.standings import (
    PAGE,
    PERIODS,
    RANKINGS,
    MemberStats,
    Standing,
    leaderboard,
    member_stats,
)

__all__ = [
    "ADJUST_LIMIT",
    "BEGINNING",
    "LOPSIDED_SHARE",
    "MIN_ROUNDS",
    "MODEL",
    "PAGE",
    "PERIODS",
    "RANKINGS",
    "Balance",
    "MemberStats",
    "SideStandings",
    "Standing",
    "adjust",
    "archived",
    "current_season",
    "leaderboard",
    "member_stats",
    "new_season",
    "ordinal",
    "rebuild",
    "record_round",
    "season_at",
    "seasons",
    "side_standings",
]
