"""Debate formats as data: TOML files in formats/, read and checked at start-up.

A format is its running order (speeches, cross-examinations, preparation), how many
speakers a side has, and how the winner is decided. formats/README.md describes the fields.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.domain import Side

DEFAULT_FORMAT = "realist-vs-values"
TurnKind = Literal["speech", "cross-examination", "prep"]
Decision = Literal["audience", "swing", "judges"]
Tie = Literal["draw", "ballots"]
_KINDS = ("speech", "cross-examination", "prep")
_DECISIONS = ("audience", "swing", "judges")
_TIES = ("draw", "ballots")


class FormatError(Exception):
    """A format file that cannot be used; names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path.name}: {field}: {problem}")


@dataclass(frozen=True)
class TurnSpec:
    """One step of the running order."""

    kind: TurnKind
    # The side speaking (for cross-examination: asking); "both" only for preparation.
    side: Side | None
    role: str
    seconds: int
    # Seconds before the end at which a warning is posted, largest first.
    warnings: tuple[int, ...] = ()
    # Which of the side's speakers (1-based) speaks or asks.
    speaker: int = 1
    # For cross-examination: which of the other side's speakers answers.
    answers: int = 1
    # Protected time at the start and end of the speech (no points of information). A
    # speech with protected time takes points of information outside it.
    protected: tuple[int, int] | None = None

    def scaled(self, pace: float) -> int:
        return max(1, round(self.seconds * pace))

    def protected_scaled(self, pace: float) -> tuple[int, int] | None:
        """The protected seconds at the start and the end, at the round's pace."""
        if self.protected is None:
            return None
        return (round(self.protected[0] * pace), round(self.protected[1] * pace))

    @property
    def everyone(self) -> bool:
        """A cross-examination in which every speaker of both sides asks and answers
        (Public Forum's grand crossfire)."""
        return self.kind == "cross-examination" and self.side is None


@dataclass(frozen=True)
class Format:
    key: str
    name: str
    description: str
    speakers_per_side: int
    decision: Decision
    tie: Tie
    audience_may_speak: bool
    voting_seconds: int
    points: tuple[int, int]
    turns: tuple[TurnSpec, ...]
    # How long an accepted point of information holds the floor.
    point_seconds: int = 15
    # Each side's pool of preparation time, drawn on between speeches (0: no pool).
    prep_seconds: int = 0
    # Whether a voice venue mutes the audience too, not only the debaters.
    silent_audience: bool = False

    def point_time(self, pace: float) -> int:
        """An accepted point's time at the round's pace."""
        return max(1, round(self.point_seconds * pace))

    def prep_pool(self, pace: float) -> int:
        """Each side's preparation pool at the round's pace (0: none)."""
        return round(self.prep_seconds * pace) if self.prep_seconds else 0

    def spec(self, position: int) -> TurnSpec | None:
        """Turn `position` (1-based) of the running order."""
        return self.turns[position - 1] if 1 <= position <= len(self.turns) else None

    def running_order(self, pace: float = 1.0) -> list[str]:
        """One line a turn: "1. Realist · Opening · 3:00"."""
        lines = []
        for number, turn in enumerate(self.turns, 1):
            who = turn.side.label if turn.side else "Both sides"
            if turn.everyone:
                who = "Every speaker"
            if turn.side and self.speakers_per_side > 1 and turn.kind != "prep":
                who += f" {turn.speaker}"
            seconds = turn.scaled(pace)
            lines.append(f"{number}. {who} · {turn.role} · {seconds // 60}:{seconds % 60:02d}")
        return lines


