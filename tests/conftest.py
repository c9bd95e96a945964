"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL tests create a database of their own on the server named by
MOOT_TEST_POSTGRES_URL (default: the local server, user postgres) and drop it afterwards.
Where no server answers they are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot import migrate
from bot.db import Database
from bot.errors import MootError
from bot.services.corpus_import import import_corpus
from bot.settings import PROJECT_ROOT

POSTGRES_ADMIN_URL = os.environ.get(
    "MOOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CORPUS_DIR = PROJECT_ROOT / "corpus"
SOURCES_DIR = CORPUS_DIR / "sources"


def _postgres_problem() -> str | None:
    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc}"
    return None


_POSTGRES_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _POSTGRES_PROBLEM:
        _POSTGRES_PROBLEM.append(_postgres_problem())
    return _POSTGRES_PROBLEM[0]


def _require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem} (CI=true requires it)")
    pytest.skip(problem)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        _require_postgres()
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL for an empty database that exists only for this test."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'moot.db'}"
        return
    name = f"moot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    await migrate.upgrade(database_url)
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def corpus_db(db: Database) -> Database:
    """A migrated database holding the shipped corpus."""
    async with db.session() as session:
        await import_corpus(CORPUS_DIR, session=session)
    return db


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of corpus/ for tests that add, change or break essay files."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in CORPUS_DIR.glob("*.txt"):
        (folder / path.name).write_bytes(path.read_bytes())
    yield folder


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a person would run it, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_environment(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without MOOT_ settings, on a database in `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOOT_")}
    env["MOOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'moot.db'}"
    env["MOOT_CORPUS_DIR"] = str(CORPUS_DIR)
    env["COLUMNS"] = "200"
    return env


async def attempt(db: Database, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `work(session)` in its own transaction; a refusal (or a lost race) is None."""
    try:
        async with db.session() as s:
            return await work(s)
    except MootError:
        return None
