"""/debate: rounds with a lobby, turns that run themselves, votes, ballots and a transcript.

The round lives in the database (bot.services.rounds). `commands` turns /debate into
service calls, `floor` answers the round's buttons, forms and thread messages, and the
round runner (bot.actions.rounds) keeps each round's alarm and posts what its changes
announce; planned rounds (cogs/planning) hand their rounds to the same runner. `venue`
holds a round's floor in its Stage or voice channel (bot.actions.floor).
"""

from __future__ import annotations

from bot.actions.floor.keeper import FloorKeeper
from bot.actions.rounds.runner import RoundRunner
from bot.client import MootBot
from cogs.debate.commands import Debate
from cogs.debate.floor import RoundFloor
from cogs.debate.venue import RoundVenue


async def setup(bot: MootBot) -> None:
    runner = RoundRunner(bot)
    bot.rounds = runner
    bot.floor = FloorKeeper(bot)
    floor = RoundFloor(bot, runner)
    await bot.add_cog(Debate(bot, runner))
    await bot.add_cog(floor)
    await bot.add_cog(RoundVenue(bot, bot.floor, floor))
