"""SQLModel tables, one module per feature. Created and changed only through the Alembic
migrations: importing this package registers every table on SQLModel.metadata, which is
what migrations/env.py compares the schema against.

Every table is re-exported here, so `from bot.models import Round` works whichever module
holds it. The plain domain types the tables use (Side, the statuses) live in bot.domain.
"""

from __future__ import annotations

from bot.models.budget import RequestPace
from bot.models.columns import utcnow
from bot.models.config import CommandSync, GuildConfig
from bot.models.corpus import Essay, Excerpt, Passage, PendingEssay, Sentence
from bot.models.excerpts import ExcerptPost, ExcerptSchedule, ExcerptVote
from bot.models.floor import FloorChange, RoundVenue
from bot.models.planning import PlannedRound, PlannedSeries, Signup
from bot.models.points import RoundPoint
from bot.models.quotes import MemberQuote, QuoteSearch
from bot.models.rounds import Ballot, Participant, Round, RoundEvent, RoundVote, Speech, Turn
from bot.models.scores import ALL_TIME, MemberScore, ScoreAdjustment, ScoreChange, Season

__all__ = [
    "ALL_TIME",
    "Ballot",
    "CommandSync",
    "Essay",
    "Excerpt",
    "ExcerptPost",
    "ExcerptSchedule",
    "ExcerptVote",
    "FloorChange",
    "GuildConfig",
    "MemberQuote",
    "MemberScore",
    "Participant",
    "Passage",
    "PendingEssay",
    "PlannedRound",
    "PlannedSeries",
    "QuoteSearch",
    "RequestPace",
    "Round",
    "RoundEvent",
    "RoundPoint",
    "RoundVenue",
    "RoundVote",
    "ScoreAdjustment",
    "ScoreChange",
    "Season",
    "Sentence",
    "Signup",
    "Speech",
    "Turn",
    "utcnow",
]
