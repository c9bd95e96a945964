"""Speeches: which messages in a round's thread are speeches, recording them, and finding
those posted while the bot was down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_new
from bot.domain import RoundStatus, Side, TurnStatus
from bot.errors import MootError
from bot.formats import Format
from bot.models import Round, Speech
from bot.services.rounds.floor import floor_holders
from bot.services.rounds.read_models import JUDGE, RoundView
from bot.services.rounds.rows import get_round, record_event
from bot.sharding import on_shards

SPEECH_MAX = 4000


class MessageAction(StrEnum):
    """What becomes of a message in a round's thread."""

    RECORD = "record"  # the speaker's words: part of the speech
    ALLOW = "allow"  # not part of the record, and no harm done
    OUT_OF_TURN = "out-of-turn"  # a debater speaking out of turn: taken off the record


@dataclass(frozen=True)
class Ruling:
    """The chair's ruling on a message posted in a round's thread."""

    action: MessageAction
    turn_id: int | None = None


def rule_on_message(view: RoundView, user_id: int, fmt: Format) -> Ruling:
    """Record the current speaker's words; refuse other debaters'; audience per format."""
    role = view.role_of(user_id)
    turn = view.current_turn
    # Whoever holds the floor speaks on the record: the speaker, the answerer, every speaker
    # of a grand crossfire, the member whose point of information is being heard.
    speaking = turn is not None and user_id in floor_holders(view)
    if speaking:
        assert turn is not None
        return Ruling(MessageAction.RECORD, turn.id)
    if view.status not in (RoundStatus.RUNNING, RoundStatus.PAUSED):
        return Ruling(MessageAction.ALLOW)
    if role in (Side.REALIST, Side.VALUES):
        return Ruling(MessageAction.OUT_OF_TURN)
    if fmt.audience_may_speak or role == JUDGE:
        return Ruling(MessageAction.ALLOW)
    return Ruling(MessageAction.OUT_OF_TURN)


async def record_speech(
    round_id: int,
    turn_id: int,
    user_id: int,
    content: str,
    *,
    message_id: int | None,
    now: datetime,
    session: AsyncSession,
) -> None:
    """Store words spoken in a turn (a message in the thread or the speech form)."""
    text = content.strip()
    if not text:
        raise MootError("The speech is empty.")
    if len(text) > SPEECH_MAX:
        raise MootError(f"A speech part is at most {SPEECH_MAX} characters; this is {len(text)}.")
    # A message can arrive twice (an event replayed on resume, or read back after a
    # restart): it is recorded once. A speech from the form has no message id, and a
    # missing id never conflicts.
    await insert_new(
        session,
        Speech,
        {
            "round_id": round_id,
            "turn_id": turn_id,
            "user_id": user_id,
            "content": text,
            "message_id": message_id,
            "posted_at": now,
        },
        ["message_id"],
    )


@dataclass(frozen=True)
class Posted:
    """A message found in a round's thread: who, when, what."""

    message_id: int
    author_id: int
    at: datetime
    content: str


async def backfill_speeches(round_id: int, posted: list[Posted], *, session: AsyncSession) -> int:
    """Record the speeches among `posted` that the bot never saw (it was down when they
    were posted): a message by a turn's speaker (or answerer) inside that turn's time. One
    already recorded is left alone. Returns how many were added."""
    view = await get_round(round_id, session=session)
    known = set(
        (
            await session.exec(
                select(Speech.message_id).where(
                    Speech.round_id == round_id, col(Speech.message_id).is_not(None)
                )
            )
        ).all()
    )
    added = 0
    for message in sorted(posted, key=lambda m: m.at):
        text = message.content.strip()[:SPEECH_MAX]
        if message.message_id in known or not text:
            continue
        debater = view.role_of(message.author_id) in (Side.REALIST, Side.VALUES)
        turn = next(
            (
                t
                for t in view.turns
                if t.started_at is not None
                and t.started_at <= message.at
                and all(message.at < end for end in (t.ended_at, t.ends_at) if end)
                and (
                    message.author_id in (t.speaker_id, t.answerer_id)
                    or (t.side is None and t.kind == "cross-examination" and debater)
                )
            ),
            None,
        )
        if turn is None:
            continue
        await record_speech(
            round_id,
            turn.id,
            message.author_id,
            text,
            message_id=message.message_id,
            now=message.at,
            session=session,
        )
        known.add(message.message_id)
        added += 1
    return added


async def under_way(
    *, shard_count: int | None, shard_ids: Any, session: AsyncSession
) -> list[tuple[int, int, int]]:
    """(round, thread, lobby message) of every round running or paused on this process's
    shards: speeches are what follows the lobby in the thread."""
    rows = await session.exec(
        select(Round.id, Round.thread_id, Round.lobby_message_id).where(
            col(Round.status).in_((RoundStatus.RUNNING, RoundStatus.PAUSED)),
            col(Round.thread_id).is_not(None),
            col(Round.lobby_message_id).is_not(None),
            on_shards(col(Round.guild_id), shard_count, shard_ids),
        )
    )
    return [(r, t, lobby) for r, t, lobby in rows.all() if r and t and lobby]


async def record_out_of_turn(
    round_id: int, user_id: int, *, now: datetime, session: AsyncSession
) -> None:
    """Note a debater's (or the audience's) message that came out of turn."""
    await record_event(session, round_id, "out-of-turn", now, user_id)


async def speech_turn(round_id: int, user_id: int, *, session: AsyncSession) -> int:
    """The turn a member may submit a speech for now (the form), or why not."""
    view = await get_round(round_id, session=session)
    turn = view.current_turn
    if (
        view.status is not RoundStatus.RUNNING
        or turn is None
        or turn.status is not TurnStatus.RUNNING
    ):
        raise MootError("No turn is running: speeches can be submitted only during your turn.")
    if view.prep_side is not None:
        raise MootError(f"{view.prep_side.label} is taking prep: the speech has not begun.")
    if user_id not in floor_holders(view):
        raise MootError("It is not your turn to speak.")
    return turn.id
