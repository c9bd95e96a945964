"""Migrations: upgrade, no drift from the models, downgrade, upgrade again."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from bot import migrate


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_check_downgrade_upgrade(database_url: str, backend: str) -> None:
    await migrate.upgrade(database_url)
    await migrate.check(database_url)  # raises if the models and the schema differ
    tables = await table_names(database_url)
    assert {"essay", "passage", "sentence", "guild_config"} <= tables
    if backend == "sqlite":
        assert {"search_passage", "search_sentence"} <= tables
    await migrate.downgrade(database_url)
    assert await table_names(database_url) <= {"alembic_version"}
    await migrate.upgrade(database_url)
    await migrate.check(database_url)
    assert {"essay", "passage", "sentence", "guild_config"} <= await table_names(database_url)
