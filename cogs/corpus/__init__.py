"""/corpus: the server's reading list. `commands` holds the slash commands, `upload` the
steps of adding an essay after its file is read (the preview's buttons and the form that
describes it), `render` what they show."""

from __future__ import annotations

from bot.client import MootBot
from cogs.corpus.commands import Corpus


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Corpus(bot))
