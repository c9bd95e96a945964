"""A server's reading list on SQLite and PostgreSQL: an added essay is cut verbatim, found
by that server's search, quotes, essay choices and rotation and by no other server's; the
limits, removal, edits, and the upload kept in the database between its steps."""

from __future__ import annotations

import asyncio
import random
import re

import pytest
from sqlmodel import col, select

from bot.corpus import is_inferred
from bot.db import Database
from bot.domain import Rotation, Side
from bot.errors import MootError
from bot.models import Essay, Excerpt, PendingEssay, Sentence
from bot.services import excerpts, reading_list
from bot.services.corpus_import import import_corpus
from bot.services.excerpts.rotation import read_rotation
from bot.services.quotes import check_essay, essay_choices, random_essay_quote, sentence_hit
from bot.services.reading_list import Description, essays, uploads
from bot.services.search import count, search, sentence_by_id, suggest
from tests.conftest import CORPUS_DIR, attempt
from tests.db.test_excerpts import T0

CLUB = 1_000_000_000_000_000_001
OTHER = 1_000_000_000_000_000_002
MOD = 42

# Curly quotes, em dashes, "U.S.", footnote markers and non-Latin script, as real essays
# have them.
BODY = (
    "The “restraint” camp holds that the U.S. Congress—not the Pentagon—should decide.¹ "
    "That view is old. It was argued in 1947 by Mr. Kennan, who wrote “containment” [2] "
    "and meant something narrower.\n\n"
    "Москва ответила сразу: «Нет». 北京也回应了。 Zanzibarian diplomats, "
    "speaking through the U.N., said the U.S. had overreached.*\n\n"
    "Is it still true? Many doubt it—and they say so—yet the argument has outlived its "
    "critics, as arguments about power often do.\n\n"
    "¹ Footnote: the Congress has rarely used that power."
)


def described(**changes: object) -> Description:
    base = Description(
        side=Side.REALIST,
        title="Restraint, Reconsidered",
        author="Ada Example",
        author_note=reading_list.note(True, None),
        published="2024-05",
        published_note=reading_list.note(False, "from the events it names"),
        source_url="https://example.org/restraint",
    )
    return Description(**(base.__dict__ | changes))


async def add(db: Database, guild: int = CLUB, body: str = BODY, **changes: object) -> str:
    async with db.session() as s:
        entry = await reading_list.add_essay(
            guild, body, described(**changes), added_by=MOD, source_file="r.md", session=s
        )
    return entry.slug


async def test_an_added_essay_is_cut_verbatim_like_a_shipped_one(corpus_db: Database) -> None:
    slug = await add(corpus_db)
    # A number after a dot: no corpus file name can take it.
    assert re.fullmatch(r"restraint-reconsidered\.\d+", slug)
    async with corpus_db.session() as s:
        essay = (await s.exec(select(Essay).where(Essay.slug == slug))).one()
        sentences = (
            await s.exec(
                select(Sentence).where(Sentence.essay_id == essay.id).order_by(col(Sentence.id))
            )
        ).all()
        pieces = (await s.exec(select(Excerpt).where(Excerpt.essay_id == essay.id))).all()
    assert essay.body == BODY and essay.guild_id == CLUB
    assert all(essay.body[r.start : r.end] == r.text for r in [*sentences, *pieces])
    texts = [r.text for r in sentences]
    # "U.S." and "Mr." do not end a sentence; a footnote marker after the full stop stays
    # with its sentence; non-Latin sentences keep their own punctuation.
    assert texts[0] == (
        "The “restraint” camp holds that the U.S. Congress—not the Pentagon—should decide.¹"
    )
    assert (
        "It was argued in 1947 by Mr. Kennan, who wrote “containment” [2] and meant "
        "something narrower." in texts
    )
    assert any(t.startswith("Москва ответила сразу: «Нет».") for t in texts)
    assert any("said the U.S. had overreached.*" in t for t in texts)
    assert texts[-1] == "¹ Footnote: the Congress has rarely used that power."
    assert sum(len(p.text) for p in pieces) <= len(BODY)


