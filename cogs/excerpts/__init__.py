"""/excerpt: a daily excerpt from the essays, posted on each server's own schedule.

The database decides what is due and who posts it (bot.services.excerpts). `commands`
turns /excerpt and the vote buttons (`buttons`) into service calls; the `poster` keeps an
alarm per server for its next post, sweeps for anything overdue, and does the Discord
side: the embed (`render`), the discussion thread, and the vote buttons under it.
"""

from __future__ import annotations

from bot.client import MootBot
from cogs.excerpts.commands import Excerpts
from cogs.excerpts.poster import ExcerptPoster


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Excerpts(bot, ExcerptPoster(bot)))
