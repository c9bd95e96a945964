"""The floor bench's baseline: a bare discord.py client that makes the same floor changes
(Modify User Voice State) at the same instants as moot did, with nothing else to do.

Its own process, like the bot. It reads a schedule of [guild id, user id, Stage id,
seconds after the start, suppress] from the JSON file named on its command line, connects
to the emulator (MOOT_TOKEN, MOOT_DISCORD_API_URL, MOOT_DISCORD_GATEWAY_URL), prints
"ready", reads the start instant (Unix seconds) from a line on stdin, makes each change
when it is due, prints "done" and exits.

    python bench/bare_voice_client.py SCHEDULE.json
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import discord
import uvloop
import yarl
from discord.gateway import DiscordWebSocket


async def main(schedule: list[list[int | float | bool]]) -> None:
    discord.http.Route.BASE = os.environ["MOOT_DISCORD_API_URL"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["MOOT_DISCORD_GATEWAY_URL"])
    client = discord.Client(intents=discord.Intents(guilds=True))
    ready = asyncio.Event()
    client.event(ready_handler(ready))
    runner = asyncio.create_task(client.start(os.environ["MOOT_TOKEN"]))
    await ready.wait()
    print("ready", flush=True)
    start = float(await asyncio.to_thread(sys.stdin.readline))

    async def change(guild: int, user: int, stage: int, after: float, suppress: bool) -> None:
        await asyncio.sleep(max(0.0, start + after - time.time()))
        await client.http.edit_voice_state(
            guild, user, {"channel_id": str(stage), "suppress": suppress}
        )

    await asyncio.gather(
        *(change(int(g), int(u), int(c), float(a), bool(s)) for g, u, c, a, s in schedule)
    )
    print("done", flush=True)
    await client.close()
    await runner


def ready_handler(ready: asyncio.Event):  # type: ignore[no-untyped-def]
    async def on_ready() -> None:
        ready.set()

    return on_ready


if __name__ == "__main__":
    uvloop.run(main(json.loads(Path(sys.argv[1]).read_text())))
