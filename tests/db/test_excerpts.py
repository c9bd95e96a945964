"""The excerpt service on SQLite and PostgreSQL: rotation, claims, skipped days, failures,
votes, and excerpts kept in step with the corpus."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.db import Database
from bot.domain import PostStatus, Rotation, ScheduleStatus, Side, Tally
from bot.errors import MootError
from bot.models import Essay, Excerpt, ExcerptPost, ExcerptVote
from bot.services import excerpts
from bot.services.corpus_import import import_corpus

GUILD = 1_000_000_000_000_000_001
GRACE = timedelta(hours=6)
T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


async def set_up(
    db: Database, rotation: Rotation = Rotation.ALTERNATE, guild_id: int = GUILD
) -> None:
    async with db.session() as s:
        await excerpts.setup_schedule(
            guild_id,
            channel_id=5,
            minute_of_day=8 * 60,
            timezone="UTC",
            ping_role_id=None,
            thread=False,
            rotation=rotation,
            by=1,
            now=T0,
            session=s,
        )


async def pool(db: Database, side: Side) -> set[int]:
    async with db.session() as s:
        rows = await s.exec(select(Excerpt.id).where(Excerpt.side == side.value))
        return {i for i in rows.all() if i is not None}


async def post_now(db: Database) -> excerpts.Claim:
    async with db.session() as s:
        return await excerpts.claim_now(GUILD, by=1, now=T0, session=s)


async def test_alternation_runs_every_excerpt_of_a_side_before_any_repeats(
    corpus_db: Database,
) -> None:
    await set_up(corpus_db)
    realist, values = await pool(corpus_db, Side.REALIST), await pool(corpus_db, Side.VALUES)
    assert (len(realist), len(values)) == (9, 21)
    claims = [await post_now(corpus_db) for _ in range(42)]
    assert [c.excerpt.side for c in claims] == [Side.REALIST, Side.VALUES] * 21
    realist_ids = [c.excerpt.id for c in claims if c.excerpt.side is Side.REALIST]
    values_ids = [c.excerpt.id for c in claims if c.excerpt.side is Side.VALUES]
    # One realist essay, two values essays: realist cycles twice and a bit meanwhile.
    assert set(realist_ids[:9]) == realist and set(realist_ids[9:18]) == realist
    assert len(set(realist_ids[18:])) == len(realist_ids[18:])
    assert set(values_ids) == values and len(values_ids) == 21
    async with corpus_db.session() as s:
        view = await excerpts.status(GUILD, session=s)
    progress = {p.side: (p.cycle, p.posted, p.total) for p in view.progress}
    assert progress == {Side.REALIST: (3, 3, 9), Side.VALUES: (1, 21, 21)}


async def test_a_failed_post_gives_its_excerpt_back_and_preview_matches_the_next_post(
    corpus_db: Database,
) -> None:
    await set_up(corpus_db)
    first = await post_now(corpus_db)
    async with corpus_db.session() as s:
        await excerpts.record_failure(first.post_id, reason="gone", now=T0, session=s)
        shown = await excerpts.preview(GUILD, session=s)
    assert shown.id == first.excerpt.id  # back in the rotation, same side next
    again = await post_now(corpus_db)
    assert again.excerpt.id == first.excerpt.id


@pytest.mark.parametrize("rotation", [Rotation.BALANCED, Rotation.RANDOM])
async def test_balanced_and_random_never_repeat_within_a_cycle(
    corpus_db: Database, rotation: Rotation
) -> None:
    await set_up(corpus_db, rotation)
    claims = [await post_now(corpus_db) for _ in range(18)]
    sides = [c.excerpt.side for c in claims]
    for side in Side:
        ids = [c.excerpt.id for c in claims if c.excerpt.side is side]
        size = 9 if side is Side.REALIST else 21
        for start in range(0, len(ids), size):
            assert len(set(ids[start : start + size])) == len(ids[start : start + size])
    if rotation is Rotation.BALANCED:
        for n in range(1, 19):
            counts = [sides[:n].count(side) for side in Side]
            assert abs(counts[0] - counts[1]) <= 1
    else:
        assert set(sides) == set(Side)


async def test_concurrent_claims_of_one_day_make_one_post(corpus_db: Database) -> None:
    await set_up(corpus_db)
    due = T0 + timedelta(hours=1, seconds=2)

    async def attempt() -> excerpts.Claim | None:
        try:
            async with corpus_db.session() as s:
                return (await excerpts.claim_due(GUILD, now=due, grace=GRACE, session=s)).claim
        except excerpts.ClaimedElsewhere:
            return None

    results = await asyncio.gather(*(attempt() for _ in range(8)))
    assert sum(r is not None for r in results) == 1
    async with corpus_db.session() as s:
        rows = (await s.exec(select(ExcerptPost))).all()
        schedule = await excerpts.get_schedule(GUILD, session=s)
    assert [(r.day, r.status) for r in rows] == [(date(2026, 12, 1), PostStatus.CLAIMED.value)]
    assert schedule is not None and schedule.next_post_at == datetime(2026, 12, 2, 8, tzinfo=UTC)
    # /excerpt now on the same day is an extra post, not the day's scheduled one.
    extra = await post_now(corpus_db)
    assert extra.day is None


async def test_days_missed_while_down_are_skipped_with_the_reason(corpus_db: Database) -> None:
    await set_up(corpus_db)
    back = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # down from before 08:00 on the 1st
    async with corpus_db.session() as s:
        assert (await excerpts.claim_due(GUILD, now=back, grace=GRACE, session=s)).claim is None
    async with corpus_db.session() as s:
        rows = (await s.exec(select(ExcerptPost).order_by(col(ExcerptPost.day)))).all()
        view = await excerpts.status(GUILD, session=s)
    assert [r.day for r in rows] == [date(2026, 12, d) for d in (1, 2, 3, 4)]
    assert {r.status for r in rows} == {PostStatus.SKIPPED.value}
    assert "past the 6 h grace window" in (rows[-1].reason or "")
    assert view.schedule.next_post_at == datetime(2026, 12, 5, 8, tzinfo=UTC)
    within = datetime(2026, 12, 5, 13, 59, tzinfo=UTC)
    async with corpus_db.session() as s:
        claim = (await excerpts.claim_due(GUILD, now=within, grace=GRACE, session=s)).claim
    assert claim is not None and claim.late and claim.day == date(2026, 12, 5)


async def test_three_failures_in_a_row_disable_the_schedule(corpus_db: Database) -> None:
    await set_up(corpus_db)

    async def fail_on(day: int, succeed: bool = False) -> excerpts.ScheduleView | None:
        now = datetime(2026, 12, day, 8, 0, 1, tzinfo=UTC)
        async with corpus_db.session() as s:
            claim = (await excerpts.claim_due(GUILD, now=now, grace=GRACE, session=s)).claim
            assert claim is not None
            if succeed:
                await excerpts.record_posted(
                    claim.post_id, message_id=9, thread_id=None, warning=None, now=now, session=s
                )
                return await excerpts.get_schedule(GUILD, session=s)
            return await excerpts.record_failure(
                claim.post_id, reason="Missing Access.", now=now, session=s
            )

    await fail_on(1)
    await fail_on(2)
    view = await fail_on(3, succeed=True)
    assert view is not None and view.consecutive_failures == 0
    for day in (4, 5):
        view = await fail_on(day)
        assert view is not None and view.status is ScheduleStatus.ACTIVE
    view = await fail_on(6)
    assert view is not None and view.status is ScheduleStatus.DISABLED
    assert view.next_post_at is None and "Disabled after 3 failures" in (view.last_error or "")
    async with corpus_db.session() as s:
        later = datetime(2026, 12, 7, 8, 0, 1, tzinfo=UTC)
        due = await excerpts.claim_due(GUILD, now=later, grace=GRACE, session=s)
        assert due.claim is None and due.next_post_at is None
        with pytest.raises(MootError, match="disabled"):
            await excerpts.set_status(GUILD, ScheduleStatus.ACTIVE, by=1, now=later, session=s)


async def test_votes_one_per_member_changeable_even_when_clicked_at_once(
    corpus_db: Database,
) -> None:
    await set_up(corpus_db)
    claim = await post_now(corpus_db)
    async with corpus_db.session() as s:
        with pytest.raises(MootError, match="no longer open"):
            await excerpts.vote(claim.post_id, 7, Side.REALIST, now=T0, session=s)
    async with corpus_db.session() as s:
        await excerpts.record_posted(
            claim.post_id, message_id=1, thread_id=None, warning=None, now=T0, session=s
        )

    async def vote(user: int, side: Side) -> Tally:
        async with corpus_db.session() as s:
            return await excerpts.vote(claim.post_id, user, side, now=T0, session=s)

    await asyncio.gather(*(vote(7, Side.REALIST) for _ in range(6)))
    await asyncio.gather(*(vote(user, Side.VALUES) for user in range(100, 130)))
    tally = await vote(7, Side.VALUES)
    assert (tally.realist, tally.values) == (0, 31)
    async with corpus_db.session() as s:
        assert len((await s.exec(select(ExcerptVote))).all()) == 31


async def test_excerpts_follow_corpus_edits_and_keep_unchanged_ids(
    db: Database, corpus_copy: Path
) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    async with db.session() as s:
        before = {e.text: e.id for e in (await s.exec(select(Excerpt))).all()}
        essays = {e.id: e for e in (await s.exec(select(Essay))).all()}
        for excerpt in (await s.exec(select(Excerpt))).all():
            assert essays[excerpt.essay_id].body[excerpt.start : excerpt.end] == excerpt.text
    path = corpus_copy / "walt-2018-alliance-against-the-establishment.txt"
    text = path.read_text(encoding="utf-8")
    last_paragraph = text.rstrip().rsplit("\n\n", 1)[1]
    path.write_text(text.replace(last_paragraph, last_paragraph + " An added sentence."))
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    async with db.session() as s:
        after = {e.text: e.id for e in (await s.exec(select(Excerpt))).all()}
    kept = set(before) & set(after)
    assert len(kept) == len(before) - 1 and all(before[t] == after[t] for t in kept)
    assert any(t.endswith("An added sentence.") for t in after)


async def test_each_process_sees_only_the_schedules_of_its_shards(corpus_db: Database) -> None:
    guilds = [(n << 22) | 7 for n in range(6)]  # shards 0..5 of 6, 0 and 1 of 2 alternately
    for guild_id in guilds:
        await set_up(corpus_db, guild_id=guild_id)
    async with corpus_db.session() as s:
        everything = await excerpts.upcoming(shard_count=None, shard_ids=None, session=s)
        even = await excerpts.upcoming(shard_count=2, shard_ids=[0], session=s)
        odd = await excerpts.upcoming(shard_count=2, shard_ids=[1], session=s)
        both = await excerpts.upcoming(shard_count=2, shard_ids=[0, 1], session=s)
    assert {g for g, _ in everything} == set(guilds) == {g for g, _ in both}
    assert {g for g, _ in even} == set(guilds[0::2])
    assert {g for g, _ in odd} == set(guilds[1::2])
