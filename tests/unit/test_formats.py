"""Debate formats as data: the shipped files, and malformed ones named by file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain import Side
from bot.formats import DEFAULT_FORMAT, FormatError, load_formats, parse_format
from tests.conftest import PROJECT_ROOT

FORMATS = PROJECT_ROOT / "formats"
GOOD = """
name = "Tiny"
speakers_per_side = 1
decision = "audience"

[[turn]]
kind = "speech"
side = "realist"
role = "Opening"
seconds = 60
warnings = [10]

[[turn]]
kind = "speech"
side = "values"
role = "Opening"
seconds = 60
"""


def test_the_shipped_formats() -> None:
    formats = load_formats(FORMATS)
    assert set(formats) == {
        DEFAULT_FORMAT,
        "oxford",
        "lincoln-douglas",
        "karl-popper",
        "world-schools",
    }
    default = formats[DEFAULT_FORMAT]
    assert [(t.side, t.role, t.seconds) for t in default.turns] == [
        (Side.REALIST, "Opening", 180),
        (Side.VALUES, "Opening", 180),
        (Side.REALIST, "Rebuttal", 120),
        (Side.VALUES, "Rebuttal", 120),
        (Side.REALIST, "Closing", 60),
        (Side.VALUES, "Closing", 60),
    ]
    assert default.decision == "audience" and formats["oxford"].decision == "swing"
    ld = formats["lincoln-douglas"]
    assert [t.seconds // 60 for t in ld.turns] == [6, 3, 7, 3, 4, 6, 3]
    assert sum(t.kind == "cross-examination" for t in ld.turns) == 2
    kp = formats["karl-popper"]
    assert kp.speakers_per_side == 3 and sum(t.kind == "cross-examination" for t in kp.turns) == 4
    ws = formats["world-schools"]
    assert ws.speakers_per_side == 3 and [t.role for t in ws.turns][-2:] == [
        "Opposition reply",
        "Proposition reply",
    ]
    assert all(t.protected == (60, 60) for t in ws.turns[:6])
    assert default.running_order(0.5)[0] == "1. Realist · Opening · 1:30"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('decision = "audience"', 'decision = "coin"'), "tiny.toml: decision: must be one of"),
        (("seconds = 60\nwarnings", "seconds = -5\nwarnings"), "turn[1].seconds: must be between"),
        (('side = "values"', 'side = "both"'), "turn[2].side: must be realist or values"),
        (("warnings = [10]", "warnings = [90]"), "turn[1].warnings:"),
        (
            ('role = "Opening"\nseconds = 60\nwarnings', "seconds = 60\nwarnings"),
            "turn[1].role: is missing",
        ),
        (
            ("seconds = 60\nwarnings", "speaker = 2\nseconds = 60\nwarnings"),
            "turn[1].speaker: must be a speaker number from 1 to 1",
        ),
        (('name = "Tiny"', 'name = "Tiny'), "tiny.toml: file: is not valid TOML"),
        (
            (
                '[[turn]]\nkind = "speech"\nside = "values"',
                '[[turn]]\nkind = "prep"\nside = "both"',
            ),
            "both sides need",
        ),
    ],
)
def test_a_malformed_format_names_the_file_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_format(path)
    assert parse_format(_good(tmp_path)).name == "Tiny"


def _good(folder: Path) -> Path:
    path = folder / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path
