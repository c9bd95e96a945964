"""The performance report: every figure in bench/results/*.json, with the machine it ran on,
when, and the target it is held against, written to bench/REPORT.md. `make bench` runs it
after the benchmarks.

    .venv/bin/python bench/report.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import RESULTS_DIR  # noqa: E402

REPORT = ROOT / "bench" / "REPORT.md"
SEARCH_NOTE = """\
How: impact-ordered heads (`bot/services/search/heads.py`, `fast.py`). For a one-word
query BM25's idf is the same for every hit, so the order is the term-frequency part with
length normalisation, a static score per (word, sentence). `search_head` keeps each
word's best 100 sentences by that score, per scope (the shipped essays; each server's
own), keyed (scope, word, place); `search_df` holds each word's frequency per scope and
`search_word` the vocabulary with stems (Snowball English in Python, the same on both
databases). A search reads the shipped and the server's heads of the word and of its
other forms, the word as typed first, with the hits, in one statement; past what the
heads make certain, pages come from the full-text engine without the hits already shown.
Autocomplete reads the heads of the 8 most frequent completions of the prefix. Multi-word
and phrase queries keep the full-text path.

Alternatives, measured at the same scale and query mix, searching as one of the 100
servers (p50 / p99 in ms, scratch measurements on this machine):

ALTERNATIVES
"""

# What each benchmark measures, in a sentence (the scripts' docstrings say more).
ABOUT = {
    "core": "Start-up until the gateway is identified and the first command is answered; "
    "the round trip of /help.",
    "search": "One-word search and autocomplete latency over the shipped corpus scaled up "
    "1000 times plus 100 servers with 30 essays each of their own, searching as one of "
    "those servers, beside a naive LIKE scan in the same run.",
    "quotes": "/quote search and autocomplete latency through the command layer, "
    "corpus scaled up 1000 times.",
    "excerpts": "Daily excerpts for many servers due in the same minute, under Discord's "
    "global rate limit.",
    "excerpts_processes": "The same with the bot as several processes on one PostgreSQL, "
    "the shards split between them, sharing the token's global rate limit through the "
    "request schedule kept in that database.",
    "round_ticks": "The round service's own CPU per turn change, by how many rounds change "
    "together (no Discord).",
    "floor": "200 rounds on Stages with 2-second turns in one bot process, against the "
    "emulator: from each turn's deadline to the next speaker brought up to speak.",
    "rounds": "500 concurrent rounds with 2-second turns in one bot process, against the "
    "emulator: how late each turn change is.",
    "soak": "A season of 50 servers over 3 weeks (excerpts, planned rounds played through, "
    "quotes) under 429s, 5xx, gateway drops and SIGKILLs, checked against the script's "
    "own record.",
}
# How a benchmark's figures came to be what they are, where that needs more than a line.
NOTES = {
    "search": SEARCH_NOTE,
}
NO_TARGET = "none: a diagnostic figure, read next to the others"
SKIPPED = {"benchmark", "machine", "ran_at", "target", "targets", "target_met"}


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted name, printed value) for every figure in a results document."""
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, inner in value.items():
            if not prefix and key in SKIPPED:
                continue
            rows += flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, str(value))]


def verdict(results: dict[str, Any]) -> str:
    met = results.get("target_met")
    if met is None:
        return "—"
    if isinstance(met, bool):
        return "met" if met else "**not met**"
    parts = [f"{name} {'met' if ok == 'True' else '**not met**'}" for name, ok in flatten(met)]
    return "; ".join(parts)


def machine_text(machine: dict[str, Any]) -> str:
    memory = f", {machine['memory_gib']} GiB" if machine.get("memory_gib") else ""
    model = machine.get("cpu_model") or "processor not recorded"
    return (
        f"{machine.get('cpus')} CPUs ({model}){memory}, {machine.get('platform')}, "
        f"Python {machine.get('python')}"
    )


def render(documents: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "# Performance report",
        "",
        "Written by `make bench` (`bench/report.py`) from `bench/results/*.json`. Each",
        "figure comes with the machine it ran on and the target it is held against.",
        "Figures from different machines are not comparable with each other.",
        "",
        "| benchmark | ran at (UTC) | target | verdict |",
        "|---|---|---|---|",
    ]
    for name, results in documents:
        target = results.get("target") or results.get("targets") or NO_TARGET
        lines.append(
            f"| [{name}](#{name}) | {results.get('ran_at', 'not recorded')} | {target} "
            f"| {verdict(results)} |"
        )
    for name, results in documents:
        kind = results.get("benchmark", name)
        lines += [
            "",
            f"## {name}",
            "",
            ABOUT.get(kind, f"`bench/{kind}.py`."),
            "",
            *([NOTES[kind], ""] if kind in NOTES else []),
            f"- Command: `{results['command']}`"
            if "command" in results
            else f"- Script: `bench/{kind}.py`",
            f"- Ran at: {results.get('ran_at', 'not recorded')}",
            f"- Machine: {machine_text(results.get('machine') or {})}",
            f"- Target: {results.get('target') or results.get('targets') or NO_TARGET}",
            f"- Verdict: {verdict(results)}",
            "",
            "| figure | value |",
            "|---|---|",
        ]
        lines += [f"| {key} | {value} |" for key, value in flatten(results)]
    return "\n".join(lines) + "\n"


def main() -> int:
    documents = [
        (path.stem, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(RESULTS_DIR.glob("*.json"))
    ]
    if not documents:
        print("no results in bench/results/: run the benchmarks first (make bench)")
        return 1
    REPORT.write_text(render(documents), encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)} from {len(documents)} results files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