async def test_only_its_server_finds_it_in_search_quotes_choices_and_rotation(
    corpus_db: Database,
) -> None:
    slug = await add(corpus_db)
    async with corpus_db.session() as s:
        mine = await search("Zanzibarian diplomats", session=s, guild_id=CLUB)
        theirs = await search("Zanzibarian diplomats", session=s, guild_id=OTHER)
        nobody = await search("Zanzibarian diplomats", session=s)
        assert [h.essay_slug for h in mine.hits] == [slug]
        assert theirs.hits == () and nobody.hits == ()
        assert (await count("Zanzibarian", session=s, guild_id=CLUB)).number == 1
        assert (await count("Zanzibarian", session=s, guild_id=OTHER)).number == 0
        cyrillic = await search("Москва", session=s, guild_id=CLUB)
        assert [h.essay_slug for h in cyrillic.hits] == [slug]
        assert [x.label for x in await suggest("Zanzibar", session=s, guild_id=CLUB)]
        assert await suggest("Zanzibar", session=s, guild_id=OTHER) == []
        # The shipped essays stay every server's.
        assert (await search("offshore balancing", session=s, guild_id=OTHER)).hits
        assert (await search("offshore balancing", session=s, guild_id=CLUB)).hits
        # By id, by slug, as a choice.
        hit_id = mine.hits[0].id
        assert await sentence_by_id(hit_id, session=s, guild_id=CLUB) is not None
        assert await sentence_by_id(hit_id, session=s, guild_id=OTHER) is None
        with pytest.raises(MootError, match="no longer in the corpus"):
            await sentence_hit(hit_id, session=s, guild_id=OTHER)
        assert await check_essay(slug, session=s, guild_id=CLUB) == slug
        with pytest.raises(MootError, match="There is no essay"):
            await check_essay(slug, session=s, guild_id=OTHER)
        choices = [c for _, c in await essay_choices("", session=s, guild_id=CLUB)]
        assert choices[0] == slug and len(choices) == 4
        assert slug not in [c for _, c in await essay_choices("", session=s, guild_id=OTHER)]
        with pytest.raises(MootError, match="No essay matches"):
            await random_essay_quote(session=s, essay=slug, guild_id=OTHER)
        drawn = await random_essay_quote(session=s, essay=slug, guild_id=CLUB, rng=random.Random(3))
        assert drawn.essay_slug == slug
        others = {
            (await random_essay_quote(session=s, guild_id=OTHER, rng=random.Random(n))).essay_slug
            for n in range(60)
        }
        assert slug not in others
        ids = {
            e.id
            for e in (await s.exec(select(Excerpt).join(Essay).where(Essay.slug == slug))).all()
        }
        club, other = await read_rotation(CLUB, s), await read_rotation(OTHER, s)
    assert ids and ids <= set(club.sides[Side.REALIST].pool)
    assert not ids & set(other.sides[Side.REALIST].pool)
    assert len(club.sides[Side.REALIST].pool) == len(other.sides[Side.REALIST].pool) + len(ids)


async def test_the_rotation_stays_side_fair_over_the_new_counts(corpus_db: Database) -> None:
    await add(corpus_db)
    await add(corpus_db, body=BODY.replace("Zanzibarian", "Values"), side=Side.VALUES, title="Two")
    async with corpus_db.session() as s:
        await excerpts.setup_schedule(
            CLUB,
            channel_id=5,
            minute_of_day=480,
            timezone="UTC",
            ping_role_id=None,
            thread=False,
            rotation=Rotation.ALTERNATE,
            by=1,
            now=T0,
            session=s,
        )
        state = await read_rotation(CLUB, s)
        realist, values = state.sides[Side.REALIST].pool, state.sides[Side.VALUES].pool
        claims = [
            await excerpts.claim_now(CLUB, by=1, now=T0, session=s) for _ in range(2 * len(realist))
        ]
    sides = [c.excerpt.side for c in claims]
    assert sides == [Side.REALIST, Side.VALUES] * len(realist)
    posted = [c.excerpt.id for c in claims if c.excerpt.side is Side.REALIST]
    assert sorted(posted) == sorted(realist)  # every realist excerpt once before a repeat
    assert len(set(c.excerpt.id for c in claims if c.excerpt.side is Side.VALUES)) == len(realist)
    assert len(values) > len(realist)


