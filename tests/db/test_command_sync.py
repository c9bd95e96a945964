"""Two processes starting together both sync the command tree and both record it: one row,
no error (before, the second insert failed and that process could not start)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.db import Database
from bot.models import CommandSync
from bot.services.command_sync import needs_sync, record_sync

PROCESSES = 3


async def test_processes_recording_the_same_sync_at_once_both_succeed(db: Database) -> None:
    # Every one has read "never synced" before any of them writes.
    everyone_has_read = asyncio.Barrier(PROCESSES)
    found_unsynced: list[bool] = []

    async def start_up(fingerprint: str) -> None:
        # A process of its own: its own engine and connections.
        process_db = Database(db.url)
        try:
            async with process_db.session() as session:
                unsynced = await needs_sync("global", fingerprint, session=session)
                found_unsynced.append(unsynced)
                await asyncio.wait_for(everyone_has_read.wait(), 30)
                if unsynced:
                    await record_sync("global", fingerprint, session=session)
        finally:
            await process_db.close()

    await asyncio.gather(*(start_up("tree-a") for _ in range(PROCESSES)))
    assert found_unsynced == [True] * PROCESSES  # they all raced to record it
    async with db.session() as session:
        rows = (await session.exec(select(CommandSync))).all()
        assert [(r.scope, r.tree_hash) for r in rows] == [("global", "tree-a")]
        assert not await needs_sync("global", "tree-a", session=session)
        assert await needs_sync("global", "tree-b", session=session)
