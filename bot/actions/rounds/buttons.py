"""The buttons of a round. Their custom ids say which round and what to do; the round
lives in the database, so a button keeps working after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import discord

from bot.errors import MootError
from bot.replies import reporting

if TYPE_CHECKING:
    from bot.client import MootBot

# The cog that answers round buttons (cogs/debate), found by name at each press: the
# button outlives any one process's cog objects.
CONTROLS = "RoundFloor"


@runtime_checkable
class RoundControls(Protocol):
    """What answers a round's buttons."""

    async def press(self, interaction: discord.Interaction, button: RoundButton) -> None: ...


class RoundButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"round:(?P<round>\d+):(?P<action>[a-z]+)(?::(?P<arg>[a-z0-9]+))?",
):
    """Every button of a round: join, leave, start, done, speech, vote, ballot."""

    def __init__(
        self,
        round_id: int,
        action: str,
        arg: str = "",
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        custom_id = f"round:{round_id}:{action}" + (f":{arg}" if arg else "")
        super().__init__(
            discord.ui.Button(
                label=label or action, style=style, custom_id=custom_id, disabled=disabled
            )
        )
        self.round_id = round_id
        self.action = action
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RoundButton:
        return cls(int(match["round"]), match["action"], match["arg"] or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        async with reporting(interaction):
            controls = cast("MootBot", interaction.client).get_cog(CONTROLS)
            if not isinstance(controls, RoundControls):
                raise MootError("Rounds are not available right now; try again in a moment.")
            await controls.press(interaction, self)
