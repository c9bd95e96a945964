"""How /quote random weighs sentences."""

from __future__ import annotations

from bot.services.quotes import punchiness


def test_short_complete_sentences_are_preferred() -> None:
    punchy = punchiness(120, True)
    assert punchy == 1.0
    assert punchiness(440, True) == 0.25
    assert punchiness(30, True) < punchy
    assert punchiness(120, False) < punchiness(30, True)
    assert punchiness(900, True) < punchiness(440, True)
    assert all(punchiness(n, e) > 0 for n in (1, 50, 5000) for e in (True, False))
