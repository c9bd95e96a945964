"""Importing the corpus folder into the essay, passage, sentence and excerpt tables."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.corpus import (
    CorpusError,
    EssayFile,
    excerpt_spans,
    load_corpus,
    paragraph_spans,
    sentence_spans,
)
from bot.models import Essay, Excerpt, Passage, Sentence, utcnow
from bot.services.search.heads import rebuild_for


@dataclass
class ImportReport:
    """What one import changed, by essay slug and row counts."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    passages_added: int = 0
    passages_removed: int = 0
    sentences_added: int = 0
    sentences_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.retired)} retired",
        ]
        return (
            f"essays: {', '.join(parts)}; passages +{self.passages_added}/"
            f"-{self.passages_removed}; sentences +{self.sentences_added}/"
            f"-{self.sentences_removed}"
        )


async def import_corpus(directory: Path, *, session: AsyncSession) -> ImportReport:
    """Bring the database in line with the essay files in `directory`.

    Every file is parsed before anything is written, so one malformed file changes
    nothing. Unchanged files are skipped; a changed file is updated in place, keeping the
    ids of passages and sentences whose text did not change. Essays whose file is gone
    are retired (hidden from search) rather than deleted, so nothing that cites them breaks.
    """
    files = load_corpus(directory)
    if not files:
        raise CorpusError(directory, "corpus folder", "holds no *.txt essay files")
    report = ImportReport()
    # Only the shipped essays: those servers added to their reading lists have no file here.
    existing = {
        e.slug: e
        for e in (await session.exec(select(Essay).where(col(Essay.guild_id).is_(None)))).all()
    }
    with_excerpts = set((await session.exec(select(Excerpt.essay_id).distinct())).all())
    for essay_file in files:
        essay = existing.get(essay_file.slug)
        if essay and essay.active and essay.content_hash == essay_file.content_hash:
            report.unchanged.append(essay_file.slug)
            if essay.id not in with_excerpts:
                # Imported before excerpts existed: cut them now.
                await sync_excerpts(essay, session=session)
            continue
        if essay is None:
            essay = Essay(
                slug=essay_file.slug, body="", content_hash="", side=essay_file.side, title=""
            )
            report.added.append(essay_file.slug)
        else:
            report.updated.append(essay_file.slug)
        _copy_metadata(essay_file, essay)
        session.add(essay)
        await session.flush()
        await sync_spans(essay, session=session, report=report)
        await sync_excerpts(essay, session=session)
    slugs = {f.slug for f in files}
    for slug, essay in existing.items():
        if slug not in slugs and essay.active:
            essay.active = False
            session.add(essay)
            report.retired.append(slug)
    await session.flush()
    if report.changed:
        await rebuild_for(await session.connection(), None)
    return report


def _copy_metadata(source: EssayFile, essay: Essay) -> None:
    essay.side = source.side
    essay.title = source.title
    essay.title_is_label = source.title_is_label
    essay.author = source.author
    essay.author_note = source.author_note
    essay.published = source.published
    essay.published_note = source.published_note
    essay.source_url = source.source_url
    essay.complete = source.complete
    essay.notes = source.notes
    essay.body = source.body
    essay.content_hash = source.content_hash
    essay.active = True
    essay.imported_at = utcnow()


Row = TypeVar("Row", Passage, Sentence, Excerpt)


def _by_text(rows: list[Row]) -> dict[str, deque[Row]]:
    index: dict[str, deque[Row]] = defaultdict(deque)
    for row in rows:
        index[row.text].append(row)
    return index


async def sync_spans(essay: Essay, *, session: AsyncSession, report: ImportReport) -> None:
    """Make the essay's passages and sentences match its body, reusing rows by text."""
    assert essay.id is not None
    old_passages = (
        await session.exec(
            select(Passage).where(Passage.essay_id == essay.id).order_by(col(Passage.position))
        )
    ).all()
    old_sentences = (
        await session.exec(
            select(Sentence)
            .where(Sentence.essay_id == essay.id)
            .order_by(col(Sentence.passage_id), col(Sentence.position))
        )
    ).all()
    free_passages = _by_text(list(old_passages))
    free_sentences = _by_text(list(old_sentences))

    body = essay.body
    placed: list[tuple[Passage, int, int]] = []
    for number, (start, end) in enumerate(paragraph_spans(body), start=1):
        text = body[start:end]
        reusable = free_passages.get(text)
        if reusable:
            passage = reusable.popleft()
        else:
            passage = Passage(
                essay_id=essay.id, side=essay.side, position=0, start=0, end=0, text=text
            )
            report.passages_added += 1
        passage.side = essay.side
        passage.position, passage.start, passage.end = number, start, end
        session.add(passage)
        placed.append((passage, start, end))
    await session.flush()

    for passage, start, end in placed:
        assert passage.id is not None
        spans = sentence_spans(body[start:end], offset=start)
        for number, (s_start, s_end) in enumerate(spans, start=1):
            text = body[s_start:s_end]
            reusable_sentence = free_sentences.get(text)
            if reusable_sentence:
                sentence = reusable_sentence.popleft()
            else:
                sentence = Sentence(
                    essay_id=essay.id,
                    passage_id=0,
                    side=essay.side,
                    position=0,
                    start=0,
                    end=0,
                    text=text,
                )
                report.sentences_added += 1
            sentence.passage_id = passage.id
            sentence.side = essay.side
            sentence.position, sentence.start, sentence.end = number, s_start, s_end
            session.add(sentence)
    await session.flush()

    # Leftovers are rows whose text no longer appears: sentences first, then passages.
    for sentences in free_sentences.values():
        for sentence in sentences:
            await session.delete(sentence)
            report.sentences_removed += 1
    await session.flush()
    for passages in free_passages.values():
        for passage in passages:
            await session.delete(passage)
            report.passages_removed += 1
    await session.flush()


async def sync_excerpts(essay: Essay, *, session: AsyncSession) -> None:
    """Make the essay's excerpts match its body, keeping the ids of unchanged excerpts.

    Kept ids keep a server's rotation history meaningful across corpus edits.
    """
    assert essay.id is not None
    old = (await session.exec(select(Excerpt).where(Excerpt.essay_id == essay.id))).all()
    free = _by_text(list(old))
    for span in excerpt_spans(essay.body):
        text = essay.body[span.start : span.end]
        reusable = free.get(text)
        excerpt = (
            reusable.popleft()
            if reusable
            else Excerpt(
                essay_id=essay.id,
                side=essay.side,
                text=text,
                first_position=0,
                last_position=0,
                start=0,
                end=0,
            )
        )
        excerpt.side = essay.side
        excerpt.first_position, excerpt.last_position = span.first, span.last
        excerpt.start, excerpt.end = span.start, span.end
        session.add(excerpt)
    for leftovers in free.values():
        for excerpt in leftovers:
            await session.delete(excerpt)
    await session.flush()
