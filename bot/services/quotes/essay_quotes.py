"""Essay quotes: a verbatim sentence at random or by id, and the essays a member can pick."""

from __future__ import annotations

import random

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import is_inferred
from bot.domain import Side
from bot.errors import MootError
from bot.models import Essay, Passage, Sentence
from bot.provenance import essay_author, essay_title
from bot.services.reading_list import visible_to
from bot.services.search import SearchHit, sentence_by_id

CHOICE_CHARS = 100  # Discord's limit on an autocomplete choice's name


def punchiness(length: int, ends_a_sentence: bool) -> float:
    """How much /quote random prefers a sentence of this length.

    Short, complete sentences make the best quotes: 40-220 characters weigh 1.0; longer
    ones fall off with length (a 440-character sentence weighs 0.25); very short ones
    (under 40) weigh 0.3, and anything that does not end like a sentence (a fragment
    or a heading) weighs a tenth of that.
    """
    if length < 40:
        weight = 0.3
    elif length <= 220:
        weight = 1.0
    else:
        weight = (220 / length) ** 2
    return weight if ends_a_sentence else weight * 0.1


async def random_essay_quote(
    *,
    session: AsyncSession,
    side: Side | None = None,
    essay: str | None = None,
    rng: random.Random | None = None,
    guild_id: int | None = None,
) -> SearchHit:
    """A verbatim sentence drawn at random, weighted by `punchiness`, from the essays the
    server reads (the shipped ones and its own; without a server, the shipped ones)."""
    statement = (
        select(Sentence.id, Sentence.text)
        .join(Essay, col(Essay.id) == Sentence.essay_id)
        .where(col(Essay.active), visible_to(guild_id))
    )
    if side is not None:
        statement = statement.where(Essay.side == side.value)
    if essay is not None:
        statement = statement.where(Essay.slug == essay)
    rows = (await session.exec(statement)).all()
    if not rows:
        raise MootError("No essay matches that choice. Try /quote random without filters.")
    weights = [punchiness(len(t), t.rstrip("”’\"')").endswith((".", "!", "?"))) for _, t in rows]
    chosen_id = (rng or random.SystemRandom()).choices([i for i, _ in rows], weights)[0]
    assert chosen_id is not None
    return await sentence_hit(chosen_id, session=session, guild_id=guild_id)


async def sentence_hit(
    sentence_id: int, *, session: AsyncSession, guild_id: int | None = None
) -> SearchHit:
    """A sentence by id (an autocomplete pick), or a MootError if it left the corpus (or is
    on another server's reading list)."""
    hit = await sentence_by_id(sentence_id, session=session, guild_id=guild_id)
    if hit is None:
        raise MootError("That sentence is no longer in the corpus. Search again.")
    return hit


async def paragraph_count(essay_id: int, *, session: AsyncSession) -> int:
    """How many paragraphs an essay has (for "paragraph 4 of 12")."""
    statement = select(func.count()).select_from(Passage).where(Passage.essay_id == essay_id)
    return (await session.exec(statement)).one()


async def check_essay(slug: str, *, session: AsyncSession, guild_id: int | None = None) -> str:
    """The slug of an active essay the server reads, or a MootError that says how to pick
    one. Without `guild_id`, only the shipped essays count."""
    found = (
        await session.exec(
            select(Essay.slug).where(Essay.slug == slug, col(Essay.active), visible_to(guild_id))
        )
    ).first()
    if found is None:
        raise MootError(f"There is no essay “{slug[:60]}”. Pick one from the list as you type.")
    return found


async def essay_choices(
    typed: str, *, session: AsyncSession, guild_id: int | None = None
) -> list[tuple[str, str]]:
    """(label, slug) of active essays the server reads whose title or slug contains
    `typed`, at most 25: the server's own first."""
    rows = (
        await session.exec(
            select(Essay)
            .where(col(Essay.active), visible_to(guild_id))
            .order_by(col(Essay.guild_id).is_(None), col(Essay.slug))
        )
    ).all()
    wanted = typed.strip().lower()
    found = []
    for essay in rows:
        if wanted in essay.title.lower() or wanted in essay.slug:
            found.append((_choice_label(essay), essay.slug))
    return found[:25]


def _choice_label(essay: Essay, limit: int = CHOICE_CHARS) -> str:
    """ "Title — Author" in at most `limit` characters, shown as every essay is shown
    (bot.provenance): the title gives way first, so the author always shows."""
    author = essay_author(essay.author, is_inferred(essay.author_note))
    room = limit - len(author) - len(" — ")
    return f"{essay_title(essay.title, essay.title_is_label, limit=room)} — {author}"
