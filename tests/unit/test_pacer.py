"""A process whose shared request schedule (PostgreSQL) cannot be reached, or stops
answering, still sends, pacing itself at its shards' share, and says so once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import pacing
from bot.db import Database
from bot.pacing import RequestPacer
from bot.services import budget
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


async def test_a_database_that_stops_answering_holds_no_request_up(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes the connection and never answers (a partition, a failover):
    the request goes on, paced alone, once the reservation's short deadline passes, not
    after asyncpg's 60-second default."""
    silent: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)  # never a byte back

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(budget, "RESERVE_TIMEOUT", 0.3)
    monkeypatch.setattr(pacing, "RESERVE_TIMEOUT", 0.3)
    mute = Database(f"postgresql+asyncpg://moot@127.0.0.1:{port}/moot")
    pacer = RequestPacer(load_settings(post_rate=1000), mute)
    try:
        with caplog.at_level(logging.WARNING, logger="moot.bot"):
            async with asyncio.timeout(30):  # a bound for a loaded machine, not the check
                async with pacer:
                    pass
    finally:
        await pacer.close()
        await mute.close()
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()
    assert any("unreachable" in r.getMessage() for r in caplog.records)
    assert pacer._retry_at is not None  # pacing alone until it asks again
