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
        "public-forum",
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
    # Points of information and prep pools: the defaults, and the formats that set them.
    assert (default.point_seconds, default.prep_seconds, default.silent_audience) == (15, 0, False)
    assert ws.point_seconds == 15 and ws.point_time(0.5) == 8
    assert ws.turns[0].protected_scaled(0.5) == (30, 30) and ws.turns[6].protected is None
    assert ld.prep_seconds == 240 and ld.prep_pool(0.5) == 120 and default.prep_pool(1) == 0


def test_public_forum_has_the_nsda_times() -> None:
    pf = load_formats(FORMATS)["public-forum"]
    assert pf.speakers_per_side == 2 and pf.decision == "judges" and pf.prep_seconds == 180
    assert [(t.kind, t.role, t.seconds // 60) for t in pf.turns] == [
        ("speech", "First constructive", 4),
        ("speech", "Second constructive", 4),
        ("cross-examination", "First crossfire", 3),
        ("speech", "First rebuttal", 4),
        ("speech", "Second rebuttal", 4),
        ("cross-examination", "Second crossfire", 3),
        ("speech", "First summary", 3),
        ("speech", "Second summary", 3),
        ("cross-examination", "Grand crossfire", 3),
        ("speech", "First final focus", 2),
        ("speech", "Second final focus", 2),
    ]
    # Crossfires pair the speakers of the same number; the grand crossfire is everyone's.
    assert [(t.speaker, t.answers) for t in (pf.turns[2], pf.turns[5])] == [(1, 1), (2, 2)]
    grand = pf.turns[8]
    assert grand.side is None and grand.everyone and not pf.turns[2].everyone
    assert pf.running_order()[8] == "9. Every speaker · Grand crossfire · 3:00"
    # Each speaker gives one speech of each kind, in the standard order.
    assert [(t.side, t.speaker) for t in pf.turns if t.kind == "speech"] == [
        (Side.REALIST, 1),
        (Side.VALUES, 1),
        (Side.REALIST, 2),
        (Side.VALUES, 2),
        (Side.REALIST, 1),
        (Side.VALUES, 1),
        (Side.REALIST, 2),
        (Side.VALUES, 2),
    ]


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
        (
            ('decision = "audience"', 'decision = "audience"\npoint_seconds = 0'),
            "tiny.toml: point_seconds: must be between 1 and 300",
        ),
        (
            ('decision = "audience"', 'decision = "audience"\npoint_seconds = "15"'),
            "point_seconds: must be between",
        ),
        (
            ('decision = "audience"', 'decision = "audience"\nprep_seconds = -1'),
            "tiny.toml: prep_seconds: must be between 0 and 3600",
        ),
        (
            ('decision = "audience"', 'decision = "audience"\nprep_seconds = true'),
            "prep_seconds: must be between",
        ),
        (
            ('decision = "audience"', 'decision = "audience"\nsilent_audience = "yes"'),
            "tiny.toml: silent_audience: must be true or false",
        ),
        (
            ("warnings = [10]", "warnings = [10]\nprotected = [30, 30]"),
            "turn[1].protected: must be [start, end] seconds within the turn",
        ),
        (
            ("warnings = [10]", "warnings = [10]\nprotected = [true, 5]"),
            "turn[1].protected: must be",
        ),
        (
            ('kind = "speech"\nside = "values"', 'kind = "speech"\nside = "both"'),
            "turn[2].side: must be realist or values .both: prep or cross-examination.",
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


def test_protected_time_is_for_speeches_only(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "speech"', 'kind = "cross-examination"', 1).replace(
        "warnings = [10]", "warnings = [10]\nprotected = [5, 5]"
    )
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=r"tiny.toml: turn\[1\].protected: is for speeches only"):
        parse_format(path)
