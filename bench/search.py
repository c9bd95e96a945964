"""Search and autocomplete latency on a corpus 1,000 times the size of the shipped one.

Builds synthetic essays from the real paragraphs (each copy shuffles its essay's paragraphs
and has its own slug and ids), on SQLite and on PostgreSQL (when reachable), then times
`search` and `suggest` (the whole term typed, matched as a prefix) over a fixed query mix
of rare, mid-frequency, frequent and very common terms (see `query_mix`),
and a naive `LIKE '%term%'` scan for comparison. Prints a table and writes
bench/results/search.json.

    .venv/bin/python bench/search.py [--scale 1000] [--runs 200] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import machine, percentiles, write_results  # noqa: E402
from bot import migrate  # noqa: E402
from bot.corpus import EssayFile, load_corpus, paragraph_spans, sentence_spans  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.models import Essay, Passage, Sentence, utcnow  # noqa: E402
from bot.services.corpus_import import import_corpus  # noqa: E402
from bot.services.search import search, suggest  # noqa: E402
from bot.services.search.heads import SHIPPED, rebuild_scope  # noqa: E402

TARGET_P99_MS = 10.0
TARGET_NAIVE_RATIO = 50.0
NAME = "search"
POSTGRES_ADMIN_URL = os.environ.get(
    "MOOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
WORD = re.compile(r"[a-z]{4,}")


async def query_mix(essays: list[EssayFile], per_class: int = 8) -> dict[str, list[str]]:
    """Terms classed by how many of the seed's 135 sentences the search itself matches.

    Counted with the real index on the seed corpus, so stemming is included ("balancing"
    also matches "balance"). Every seed sentence appears `scale` times in the synthetic
    corpus, so the share of sentences a term matches is the same at any scale:
    rare = 1 sentence (0.7%), mid = 2-5 (1.5-3.7%), frequent = 6-15 (4-11%),
    common = the most matched content words (up to 25%).
    """
    words = sorted({w for e in essays for w in WORD.findall(e.body.lower())})
    stop = {"that", "this", "with", "from", "have", "been", "their", "they", "which", "were"}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/seed.db"
        await migrate.upgrade(url)
        db = Database(url)
        async with db.session() as session:
            await import_corpus(ROOT / "corpus", session=session)
        async with db.session() as session:
            connection = await session.connection()
            counts = {}
            for word in words:
                counts[word] = (
                    await connection.execute(
                        text("SELECT count(*) FROM search_sentence WHERE search_sentence MATCH :q"),
                        {"q": f'text : "{word}"'},
                    )
                ).scalar_one()
        await db.close()
    rng = random.Random(7)

    def having(low: int, high: int) -> list[str]:
        return [w for w in words if low <= counts[w] <= high and w not in stop]

    common = sorted((w for w in words if w not in stop), key=lambda w: -counts[w])
    return {
        "rare": rng.sample([w for w in having(1, 1) if len(w) >= 6], per_class),
        "mid": rng.sample(having(2, 5), per_class),
        "frequent": rng.sample(having(6, 15), per_class),
        "common": common[:per_class],
    }


# Servers with a reading list of their own beside the shipped essays (see `build`); the
# bench searches as one of them, so per-server scoping is measured.
SERVERS = 100
ESSAYS_PER_SERVER = 30
FIRST_GUILD = 900_000_000_000_000_000


def guild_ids(servers: int = SERVERS) -> list[int]:
    return [FIRST_GUILD + number for number in range(servers)]


async def build(
    db: Database,
    essays: list[EssayFile],
    scale: int,
    *,
    servers: int = SERVERS,
    per_server: int = ESSAYS_PER_SERVER,
) -> dict[str, Any]:
    """Insert `scale` shuffled copies of every essay (shipped, seen by every server), and
    `per_server` essays on each of `servers` servers' reading lists (copies of the same
    essays, seen by that server only), with core inserts (FTS triggers fire); then index
    each scope as the import and /corpus add do (bot/services/search/heads.py)."""
    rng = random.Random(1)
    counts = Counter[str]()
    started = time.perf_counter()
    async with db.session() as session:
        connection = await session.connection()
        batches: list[list[tuple[EssayFile, str, int | None]]] = [
            [(essay, f"{essay.slug}-{copy}", None) for essay in essays] for copy in range(scale)
        ]
        for guild_id in guild_ids(servers):
            batches.append(
                [
                    (
                        essays[n % len(essays)],
                        f"{essays[n % len(essays)].slug}.{guild_id}-{n}",
                        guild_id,
                    )
                    for n in range(per_server)
                ]
            )
        for batch in batches:
            await _insert(connection, rng, batch, counts)
    counts_out: dict[str, Any] = dict(counts)
    counts_out["servers"] = servers
    counts_out["essays_per_server"] = per_server
    counts_out["rows_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    head_rows = 0
    async with db.session() as session:
        connection = await session.connection()
        for scope in [SHIPPED, *guild_ids(servers)]:
            head_rows += await rebuild_scope(connection, scope)
    counts_out["head_rows"] = head_rows
    counts_out["index_seconds"] = round(time.perf_counter() - started, 1)
    async with db.session() as session:
        connection = await session.connection()
        if db.dialect == "sqlite":
            for table in ("search_passage", "search_sentence"):
                await connection.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
            await connection.execute(text("ANALYZE"))
        else:
            await connection.execute(text("ANALYZE"))
    return counts_out


async def _insert(
    connection: Any,
    rng: random.Random,
    batch: list[tuple[EssayFile, str, int | None]],
    counts: Counter[str],
) -> None:
    now = utcnow()
    essay_rows, bodies, sides = [], [], []
    for essay, slug, guild_id in batch:
        paragraphs = [essay.body[s:e] for s, e in paragraph_spans(essay.body)]
        rng.shuffle(paragraphs)
        body = "\n\n".join(paragraphs)
        bodies.append(body)
        sides.append(essay.side.value)
        essay_rows.append(
            {
                "slug": slug,
                "guild_id": guild_id,
                "side": essay.side.value,
                "title": essay.title,
                "title_is_label": essay.title_is_label,
                "author": essay.author,
                "complete": essay.complete,
                "body": body,
                "content_hash": slug[-64:],
                "active": True,
                "imported_at": now,
            }
        )
    ids = (await connection.execute(insert(Essay).returning(Essay.id), essay_rows)).scalars()
    passage_rows, spans = [], []
    for essay_id, side, body in zip(ids, sides, bodies, strict=True):
        for number, (start, end) in enumerate(paragraph_spans(body), start=1):
            passage_rows.append(
                {
                    "essay_id": essay_id,
                    "side": side,
                    "position": number,
                    "start": start,
                    "end": end,
                    "text": body[start:end],
                }
            )
            spans.append((essay_id, side, body, start, end))
    passage_ids = (
        await connection.execute(insert(Passage).returning(Passage.id), passage_rows)
    ).scalars()
    sentence_rows = []
    for passage_id, (essay_id, side, body, start, end) in zip(passage_ids, spans, strict=True):
        for number, (s, e) in enumerate(sentence_spans(body[start:end], start), start=1):
            sentence_rows.append(
                {
                    "essay_id": essay_id,
                    "passage_id": passage_id,
                    "side": side,
                    "position": number,
                    "start": s,
                    "end": e,
                    "text": body[s:e],
                }
            )
    await connection.execute(insert(Sentence), sentence_rows)
    counts["essays"] += len(essay_rows)
    counts["passages"] += len(passage_rows)
    counts["sentences"] += len(sentence_rows)


async def timed(runs: int, terms: list[str], call: Any) -> dict[str, float]:
    samples = []
    for _ in range(2):  # warm the caches
        for term in terms:
            await call(term)
    for index in range(runs):
        term = terms[index % len(terms)]
        started = time.perf_counter()
        await call(term)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def servers_in(rows: dict[str, Any]) -> int:
    return int(rows.get("servers", 0)) or 1


async def measure(
    db: Database, mix: dict[str, list[str]], runs: int, db_rows: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"search": {}, "suggest": {}, "naive_like": {}}
    # Each search comes from one of the servers in turn: it sees the shipped essays and
    # that server's own, never another server's.
    servers = itertools.cycle(guild_ids(servers_in(db_rows)))
    async with db.session() as session:

        async def do_search(term: str) -> None:
            await search(term, session=session, guild_id=next(servers))

        async def do_suggest(term: str) -> None:
            # The member has typed the whole word: it is matched as a prefix, so the
            # suggestions also cover its longer forms ("ally" -> "allying", "allyship").
            await suggest(term, session=session, guild_id=next(servers))

        async def do_naive(term: str) -> None:
            connection = await session.connection()
            await connection.execute(
                text("SELECT id FROM sentence WHERE lower(text) LIKE :p"), {"p": f"%{term}%"}
            )

        for label, terms in mix.items():
            out["search"][label] = await timed(runs, terms, do_search)
            out["suggest"][label] = await timed(runs, terms, do_suggest)
            out["naive_like"][label] = await timed(max(10, runs // 10), terms, do_naive)
            for kind in ("search", "suggest"):
                out[kind][label]["naive_ratio_p50"] = round(
                    out["naive_like"][label]["p50_ms"] / max(out[kind][label]["p50_ms"], 1e-6), 1
                )
    return out


async def postgres_url() -> tuple[str, str] | None:
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except Exception:
        return None
    name = f"moot_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}", name


async def bench_database(kind: str, sqlite_file: Path) -> tuple[str, str | None] | None:
    """A migrated database for a bench: (URL, PostgreSQL database name to drop after, or
    None for SQLite at `sqlite_file`). None when PostgreSQL was asked for and is not
    reachable."""
    name = None
    url = f"sqlite+aiosqlite:///{sqlite_file}"
    if kind == "postgresql":
        created = await postgres_url()
        if created is None:
            return None
        url, name = created
    await migrate.upgrade(url)
    return url, name


async def drop_postgres(name: str) -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def run_backend(
    url: str, essays: list[EssayFile], mix: dict[str, list[str]], scale: int, runs: int
) -> dict[str, Any]:
    await migrate.upgrade(url)
    db = Database(url)
    try:
        started = time.perf_counter()
        rows = await build(db, essays, scale)
        build_seconds = round(time.perf_counter() - started, 1)
        figures = await measure(db, mix, runs, rows)
    finally:
        await db.close()
    return {"rows": rows, "build_seconds": build_seconds, **figures}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    console = Console()
    essays = load_corpus(ROOT / "corpus")
    mix = await query_mix(essays)
    results: dict[str, Any] = {
        "benchmark": "search",
        "machine": machine(),
        "scale": args.scale,
        "runs_per_class": args.runs,
        "query_mix": mix,
        "target": f"every term class, both databases: search and suggest p99 <= "
        f"{TARGET_P99_MS} ms, search >= {TARGET_NAIVE_RATIO}x faster than a LIKE scan (p50)",
        "backends": {},
    }
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{folder}/bench.db"
                console.print(f"[bold]sqlite[/]: building {args.scale}x corpus ...")
                results["backends"]["sqlite"] = await run_backend(
                    url, essays, mix, args.scale, args.runs
                )
        elif backend == "postgresql":
            created = await postgres_url()
            if created is None:
                console.print("[yellow]postgresql: not reachable, skipped[/]")
                results["backends"]["postgresql"] = {"skipped": "not reachable"}
                continue
            url, name = created
            console.print(f"[bold]postgresql[/]: building {args.scale}x corpus ...")
            try:
                results["backends"]["postgresql"] = await run_backend(
                    url, essays, mix, args.scale, args.runs
                )
            finally:
                await drop_postgres(name)
    measured = {b: f for b, f in results["backends"].items() if "search" in f}
    if measured:
        results["target_met"] = {
            backend: {
                cls: figures["search"][cls]["p99_ms"] <= TARGET_P99_MS
                and figures["suggest"][cls]["p99_ms"] <= TARGET_P99_MS
                and figures["search"][cls]["naive_ratio_p50"] >= TARGET_NAIVE_RATIO
                for cls in ("rare", "mid", "frequent", "common")
            }
            for backend, figures in measured.items()
        }
    report(console, results)
    write_results(NAME, results, console)
    return 0


def report(console: Console, results: dict[str, Any]) -> None:
    for backend, figures in results["backends"].items():
        if "search" not in figures:
            continue
        rows = figures["rows"]
        table = Table(
            title=f"{backend}: {rows['essays']} essays, {rows['passages']} passages, "
            f"{rows['sentences']} sentences, {rows.get('servers', 0)} servers x "
            f"{rows.get('essays_per_server', 0)} essays (rows {rows.get('rows_seconds')} s, "
            f"index {rows.get('index_seconds')} s)"
        )
        for column in (
            "terms",
            "search p50",
            "search p99",
            "suggest p50",
            "suggest p99",
            "LIKE scan p50",
            "LIKE / search",
            "LIKE / suggest",
        ):
            table.add_column(column, justify="right")
        for cls in ("rare", "mid", "frequent", "common"):
            s, g, n = figures["search"][cls], figures["suggest"][cls], figures["naive_like"][cls]
            table.add_row(
                cls,
                f"{s['p50_ms']:.2f} ms",
                f"{s['p99_ms']:.2f} ms",
                f"{g['p50_ms']:.2f} ms",
                f"{g['p99_ms']:.2f} ms",
                f"{n['p50_ms']:.1f} ms",
                f"{s['naive_ratio_p50']}x",
                f"{g['naive_ratio_p50']}x",
            )
        console.print(table)
    if "target_met" in results:
        console.print(f"target ({results['target']}): {results['target_met']}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
