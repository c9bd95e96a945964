"""A process whose shared request schedule (PostgreSQL) cannot be reached still sends,
pacing itself at its shards' share, and says so once, not at every request."""

from __future__ import annotations

import logging

import pytest

from bot.db import Database
from bot.pacing import RequestPacer
from bot.settings import load_settings


async def test_an_unreachable_database_paces_alone_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 1: every reservation fails at once, without a server.
    gone = Database("postgresql+asyncpg://moot@127.0.0.1:1/moot")
    pacer = RequestPacer(load_settings(post_rate=1000), gone)
    pacer.RETRY_SECONDS = 0.0  # ask the database again at every request
    try:
        with caplog.at_level(logging.WARNING, logger="moot.bot"):
            for _ in range(3):
                async with pacer:
                    pass
    finally:
        await pacer.close()
        await gone.close()
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1
    assert pacer._retry_at is not None  # still pacing alone
