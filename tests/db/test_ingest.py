"""Importing the corpus: the verbatim invariant, cleaning, idempotence, stable ids, failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.corpus import CorpusError
from bot.db import Database
from bot.models import Essay, Passage, Sentence
from bot.services.corpus_import import import_corpus
from tests.conftest import CORPUS_DIR, SOURCES_DIR


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    async with db.session() as s:
        essays = (await s.exec(select(Essay).order_by(col(Essay.slug)))).all()
        passages = (await s.exec(select(Passage).order_by(col(Passage.id)))).all()
        sentences = (await s.exec(select(Sentence).order_by(col(Sentence.id)))).all()
    return {
        "essays": [(e.id, e.slug, e.content_hash, e.active, e.title) for e in essays],
        "passages": [(p.id, p.essay_id, p.position, p.start, p.end, p.text) for p in passages],
        "sentences": [(x.id, x.passage_id, x.position, x.start, x.end, x.text) for x in sentences],
    }


def squash(text: str) -> str:
    return " ".join(text.split())


async def test_every_passage_and_sentence_is_a_verbatim_slice(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        essays = {e.id: e for e in (await s.exec(select(Essay))).all()}
        passages = (await s.exec(select(Passage))).all()
        sentences = (await s.exec(select(Sentence))).all()
    assert len(essays) == 3 and len(passages) == 31 and len(sentences) > 100
    by_passage = {p.id: p for p in passages}
    for passage in passages:
        assert essays[passage.essay_id].body[passage.start : passage.end] == passage.text
    for sentence in sentences:
        essay = essays[sentence.essay_id]
        assert essay.body[sentence.start : sentence.end] == sentence.text
        parent = by_passage[sentence.passage_id]
        assert parent.start <= sentence.start and sentence.end <= parent.end
    # And every body is the source text with only the recorded cleaning edits: each
    # passage appears in its raw source file (the joined paragraph up to whitespace).
    raw = {
        path.name: squash(path.read_text(encoding="utf-8")) for path in SOURCES_DIR.glob("*.txt")
    }
    for passage in passages:
        assert any(squash(passage.text) in text for text in raw.values()), passage.text[:60]


async def test_cleaning_edits(corpus_db: Database) -> None:
    async with corpus_db.session() as s:
        passages = (await s.exec(select(Passage))).all()
        essays = {e.slug: e for e in (await s.exec(select(Essay))).all()}
    texts = [p.text for p in passages]
    # Header lines of the Walt column are metadata, not body text.
    walt = essays["walt-2018-alliance-against-the-establishment"]
    assert walt.body.startswith("The United States needs a new foreign policy")
    assert "September 24, 2018" not in walt.body
    assert not any(t.strip() in ("Stephen M. Walt", "September 24, 2018") for t in texts)
    # The paragraph broken by a page break is one passage again.
    joined = [t for t in texts if "I am depicting doesn't have a deep bench" in t]
    assert len(joined) == 1
    assert not any(t.startswith("have a deep bench") for t in texts)
    # The editor's note and the image caption are not essay text.
    values = essays["values-2023-values-based-approach"]
    assert "Editor’s note" not in values.body and "IMAGE:" not in values.body
    assert values.body.startswith("In foreign policy debates")
    # Curly quotes and em dashes are kept as written.
    assert "“blood and iron”" in values.body
    assert "hegemony—defined" in walt.body


async def test_reimport_of_unchanged_files_changes_nothing(corpus_db: Database) -> None:
    before = await snapshot(corpus_db)
    async with corpus_db.session() as s:
        report = await import_corpus(CORPUS_DIR, session=s)
    assert not report.changed and len(report.unchanged) == 3
    assert await snapshot(corpus_db) == before


async def test_changed_file_is_updated_in_place_with_stable_ids(
    db: Database, corpus_copy: Path
) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    before = await snapshot(db)
    path = corpus_copy / "slaughter-2005-response-to-walt.txt"
    text = path.read_text(encoding="utf-8")
    # Rewrite one sentence of paragraph 6 and add a new closing paragraph.
    assert "Walt can’t be serious." in text
    changed = text.replace("Walt can’t be serious.", "Walt cannot be serious.") + (
        "\nA new closing paragraph. It has two sentences.\n"
    )
    path.write_text(changed, encoding="utf-8")
    async with db.session() as s:
        report = await import_corpus(corpus_copy, session=s)
    assert report.updated == ["slaughter-2005-response-to-walt"]
    assert report.passages_added == 2 and report.passages_removed == 1
    assert report.sentences_added == 3 and report.sentences_removed == 1
    after = await snapshot(db)
    old_sentences = {row[5]: row[0] for row in before["sentences"]}
    new_sentences = {row[5]: row[0] for row in after["sentences"]}
    kept = set(old_sentences) & set(new_sentences)
    assert len(kept) == len(old_sentences) - 1
    assert all(old_sentences[t] == new_sentences[t] for t in kept)
    old_passages = {row[5]: row[0] for row in before["passages"]}
    new_passages = {row[5]: row[0] for row in after["passages"]}
    assert all(old_passages[t] == new_passages[t] for t in set(old_passages) & set(new_passages))
    # The invariant still holds after the update.
    async with db.session() as s:
        essay = (
            await s.exec(select(Essay).where(Essay.slug == "slaughter-2005-response-to-walt"))
        ).one()
        rows = (await s.exec(select(Sentence).where(Sentence.essay_id == essay.id))).all()
    assert all(essay.body[r.start : r.end] == r.text for r in rows)
    assert any(r.text == "Walt cannot be serious." for r in rows)


async def test_a_dropped_in_essay_is_added_and_a_removed_one_retired(
    db: Database, corpus_copy: Path
) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    (corpus_copy / "new-essay.txt").write_text(
        '+++\nside = "realist"\ntitle = "Restraint"\n+++\n\nPower balances power. Always.\n',
        encoding="utf-8",
    )
    (corpus_copy / "values-2023-values-based-approach.txt").unlink()
    async with db.session() as s:
        report = await import_corpus(corpus_copy, session=s)
    assert report.added == ["new-essay"]
    assert report.retired == ["values-2023-values-based-approach"]
    async with db.session() as s:
        active = (await s.exec(select(Essay.slug).where(col(Essay.active)))).all()
        total = (await s.exec(select(func.count()).select_from(Essay))).one()
    assert set(active) == {
        "new-essay",
        "slaughter-2005-response-to-walt",
        "walt-2018-alliance-against-the-establishment",
    }
    assert total == 4


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('+++\ntitle = "No side"\n+++\n\nText.\n', "side"),
        ('+++\nside = "centrist"\ntitle = "T"\n+++\n\nText.\n', "side"),
        ('+++\nside = "values"\ntitle = "T"\n+++\n\n\n', "body"),
        ("+++\nside = values\n+++\n\nText.\n", "front matter"),
    ],
)
async def test_a_malformed_file_fails_the_whole_import_and_changes_nothing(
    db: Database, corpus_copy: Path, content: str, field: str
) -> None:
    async with db.session() as s:
        await import_corpus(corpus_copy, session=s)
    before = await snapshot(db)
    # A valid change and a malformed file together: neither may land.
    walt = corpus_copy / "walt-2018-alliance-against-the-establishment.txt"
    walt.write_text(walt.read_text(encoding="utf-8") + "\nAn added paragraph.\n", "utf-8")
    (corpus_copy / "zz-broken.txt").write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        async with db.session() as s:
            await import_corpus(corpus_copy, session=s)
    assert caught.value.field == field
    assert re.match(r"zz-broken\.txt: ", str(caught.value))
    assert await snapshot(db) == before


async def test_an_empty_corpus_folder_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \*\.txt essay files"):
        async with db.session() as s:
            await import_corpus(tmp_path, session=s)
