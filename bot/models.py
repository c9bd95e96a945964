"""SQLModel tables. Created and changed only through the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

# The plain domain types are re-exported until their importers move to bot.domain.
from bot.domain import (
    PlannedStatus,
    PostStatus,
    Rotation,
    RoundStatus,
    ScheduleStatus,
    Side,
    Tally,
    TurnStatus,
)

__all__ = [
    "ALL_TIME",
    "Ballot",
    "CommandSync",
    "Essay",
    "Excerpt",
    "ExcerptPost",
    "ExcerptSchedule",
    "ExcerptVote",
    "GuildConfig",
    "MemberQuote",
    "MemberScore",
    "Participant",
    "Passage",
    "PlannedRound",
    "PlannedStatus",
    "PostStatus",
    "QuoteSearch",
    "RequestPace",
    "Rotation",
    "Round",
    "RoundEvent",
    "RoundStatus",
    "RoundVote",
    "Schedule",
    "ScheduleStatus",
    "ScoreAdjustment",
    "ScoreChange",
    "Season",
    "Sentence",
    "Side",
    "Signup",
    "Speech",
    "Tally",
    "Turn",
    "TurnStatus",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Essay(SQLModel, table=True):
    """One essay of the corpus, with its body exactly as the corpus file holds it."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True)
    side: str = Field(max_length=16, index=True)
    title: str = Field(max_length=300)
    # True when `title` is a descriptive label we gave it, not the author's title.
    title_is_label: bool = False
    author: str | None = Field(default=None, max_length=200)
    author_note: str | None = Field(default=None, max_length=500)
    published: str | None = Field(default=None, max_length=32)
    published_note: str | None = Field(default=None, max_length=500)
    source_url: str | None = Field(default=None, max_length=500)
    # False when the text we hold is an excerpt of a longer piece.
    complete: bool = True
    notes: str | None = Field(default=None, sa_type=Text)
    body: str = Field(sa_type=Text)
    content_hash: str = Field(max_length=64)
    # False once the essay's file has left corpus/: kept for history, hidden from search.
    active: bool = Field(default=True, index=True)
    imported_at: datetime = Field(default_factory=utcnow)