async def test_limits_are_named_and_nothing_is_added_past_them(
    corpus_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(essays, "MAX_ESSAYS", 1)
    await add(corpus_db)
    with pytest.raises(MootError, match=r"already has 1 essays, the most it can hold \(1\)"):
        await add(corpus_db, title="Second")
    await add(corpus_db, guild=OTHER)  # another server's list is its own
    monkeypatch.setattr(essays, "MAX_ESSAYS", 10)
    monkeypatch.setattr(essays, "MAX_TOTAL_CHARS", len(BODY) + 10)
    with pytest.raises(MootError, match=f"past its limit of {len(BODY) + 10:,} characters"):
        await add(corpus_db, title="Third")
    async with corpus_db.session() as s:
        assert len((await s.exec(select(Essay).where(Essay.guild_id == CLUB))).all()) == 1


async def test_removing_retires_it_and_keeps_its_rows_for_what_cites_it(
    corpus_db: Database,
) -> None:
    slug = await add(corpus_db)
    async with corpus_db.session() as s:
        with pytest.raises(MootError, match="ships with moot"):
            await reading_list.remove_essay(
                CLUB, "walt-2018-alliance-against-the-establishment", session=s
            )
        with pytest.raises(MootError, match="no essay"):
            await reading_list.remove_essay(OTHER, slug, session=s)
        removed = await reading_list.remove_essay(CLUB, slug, session=s)
    assert removed.slug == slug
    async with corpus_db.session() as s:
        assert (await search("Zanzibarian", session=s, guild_id=CLUB)).hits == ()
        state = await read_rotation(CLUB, s)
        essay = (await s.exec(select(Essay).where(Essay.slug == slug))).one()
        kept = (await s.exec(select(Sentence).where(Sentence.essay_id == essay.id))).all()
        listed = [e.slug for e in await reading_list.list_essays(CLUB, session=s)]
    assert not essay.active and kept and essay.title == "Restraint, Reconsidered"
    assert len(state.sides[Side.REALIST].pool) == 9
    assert slug not in listed


async def test_the_corpus_import_leaves_the_reading_lists_alone(corpus_db: Database) -> None:
    slug = await add(corpus_db)
    async with corpus_db.session() as s:
        report = await import_corpus(CORPUS_DIR, session=s)
        essay = (await s.exec(select(Essay).where(Essay.slug == slug))).one()
    assert report.retired == [] and essay.active and len(report.unchanged) == 3


async def test_editing_changes_the_description_and_moves_the_side(corpus_db: Database) -> None:
    slug = await add(corpus_db)
    async with corpus_db.session() as s:
        with pytest.raises(MootError, match="must start with https"):
            await reading_list.edit_essay(CLUB, slug, {"source_url": "ftp://x"}, session=s)
        entry = await reading_list.edit_essay(
            CLUB,
            slug,
            {"side": Side.VALUES, "author": None, "title": "A label", "title_is_label": True},
            session=s,
        )
        sides = {
            row
            for row in (
                await s.exec(select(Excerpt.side).join(Essay).where(Essay.slug == slug))
            ).all()
        }
        found = await search("Zanzibarian", session=s, guild_id=CLUB, side=Side.VALUES)
    assert (entry.side, entry.author, entry.title_is_label) == (Side.VALUES, None, True)
    assert sides == {Side.VALUES} and found.hits


async def test_an_upload_waits_in_the_database_until_its_moderator_confirms(
    corpus_db: Database,
) -> None:
    text = (
        "Restraint\n\nBy Ada Example\n\n" + BODY + "\n\nIMAGE: A map (via Getty Images)\n"
    ).encode()
    async with corpus_db.session() as s:
        first = await uploads.start_upload(
            CLUB,
            MOD,
            "restraint.md",
            text,
            side=Side.REALIST,
            complete=False,
            author_stated=False,
            session=s,
        )
    assert [e.reason.split(":")[0] for e in first.edits] == [
        "header line",
        "header line",
        "image caption",
    ]
    assert first.first.startswith("The “restraint” camp") and first.last.startswith("¹ Footnote")
    async with corpus_db.session() as s:
        with pytest.raises(MootError, match="Only the moderator who attached"):
            await uploads.toggle_edit(first.id, CLUB, MOD + 1, 0, session=s)
        with pytest.raises(MootError, match="no longer waiting"):
            await uploads.toggle_edit(first.id, OTHER, MOD, 0, session=s)
        with pytest.raises(MootError, match="Describe the essay first"):
            await uploads.confirm(first.id, CLUB, MOD, session=s)
        refused = await uploads.toggle_edit(first.id, CLUB, MOD, 2, session=s)
    assert refused.last == "IMAGE: A map (via Getty Images)"
    async with corpus_db.session() as s:
        row = await s.get(PendingEssay, first.id)
        assert row is not None
        await uploads.describe(
            first.id,
            CLUB,
            MOD,
            described(
                side=Side(row.side),
                complete=row.complete,
                author_note=reading_list.note(not is_inferred(row.author_note), "the byline"),
            ),
            session=s,
        )
    # Add pressed twice at once: the essay is added once, the other press refused.
    presses = await asyncio.gather(
        *(
            attempt(corpus_db, lambda s: uploads.confirm(first.id, CLUB, MOD, session=s))
            for _ in range(2)
        )
    )
    [entry] = [p for p in presses if p is not None]
    async with corpus_db.session() as s:
        assert await s.get(PendingEssay, first.id) is None
        essay = (await s.exec(select(Essay).where(Essay.slug == entry.slug))).one()
        added = (await s.exec(select(Essay).where(Essay.guild_id == CLUB))).all()
    assert len(added) == 1
    assert essay.body == BODY + "\n\nIMAGE: A map (via Getty Images)"
    assert (
        not essay.complete
        and entry.author_attributed
        and essay.author_note == "Inferred: the byline"
    )
