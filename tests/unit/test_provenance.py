"""How an essay's title, author and date are shown (bot/embeds.py), and which of the
corpus's notes say a value was inferred (bot/corpus.py)."""

from __future__ import annotations

from pathlib import Path

from bot.corpus import is_inferred, parse_essay
from bot.domain import Side
from bot.names import Names
from bot.provenance import essay_author, essay_date, essay_title
from bot.services.excerpts import ExcerptView
from cogs.excerpts.render import thread_name

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_the_corpus_notes_say_which_authors_and_dates_were_inferred() -> None:
    essays = {p.stem.split("-")[0]: parse_essay(p) for p in CORPUS.glob("*.txt")}
    walt, slaughter, values = essays["walt"], essays["slaughter"], essays["values"]
    assert not is_inferred(walt.author_note) and not is_inferred(walt.published_note)
    assert is_inferred(slaughter.author_note) and is_inferred(slaughter.published_note)
    assert is_inferred(values.published_note)
    assert not is_inferred(None)


def test_inferred_values_are_marked_and_stated_ones_are_not() -> None:
    assert essay_author("Anne-Marie Slaughter", True) == "Anne-Marie Slaughter (attributed)"
    assert essay_author("Stephen M. Walt", False) == "Stephen M. Walt"
    assert essay_author(None, True) == "author unknown"
    assert essay_date("2005", True) == "2005 (inferred)"
    assert essay_date("2018-09-24", False) == "2018-09-24"


def test_a_label_keeps_its_brackets_when_cut_to_fit() -> None:
    assert essay_title("Response to Walt", True) == "[Response to Walt]"
    assert essay_title("A Title", False) == "A Title"
    cut = essay_title("word " * 40, True, limit=91)
    assert len(cut) <= 91 and cut.startswith("[") and cut.endswith("…]")


def test_an_excerpt_thread_is_named_after_its_essay_label_marked_mentions_by_name() -> None:
    excerpt = ExcerptView(
        id=1,
        side=Side.VALUES,
        text="A passage.",
        first_position=1,
        last_position=1,
        paragraphs=3,
        essay_slug="an-essay",
        essay_title="On <@&5> and @everyone " + "at length " * 20,
        title_is_label=True,
        author=None,
        author_attributed=False,
        published=None,
        published_inferred=False,
        source_url=None,
    )
    name = thread_name(excerpt, Names(role={5: "Moderators"}.get))
    assert name.startswith("Discuss: [On Moderators and everyone at length")
    assert name.endswith("…]") and len(name) <= 100