class Passage(SQLModel, table=True):
    """A paragraph of an essay: `essay.body[start:end] == text`."""

    __table_args__ = (Index("ix_passage_essay_position", "essay_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False)
    )
    # The essay's side, copied here so full-text search can filter without a join.
    side: str = Field(max_length=16)
    # 1-based paragraph number within the essay.
    position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class Sentence(SQLModel, table=True):
    """A sentence of a passage: `essay.body[start:end] == text`."""

    __table_args__ = (Index("ix_sentence_passage_position", "passage_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    passage_id: int = Field(
        sa_column=Column(ForeignKey("passage.id", ondelete="CASCADE"), nullable=False)
    )
    # The essay's side, copied here so full-text search can filter without a join.
    side: str = Field(max_length=16)
    # 1-based sentence number within its passage.
    position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class GuildConfig(SQLModel, table=True):
    """Per-server settings; features add their own columns here or tables beside it."""

    __tablename__ = "guild_config"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    timezone: str = Field(default="UTC", max_length=64)
    moderator_role_id: int | None = Field(default=None, sa_type=BigInteger)
    debate_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CommandSync(SQLModel, table=True):
    """The fingerprint of the command tree last synced per scope ("global" or a guild id)."""

    __tablename__ = "command_sync"

    scope: str = Field(primary_key=True, max_length=32)
    tree_hash: str = Field(max_length=64)
    synced_at: datetime = Field(default_factory=utcnow)


class MemberQuote(SQLModel, table=True):
    """A member's message saved as a quote in one server."""

    __tablename__ = "member_quote"
    __table_args__ = (UniqueConstraint("guild_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    text: str = Field(sa_type=Text)
    author_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    author_name: str = Field(max_length=100)
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    jump_url: str | None = Field(default=None, max_length=200)
    saved_by_id: int = Field(sa_type=BigInteger)
    said_at: datetime | None = Field(default=None)
    saved_at: datetime = Field(default_factory=utcnow)
    # "m:<message id>" for a saved message, else a hash of author and text: what makes a
    # second save or an imported row a duplicate.
    fingerprint: str = Field(max_length=80)


class QuoteSearch(SQLModel, table=True):
    """A /quote search as asked, so its Previous/Next buttons work after a restart."""

    __tablename__ = "quote_search"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    query: str = Field(max_length=300)
    side: str | None = Field(default=None, max_length=16)
    essay: str | None = Field(default=None, max_length=100)
    scope: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Excerpt(SQLModel, table=True):
    """One to three consecutive paragraphs of an essay, posted whole as a daily excerpt.

    `essay.body[start:end]` is the text; rebuilt by the corpus import, reusing ids by text.
    """

    __table_args__ = (Index("ix_excerpt_side_essay", "side", "essay_id"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(
        sa_column=Column(ForeignKey("essay.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    side: str = Field(max_length=16)
    # 1-based numbers of its first and last paragraph within the essay.
    first_position: int
    last_position: int
    start: int
    end: int
    text: str = Field(sa_type=Text)


class ExcerptSchedule(SQLModel, table=True):
    """A server's daily excerpt: where, when (local time), and how it is going."""

    __tablename__ = "excerpt_schedule"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    channel_id: int = Field(sa_type=BigInteger)
    # Local time of day as minutes after midnight, in `timezone`.
    minute_of_day: int
    timezone: str = Field(max_length=64)
    ping_role_id: int | None = Field(default=None, sa_type=BigInteger)
    thread: bool = False
    rotation: str = Field(default=Rotation.ALTERNATE.value, max_length=16)
    status: str = Field(default=ScheduleStatus.ACTIVE.value, max_length=16, index=True)
    # Occurrences before this instant are never due (set on setup and resume).
    active_since: datetime = Field(default_factory=utcnow)
    next_post_at: datetime | None = Field(default=None, index=True)
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: datetime | None = None
    updated_by: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow)


class ExcerptPost(SQLModel, table=True):
    """One excerpt posted (or claimed, failed, skipped) in a server.

    `day` is the server's local date for scheduled posts and NULL for /excerpt now: the
    unique (guild_id, day) makes a second scheduled post on one day impossible.
    """

    __tablename__ = "excerpt_post"
    __table_args__ = (
        UniqueConstraint("guild_id", "day"),
        Index("ix_excerpt_post_rotation", "guild_id", "side", "cycle"),
        Index("ix_excerpt_post_status", "status", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    day: date | None = None
    excerpt_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("excerpt.id", ondelete="SET NULL"), nullable=True),
    )
    side: str | None = Field(default=None, max_length=16)
    # The rotation round of this side the post belongs to: no excerpt repeats within one.
    cycle: int = 1
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    scheduled_for: datetime | None = None
    claimed_at: datetime = Field(default_factory=utcnow)
    posted_at: datetime | None = None
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    thread_id: int | None = Field(default=None, sa_type=BigInteger)
    requested_by: int | None = Field(default=None, sa_type=BigInteger)


class ExcerptVote(SQLModel, table=True):
    """A member's answer to "which side does this passage support?"; one per member."""

    __tablename__ = "excerpt_vote"

    post_id: int = Field(
        sa_column=Column(
            ForeignKey("excerpt_post.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    side: str = Field(max_length=16)
    voted_at: datetime = Field(default_factory=utcnow)


class Round(SQLModel, table=True):
    """A debate round: its motion, format, thread, where it is, and when it next needs action."""

    __tablename__ = "debate_round"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    channel_id: int = Field(sa_type=BigInteger)
    thread_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    lobby_message_id: int | None = Field(default=None, sa_type=BigInteger)
    motion: str = Field(max_length=300)
    format_key: str = Field(max_length=64)
    pace: float = 1.0
    # The essay the motion is drawn from (its slug), when the moderator says so: the side
    # standings then show how each essay's rounds go.
    essay_slug: str | None = Field(default=None, max_length=100)
    status: str = Field(default=RoundStatus.LOBBY.value, max_length=16, index=True)
    # 1-based position of the turn under way (or paused); None before the start.
    current: int | None = None
    # The next instant something must happen (warning, end of turn, end of voting): what
    # the timers and the sweeper look for.
    due_at: datetime | None = Field(default=None, index=True)
    voting_ends_at: datetime | None = None
    voting_message_id: int | None = Field(default=None, sa_type=BigInteger)
    winner: str | None = Field(default=None, max_length=16)
    result: str | None = Field(default=None, sa_type=Text)
    result_message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Participant(SQLModel, table=True):
    """A member in a round: a speaker of a side, the audience, or a judge."""

    __tablename__ = "round_participant"

    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # realist, values, audience or judge.
    role: str = Field(max_length=16)
    name: str = Field(max_length=100)
    joined_at: datetime = Field(default_factory=utcnow)


class Turn(SQLModel, table=True):
    """One step of a round's running order, with absolute times while it runs."""

    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    kind: str = Field(max_length=24)
    side: str | None = Field(default=None, max_length=16)
    role: str = Field(max_length=100)
    seconds: int
    # Warning marks (seconds before the end), comma-separated, largest first.
    warnings: str = Field(default="", max_length=100)
    warnings_sent: int = 0
    speaker_id: int | None = Field(default=None, sa_type=BigInteger)
    answerer_id: int | None = Field(default=None, sa_type=BigInteger)
    status: str = Field(default=TurnStatus.PENDING.value, max_length=16)
    started_at: datetime | None = None
    ends_at: datetime | None = None
    # Seconds left when paused.
    remaining: float | None = None
    ended_at: datetime | None = None
    # time, yield, skip, removed or ended.
    end_reason: str | None = Field(default=None, max_length=16)
    announce_message_id: int | None = Field(default=None, sa_type=BigInteger)


class Speech(SQLModel, table=True):
    """What a speaker said in their turn: one row per message (or modal submission)."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    turn_id: int = Field(
        sa_column=Column(ForeignKey("turn.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_type=BigInteger)
    content: str = Field(sa_type=Text)
    message_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    posted_at: datetime = Field(default_factory=utcnow)


class RoundVote(SQLModel, table=True):
    """An audience vote: before the round (Oxford-style) or after it; one per member."""

    __tablename__ = "round_vote"

    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # "pre" or "post".
    phase: str = Field(sa_column=Column(String(8), primary_key=True, nullable=False))
    side: str = Field(max_length=16)
    voted_at: datetime = Field(default_factory=utcnow)


class Ballot(SQLModel, table=True):
    """A judge's (or moderator's) decision: winner, speaker points, and the reason."""

    __table_args__ = (UniqueConstraint("round_id", "judge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False)
    )
    judge_id: int = Field(sa_type=BigInteger)
    judge_name: str = Field(max_length=100)
    winner: str = Field(max_length=16)
    # JSON object: speaker user id -> points.
    points: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
    submitted_at: datetime = Field(default_factory=utcnow)


class RoundEvent(SQLModel, table=True):
    """Something that happened in a round, for the record and the transcript."""

    __tablename__ = "round_event"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow)


class Schedule(SQLModel, table=True):
    """Rounds a moderator planned ahead: one, or a series that repeats at the same local
    time. Its occurrences are PlannedRound rows; a series keeps only its next one."""

    __tablename__ = "round_schedule"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    channel_id: int = Field(sa_type=BigInteger)
    motion: str = Field(max_length=300)
    format_key: str = Field(max_length=64)
    pace: float = 1.0
    # The server's zone when it was planned: the series keeps this local time.
    timezone: str = Field(max_length=64)
    first_at: datetime
    # none, daily, weekly, fortnightly or monthly.
    repeat: str = Field(default="none", max_length=16)
    # A series ends after its last occurrence on or before `until` (local date), or after
    # `count` occurrences, whichever comes first.
    until: date | None = None
    count: int | None = None
    # Reminder marks, minutes before the start, largest first ("1440,15").
    reminders: str = Field(default="1440,15", max_length=100)
    # When a side has nobody at start time: postpone (by postpone_minutes) or cancel.
    when_short: str = Field(default="postpone", max_length=16)
    postpone_minutes: int = 30
    # active, or cancelled (no occurrence after the current ones).
    status: str = Field(default="active", max_length=16)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


class PlannedRound(SQLModel, table=True):
    """One occurrence of a schedule: its time, sign-ups, reminders, Discord event and, once
    it starts, its round."""

    __tablename__ = "planned_round"
    __table_args__ = (UniqueConstraint("schedule_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(
        sa_column=Column(
            ForeignKey("round_schedule.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    guild_id: int = Field(sa_type=BigInteger, index=True)
    # 0 for the first occurrence of the schedule, then 1, 2...
    number: int
    starts_at: datetime
    status: str = Field(default=PlannedStatus.UPCOMING.value, max_length=16, index=True)
    # The next instant the timers must act (a reminder, then the start); None after.
    due_at: datetime | None = Field(default=None, index=True)
    # How many of the schedule's reminder marks are behind it (sent, or already past
    # when the time was set).
    reminders_done: int = 0
    postponed: int = 0
    event_id: int | None = Field(default=None, sa_type=BigInteger)
    signup_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # The round this occurrence became at its start.
    round_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("debate_round.id", ondelete="SET NULL"), nullable=True),
    )
    # Why it was skipped or cancelled, for /round info.
    note: str = Field(default="", max_length=300)


class Signup(SQLModel, table=True):
    """A member's answer to an occurrence's sign-up: realist, values, audience or absent."""

    __tablename__ = "round_signup"

    planned_id: int = Field(
        sa_column=Column(
            ForeignKey("planned_round.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    choice: str = Field(max_length=16)
    name: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)


class Season(SQLModel, table=True):
    """A server's scoring season; the current one has no end. Ratings restart each season
    (and also run on across all of them)."""

    __table_args__ = (UniqueConstraint("guild_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    number: int
    name: str = Field(max_length=100)
    started_at: datetime
    ended_at: datetime | None = None
    # The final standings, kept when the season ends (JSON).
    standings: str | None = Field(default=None, sa_type=Text)


# The rating track that spans every season.
ALL_TIME = 0


class MemberScore(SQLModel, table=True):
    """A member's record and rating in one track: a season, or ALL_TIME. Derived from the
    decided rounds (python -m bot scores rebuild recomputes it)."""

    __tablename__ = "member_score"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    track: int = Field(primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(max_length=100)
    mu: float
    sigma: float
    rounds: int = 0
    wins: int = 0
    losses: int = 0
    draws: int = 0
    realist_rounds: int = 0
    realist_wins: int = 0
    values_rounds: int = 0
    values_wins: int = 0
    points_total: float = 0.0
    points_count: int = 0
    # Positive: that many wins in a row; negative: losses; 0 after a draw.
    streak: int = 0
    last_at: datetime | None = None


class ScoreChange(SQLModel, table=True):
    """One member's result in one decided round, with the rating after it: the history
    behind periods and charts. Derived, like MemberScore."""

    __tablename__ = "score_change"
    __table_args__ = (Index("ix_score_change_guild_at", "guild_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger)
    season_id: int | None = None
    round_id: int = Field(
        sa_column=Column(
            ForeignKey("debate_round.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(sa_type=BigInteger, index=True)
    side: str = Field(max_length=16)
    # win, loss or draw
    outcome: str = Field(max_length=8)
    points: float | None = None
    season_rating: float
    all_time_rating: float
    at: datetime


class ScoreAdjustment(SQLModel, table=True):
    """A moderator's change to a member's rating, with who and why. Source data: a rebuild
    keeps it."""

    __tablename__ = "score_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    season_id: int
    user_id: int = Field(sa_type=BigInteger)
    points: float
    reason: str = Field(max_length=300)
    by_id: int = Field(sa_type=BigInteger)
    by_name: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)


class RequestPace(SQLModel, table=True):
    """When the bot's next REST request may leave, on the database's clock: Discord's global
    limit is the bot's, across every process, so processes sharing a PostgreSQL database
    reserve each request's instant here, one after another at the bot's rate
    (bot/services/budget.py). One row per limit ("global")."""

    __tablename__ = "request_pace"

    scope: str = Field(primary_key=True, max_length=20)
    # Unix seconds; double precision keeps microseconds at today's epoch.
    next_at: float = Field(sa_type=Double)
