"""Two processes starting together both sync the command tree and both record it: one row,
no error (before, the second insert failed and that process could not start)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.db import Database
from bot.models import CommandSync
from bot.services.command_sync import needs_sync, record_sync


async def test_processes_recording_the_same_sync_at_once_both_succeed(db: Database) -> None:
    async def start_up(fingerprint: str) -> None:
        async with db.session() as session:
            if await needs_sync("global", fingerprint, session=session):
                await asyncio.sleep(0.05)  # both have read "never synced" before either writes
                await record_sync("global", fingerprint, session=session)

    await asyncio.gather(start_up("tree-a"), start_up("tree-a"), start_up("tree-a"))
    async with db.session() as session:
        rows = (await session.exec(select(CommandSync))).all()
        assert [(r.scope, r.tree_hash) for r in rows] == [("global", "tree-a")]
        assert not await needs_sync("global", "tree-a", session=session)
        assert await needs_sync("global", "tree-b", session=session)
