"""The rounds bench's baseline: a bare discord.py client that sends the same announcements
at the same instants as moot did, with nothing else to do (no database, no rounds).

It is its own process, like the bot. It reads a schedule of [channel id, seconds after
the start, nonce] from the JSON file named on its command line, connects to the emulator
(MOOT_TOKEN, MOOT_DISCORD_API_URL, MOOT_DISCORD_GATEWAY_URL), prints "ready", reads the
start instant (Unix seconds) from a line on stdin, sends each announcement when it is
due, prints "done" and exits.

    python bench/bare_client.py SCHEDULE.json
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord
import uvloop
import yarl
from discord.gateway import DiscordWebSocket


async def serve(calls: Callable[[discord.Client, float], list[Awaitable[None]]]) -> None:
    """Connect to the emulator, say "ready", read the start instant, make the calls that
    `calls` builds from the client and that instant, say "done" and close."""
    discord.http.Route.BASE = os.environ["MOOT_DISCORD_API_URL"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["MOOT_DISCORD_GATEWAY_URL"])
    client = discord.Client(intents=discord.Intents(guilds=True))
    ready = asyncio.Event()
    client.event(ready_handler(ready))
    runner = asyncio.create_task(client.start(os.environ["MOOT_TOKEN"]))
    await ready.wait()
    print("ready", flush=True)
    start = float(await asyncio.to_thread(sys.stdin.readline))
    await asyncio.gather(*calls(client, start))
    print("done", flush=True)
    await client.close()
    await runner


def ready_handler(ready: asyncio.Event):  # type: ignore[no-untyped-def]
    async def on_ready() -> None:
        ready.set()

    return on_ready


def announcements(schedule: list[list[str | float]]) -> Callable[..., list[Awaitable[None]]]:
    def calls(client: discord.Client, start: float) -> list[Awaitable[None]]:
        async def announce(channel_id: int, after: float, nonce: str) -> None:
            await asyncio.sleep(max(0.0, start + after - time.time()))
            channel = client.get_partial_messageable(channel_id)
            embed = discord.Embed(title="Turn", description="The floor is yours.")
            await channel.send(embed=embed, nonce=nonce)

        return [announce(int(c), float(a), str(n)) for c, a, n in schedule]

    return calls


if __name__ == "__main__":
    uvloop.run(serve(announcements(json.loads(Path(sys.argv[1]).read_text()))))
