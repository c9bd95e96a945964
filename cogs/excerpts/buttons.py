"""The vote buttons under an excerpt's discussion prompt. Their custom ids say which post
and which side; the votes live in the database, so the buttons keep working after a
restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import discord

from bot.domain import Side
from bot.errors import MootError
from bot.replies import reporting

if TYPE_CHECKING:
    from bot.client import MootBot

# The cog that answers vote buttons (cogs/excerpts/commands.py), found by name.
VOTES = "Excerpts"


@runtime_checkable
class Votes(Protocol):
    """What answers an excerpt's vote button."""

    async def vote(self, interaction: discord.Interaction, post_id: int, side: Side) -> None: ...


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"excerpt-vote:(?P<post>\d+):(?P<side>realist|values)",
):
    """ "Which side does it support?" One vote per member, changeable; works after restarts."""

    def __init__(self, post_id: int, side: Side, count: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{side.label} · {count}",
                style=discord.ButtonStyle.primary
                if side is Side.REALIST
                else discord.ButtonStyle.success,
                custom_id=f"excerpt-vote:{post_id}:{side.value}",
            )
        )
        self.post_id = post_id
        self.side = side

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["post"]), Side(match["side"]), 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        async with reporting(interaction):
            votes = cast("MootBot", interaction.client).get_cog(VOTES)
            if not isinstance(votes, Votes):
                raise MootError("Excerpt votes are not available right now; try again in a moment.")
            await votes.vote(interaction, self.post_id, self.side)
