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
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

import discord
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bare_client import serve


def floor_changes(schedule: list[list[int | float | bool]]):  # type: ignore[no-untyped-def]
    def calls(client: discord.Client, start: float) -> list[Awaitable[None]]:
        async def change(guild: int, user: int, stage: int, after: float, suppress: bool) -> None:
            await asyncio.sleep(max(0.0, start + after - time.time()))
            await client.http.edit_voice_state(
                guild, user, {"channel_id": str(stage), "suppress": suppress}
            )

        return [change(int(g), int(u), int(c), float(a), bool(s)) for g, u, c, a, s in schedule]

    return calls


if __name__ == "__main__":
    uvloop.run(serve(floor_changes(json.loads(Path(sys.argv[1]).read_text()))))
