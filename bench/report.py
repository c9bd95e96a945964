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
databases); `search_stem` counts the sentences of each stem, the pager's count.
A search reads the shipped and the server's heads of the word and of its
other forms, the word as typed first, with the hits, in one statement; past what the
heads make certain, pages come from the full-text engine without the hits already shown.
Autocomplete reads the heads of the 8 most frequent completions of the prefix. Multi-word
and phrase queries keep the full-text path.

Alternatives, measured at the same scale and query mix, searching as one of the 100
servers (p50 / p99 in ms, scratch measurements on this machine):

ALTERNATIVES

The full-text engines must score every match of a common word (a quarter of 266,000
sentences) and, scoped, leave out the other servers' rows first. Ranking only a
GIN-bounded candidate set is fast for common words only because it stops at 1,000
arbitrary matches: its first page is not the best ten. The engines' own vocabularies
(fts5vocab, ts_stat) were not used for the heads: two tokenisations would give two
different hit lists; one Python stemmer gives the same on both. Building the heads adds
to the bench's build step the `index_seconds` below (about 45 s on SQLite and 55 s on
PostgreSQL for 2.6 million head rows), beside `rows_seconds` for the rows themselves.
"""

# (approach, database, p50 / p99 ms for rare, mid, frequent, common), from a scratch run of
# each approach on the bench's corpus, searching as one of its servers.
SEARCH_ALTERNATIVES = [
    ("heads (chosen)", "SQLite", "1.7 / 3.3", "2.1 / 4.5", "2.6 / 3.7", "2.1 / 4.1"),
    (
        "full-text path (FTS5 bm25, ORDER BY score LIMIT; what search did before)",
        "SQLite",
        "37.1 / 52.0",
        "32.7 / 53.3",
        "38.4 / 62.8",
        "62.1 / 97.7",
    ),
    (
        "full-text autocomplete (FTS5 prefix)",
        "SQLite",
        "28.5 / 45.9",
        "34.1 / 54.2",
        "37.5 / 53.5",
        "70.4 / 125.1",
    ),
    (
        "FTS5 `ORDER BY rank LIMIT 11` alone, not even scoped",
        "SQLite",
        "3.5 / 5.4",
        "13.0 / 23.5",
        "29.6 / 61.5",
        "59.8 / 110.3",
    ),
    ("heads (chosen)", "PostgreSQL", "1.2 / 3.9", "1.4 / 2.7", "1.2 / 2.3", "1.6 / 2.6"),
    (
        "full-text path (ts_rank_cd over every GIN match; what search did before)",
        "PostgreSQL",
        "11.0 / 14.5",
        "18.3 / 31.3",
        "33.7 / 100.5",
        "82.8 / 135.6",
    ),
    (
        "full-text autocomplete (to_tsquery prefix)",
        "PostgreSQL",
        "13.3 / 16.1",
        "17.9 / 44.8",
        "37.0 / 113.6",
        "81.9 / 114.4",
    ),
    (
        "ts_rank on a GIN-bounded set (first 1,000 matches), not scoped",
        "PostgreSQL",
        "5.5 / 9.5",
        "12.2 / 23.2",
        "7.1 / 12.2",
        "2.4 / 4.8",
    ),
]
SEARCH_NOTE = SEARCH_NOTE.replace(
    "ALTERNATIVES",
    "\n".join(
        [
            "| approach | database | rare | mid | frequent | common |",
            "|---|---|---|---|---|---|",
            *("| " + " | ".join(row) + " |" for row in SEARCH_ALTERNATIVES),
        ]
    ),
)

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
