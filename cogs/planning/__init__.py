"""/round: rounds planned ahead, with sign-ups, reminders and Discord scheduled events.

`commands` turns /round and the sign-up buttons into service calls (bot.services.planning);
`keeper` keeps Discord in step: the sign-up message, the server's event (`events`) and, at
start time, the round itself, opened and started through the round actions.
"""

from __future__ import annotations

from bot.client import MootBot
from cogs.planning.commands import Planning
from cogs.planning.keeper import PlanKeeper


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Planning(bot, PlanKeeper(bot)))