def _need(path: Path, data: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    field = f"{where}{key}"
    if key not in data:
        raise FormatError(path, field, "is missing")
    value = data[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise FormatError(path, field, f"must be a whole number, not {value!r}")
    if not isinstance(value, kind):
        raise FormatError(path, field, f"must be a {kind.__name__}, not {value!r}")
    return value


def _turn(path: Path, data: Any, index: int, speakers: int) -> TurnSpec:
    where = f"turn[{index}]."
    if not isinstance(data, dict):
        raise FormatError(path, f"turn[{index}]", "must be a table ([[turn]])")
    kind = _need(path, data, "kind", str, where)
    if kind not in _KINDS:
        raise FormatError(path, where + "kind", f"must be one of {', '.join(_KINDS)}")
    side_name = _need(path, data, "side", str, where)
    if side_name == "both" and kind in ("prep", "cross-examination"):
        side = None
    elif side_name in {s.value for s in Side}:
        side = Side(side_name)
    else:
        raise FormatError(
            path, where + "side", "must be realist or values (both: prep or cross-examination)"
        )
    role = _need(path, data, "role", str, where).strip()
    if not 1 <= len(role) <= 100:
        raise FormatError(path, where + "role", "must be 1 to 100 characters")
    seconds = _need(path, data, "seconds", int, where)
    if not 1 <= seconds <= 3600:
        raise FormatError(path, where + "seconds", "must be between 1 and 3600")
    warnings = data.get("warnings", [])
    if not isinstance(warnings, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) and 0 < w < seconds for w in warnings
    ):
        raise FormatError(path, where + "warnings", "must be seconds before the end of the turn")
    numbers = {}
    for key in ("speaker", "answers"):
        value = data.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= speakers:
            raise FormatError(path, where + key, f"must be a speaker number from 1 to {speakers}")
        numbers[key] = value
    protected = data.get("protected")
    if protected is not None and (
        not isinstance(protected, list)
        or len(protected) != 2
        or not all(isinstance(p, int) and p >= 0 for p in protected)
        or not all(not isinstance(p, bool) for p in protected)
        or sum(protected) >= seconds
    ):
        raise FormatError(path, where + "protected", "must be [start, end] seconds within the turn")
    if protected is not None and kind != "speech":
        raise FormatError(path, where + "protected", "is for speeches only")
    return TurnSpec(
        kind=kind,
        side=side,
        role=role,
        seconds=seconds,
        warnings=tuple(sorted(set(warnings), reverse=True)),
        speaker=numbers["speaker"],
        answers=numbers["answers"],
        protected=(protected[0], protected[1]) if protected else None,
    )


def parse_format(path: Path) -> Format:
    """Read one format file, raising FormatError naming the field that is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(path, "file", f"is not valid TOML ({exc})") from None
    name = _need(path, data, "name", str).strip()
    speakers = _need(path, data, "speakers_per_side", int)
    if not 1 <= speakers <= 5:
        raise FormatError(path, "speakers_per_side", "must be between 1 and 5")
    decision = _need(path, data, "decision", str)
    if decision not in _DECISIONS:
        raise FormatError(path, "decision", f"must be one of {', '.join(_DECISIONS)}")
    tie = data.get("tie", "draw")
    if tie not in _TIES:
        raise FormatError(path, "tie", f"must be one of {', '.join(_TIES)}")
    audience = data.get("audience_may_speak", False)
    if not isinstance(audience, bool):
        raise FormatError(path, "audience_may_speak", "must be true or false")
    voting = data.get("voting_seconds", 120)
    if isinstance(voting, bool) or not isinstance(voting, int) or not 1 <= voting <= 3600:
        raise FormatError(path, "voting_seconds", "must be between 1 and 3600")
    points = data.get("points", [20, 30])
    if (
        not isinstance(points, list)
        or len(points) != 2
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in points)
        or not 0 <= points[0] < points[1] <= 100
    ):
        raise FormatError(path, "points", "must be [lowest, highest] between 0 and 100")
    point_seconds = data.get("point_seconds", 15)
    if (
        isinstance(point_seconds, bool)
        or not isinstance(point_seconds, int)
        or not 1 <= point_seconds <= 300
    ):
        raise FormatError(path, "point_seconds", "must be between 1 and 300")
    prep = data.get("prep_seconds", 0)
    if isinstance(prep, bool) or not isinstance(prep, int) or not 0 <= prep <= 3600:
        raise FormatError(path, "prep_seconds", "must be between 0 and 3600 (0: no prep pool)")
    silent = data.get("silent_audience", False)
    if not isinstance(silent, bool):
        raise FormatError(path, "silent_audience", "must be true or false")
    raw_turns = data.get("turn")
    if not isinstance(raw_turns, list) or not raw_turns:
        raise FormatError(path, "turn", "needs at least one [[turn]]")
    turns = tuple(_turn(path, t, i, speakers) for i, t in enumerate(raw_turns, 1))
    if not any(t.kind != "prep" and t.side is Side.REALIST for t in turns) or not any(
        t.kind != "prep" and t.side is Side.VALUES for t in turns
    ):
        raise FormatError(path, "turn", "both sides need at least one turn")
    return Format(
        key=path.stem,
        name=name or path.stem,
        description=str(data.get("description", "")).strip(),
        speakers_per_side=speakers,
        decision=decision,
        tie=tie,
        audience_may_speak=audience,
        voting_seconds=voting,
        points=(points[0], points[1]),
        turns=turns,
        point_seconds=point_seconds,
        prep_seconds=prep,
        silent_audience=silent,
    )


def load_formats(directory: Path) -> dict[str, Format]:
    """Every `*.toml` format in `directory`, by key (the file name without .toml)."""
    if not directory.is_dir():
        raise FormatError(directory, "formats folder", "does not exist")
    formats = {f.key: f for f in (parse_format(p) for p in sorted(directory.glob("*.toml")))}
    if DEFAULT_FORMAT not in formats:
        raise FormatError(directory / f"{DEFAULT_FORMAT}.toml", "file", "the default is missing")
    return formats
