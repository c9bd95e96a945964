"""Alembic environment: async engine, batch mode, dialect-specific search objects ignored."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.models.columns import StoredEnum

config = context.config
target_metadata = SQLModel.metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    # The full-text search objects (SQLite FTS5 tables and their shadow tables, PostgreSQL
    # tsvector columns and GIN indexes) differ per dialect and are written by hand in the
    # migrations, all named search_* or ix_search_*; autogenerate must leave them alone.
    return not (name and name.startswith(("search_", "ix_search_")))


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # An enum column is a plain VARCHAR in the database: a migration spells it so, rather than
    # importing the application's column type (which it could not even rebuild from its repr).
    if type_ == "type" and isinstance(obj, StoredEnum):
        return f"sa.String(length={obj.length})"
    return False


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_name,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    # No foreign_keys pragma here: batch mode rebuilds SQLite tables, and with foreign keys
    # on, dropping the old table would cascade-delete the rows that point at it.
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.settings import load_settings

        url = load_settings().database_url
    asyncio.run(run_async_migrations(url))


if context.is_offline_mode():
    raise SystemExit("moot's migrations run online only: python -m bot migrate")
run_migrations_online()
