"""The rotation: which excerpt a server's next post carries. The side follows the
schedule's rule (alternate, balanced or random); within a side no excerpt comes back until
every one of them has been posted, which ends the side's cycle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import is_inferred
from bot.domain import PostStatus, Rotation, Side
from bot.errors import MootError
from bot.models import Essay, Excerpt, ExcerptPost, Passage
from bot.services.excerpts.read_models import ExcerptView
from bot.services.excerpts.schedules import require_schedule
from bot.services.reading_list import visible_to

_IN_FLIGHT = (PostStatus.CLAIMED, PostStatus.POSTED)


@dataclass(frozen=True)
class SideState:
    """One side's rotation: its cycle, the excerpts that cycle has used, and its pool."""

    side: Side
    cycle: int
    used: frozenset[int]
    pool: list[int]

    @property
    def remaining(self) -> list[int]:
        return [i for i in self.pool if i not in self.used]


@dataclass(frozen=True)
class RotationState:
    """A server's rotation: each side's state, and the sides of its posts, newest first."""

    sides: dict[Side, SideState]
    history: list[Side]


async def read_rotation(guild_id: int, session: AsyncSession) -> RotationState:
    """Read in two queries: the excerpt pool of the active essays the server reads (the
    shipped ones and its own reading list), and the server's posts."""
    pool_rows = await session.exec(
        select(Excerpt.id, Excerpt.side)
        .join(Essay, col(Essay.id) == Excerpt.essay_id)
        .where(col(Essay.active).is_(True), visible_to(guild_id))
        .order_by(col(Excerpt.id))
    )
    pools: dict[Side, list[int]] = {side: [] for side in Side}
    for excerpt_id, side in pool_rows.all():
        if excerpt_id is not None:
            pools[Side(side)].append(excerpt_id)
    post_rows = (
        await session.exec(
            select(ExcerptPost.side, ExcerptPost.cycle, ExcerptPost.excerpt_id)
            .where(ExcerptPost.guild_id == guild_id, col(ExcerptPost.status).in_(_IN_FLIGHT))
            .order_by(col(ExcerptPost.id).desc())
        )
    ).all()
    sides = {}
    for side in Side:
        mine = [(cycle, excerpt_id) for s, cycle, excerpt_id in post_rows if s == side.value]
        cycle = max((c for c, _ in mine), default=1)
        used = frozenset(e for c, e in mine if c == cycle and e is not None)
        sides[side] = SideState(side, cycle, used, pools[side])
    history = [Side(s) for s, _, _ in post_rows if s]
    return RotationState(sides, history)


def _stable_rank(guild_id: int, side: Side, cycle: int, excerpt_id: int) -> bytes:
    # A shuffle fixed per server and cycle: the order looks random to members, yet the
    # preview shows exactly what the next post will be.
    return hashlib.sha256(f"{guild_id}:{side.value}:{cycle}:{excerpt_id}".encode()).digest()


async def choose_next(
    guild_id: int, rotation: Rotation, session: AsyncSession
) -> tuple[int, Side, int]:
    """(excerpt id, side, cycle) of the next excerpt for the server."""
    state = await read_rotation(guild_id, session)
    sides = [side for side in Side if state.sides[side].pool]
    if not sides:
        raise MootError("The corpus has no excerpts to post. Import it with `corpus import`.")
    last = state.history[0] if state.history else None
    alternate = Side.VALUES if last is Side.REALIST else Side.REALIST
    if rotation is Rotation.BALANCED:
        counts = {side: state.history.count(side) for side in Side}
        fewest = min(counts[s] for s in sides)
        candidates = [s for s in sides if counts[s] == fewest]
        side = alternate if alternate in candidates else candidates[0]
    elif rotation is Rotation.RANDOM:
        coin = hashlib.sha256(f"{guild_id}:{len(state.history)}".encode()).digest()[0] % 2
        side = list(Side)[coin]
    else:
        side = alternate
    if side not in sides:
        side = sides[0]
    chosen_side = state.sides[side]
    cycle = chosen_side.cycle
    remaining = chosen_side.remaining
    if not remaining:
        cycle += 1
        remaining = chosen_side.pool
    chosen = min(remaining, key=lambda i: _stable_rank(guild_id, side, cycle, i))
    return chosen, side, cycle


async def excerpt_view(excerpt_id: int, *, session: AsyncSession) -> ExcerptView:
    """The excerpt with its essay's title, author, side and length in paragraphs."""
    paragraphs = (
        select(func.count())
        .where(Passage.essay_id == Excerpt.essay_id)
        .correlate(Excerpt)
        .scalar_subquery()
    )
    excerpt, essay, count = (
        await session.exec(
            select(Excerpt, Essay, paragraphs)
            .join(Essay, col(Essay.id) == Excerpt.essay_id)
            .where(Excerpt.id == excerpt_id)
        )
    ).one()
    assert excerpt.id is not None
    return ExcerptView(
        id=excerpt.id,
        side=Side(excerpt.side),
        text=excerpt.text,
        first_position=excerpt.first_position,
        last_position=excerpt.last_position,
        paragraphs=count,
        essay_slug=essay.slug,
        essay_title=essay.title,
        title_is_label=essay.title_is_label,
        author=essay.author,
        author_attributed=essay.author is not None and is_inferred(essay.author_note),
        published=essay.published,
        published_inferred=essay.published is not None and is_inferred(essay.published_note),
        source_url=essay.source_url,
    )


async def preview(guild_id: int, *, session: AsyncSession) -> ExcerptView:
    """The excerpt the next post would carry. Changes nothing."""
    row = await require_schedule(guild_id, session)
    excerpt_id, _, _ = await choose_next(guild_id, Rotation(row.rotation), session)
    return await excerpt_view(excerpt_id, session=session)
