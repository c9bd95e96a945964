"""The database: an async engine and one session per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# Writers wait this long for SQLite's lock instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_CACHE_KIB = 64 * 1024
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Keep the search index in memory: the default 2 MB page cache is smaller than the FTS
    # index of even a modest corpus, and every search would read it back from the OS.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder a SQLite database file lives in, so a fresh checkout just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, pool_size: int | None = None) -> AsyncEngine:
    """Build the async engine for `url`, with SQLite's pragmas on every connection."""
    ensure_sqlite_folder(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        options: dict[str, Any] = {}
        if parsed.database not in (None, "", ":memory:"):
            # SQLite lets one transaction write at a time. With one connection, this
            # process's sessions queue for it on the event loop; with several, each waits
            # for the file lock in its own thread, sleeping in growing steps, and under a
            # burst (hundreds of rounds starting at once) gives up with "database is
            # locked". Other processes still wait on the lock (busy_timeout).
            options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    sizes = {"pool_size": pool_size, "max_overflow": 0} if pool_size else {}
    return create_async_engine(url, pool_pre_ping=True, **sizes)


class Database:
    """Owns the engine and hands out sessions that commit on success, roll back on error."""

    def __init__(self, url: str, pool_size: int | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def close(self) -> None:
        await self.engine.dispose()


def _insert(session: AsyncSession, table: Any, values: dict[str, Any]) -> Any:
    """An INSERT in the session's dialect, which knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).values(**values)


async def upsert(
    session: AsyncSession, table: Any, values: dict[str, Any], keys: list[str]
) -> None:
    """Insert `values`, or update the row with the same `keys` to them: one atomic statement,
    so two clicks at once leave one row whichever lands first."""
    changes = {k: v for k, v in values.items() if k not in keys}
    statement = _insert(session, table, values)
    await session.exec(statement.on_conflict_do_update(index_elements=keys, set_=changes))


async def insert_new(
    session: AsyncSession, table: Any, values: dict[str, Any], keys: list[str]
) -> None:
    """Insert `values` unless a row with the same `keys` exists: two processes (or a retry)
    adding the same row leave one."""
    statement = _insert(session, table, values)
    await session.exec(statement.on_conflict_do_nothing(index_elements=keys))
