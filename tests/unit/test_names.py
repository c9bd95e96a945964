"""A member-typed text shown as a name (bot/names.py): mentions as names, no ping look."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.names import NO_NAMES, Names, as_name
from bot.provenance import fit

KNOWN = Names(
    member={7: "Carol"}.get,
    role={5: "Moderators"}.get,
    channel={9: "general"}.get,
)


def test_mentions_become_the_names_the_server_knows() -> None:
    typed = "@everyone @here <@&5> <@7> <@!7> <#9> <:realism:123> <a:spin:456>"
    assert as_name(typed, KNOWN) == "everyone here Moderators Carol Carol #general :realism: :spin:"


def test_unknown_mentions_become_neutral_words() -> None:
    assert as_name("<@&1> and <@2> in <#3>", KNOWN) == "a role and someone in #a channel"
    assert as_name("Round 1: <@&1>", NO_NAMES) == "Round 1: a role"


def test_plain_text_and_near_misses_are_left_as_typed() -> None:
    for typed in ("Is the U.S. right?", "email me@everyone.org", "<@abc>", "5 < 6 > 4", "@ here"):
        assert as_name(typed, KNOWN) == typed


def test_whitespace_becomes_single_spaces_and_long_names_are_cut_with_an_ellipsis() -> None:
    assert as_name("  A\nmotion\t here ", KNOWN) == "A motion here"
    cut = as_name("Round 1: " + "word " * 40, KNOWN, limit=100)
    assert len(cut) <= 100 and cut.endswith("word…")
    assert fit("short", 100) == "short"


@given(st.text(max_size=300), st.integers(min_value=2, max_value=256))
def test_a_name_never_exceeds_its_limit_nor_keeps_a_mention(text: str, limit: int) -> None:
    shown = as_name(text, KNOWN, limit=limit)
    assert len(shown) <= limit
    assert not re.search(r"(?<!\w)@(everyone|here)\b|<@!?&?\d+>", shown)
