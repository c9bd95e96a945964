"""A planned round's sign-up message: its embed and its buttons. The buttons say which
occurrence and what answer; the plan lives in the database, so they keep working after a
restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import discord

from bot.domain import PlannedStatus
from bot.embeds import MOOT_COLOUR
from bot.errors import MootError
from bot.formats import Format
from bot.replies import reporting
from bot.services.planning import CHOICE_LABELS, PlannedView
from bot.times import REPEATS, discord_time

if TYPE_CHECKING:
    from bot.client import MootBot

# The cog that answers sign-up buttons (cogs/planning/commands.py), found by name.
SIGN_UPS = "Planning"


@runtime_checkable
class SignUps(Protocol):
    """What answers a sign-up button."""

    async def sign_up(
        self, interaction: discord.Interaction, planned_id: int, choice: str
    ) -> None: ...


class SignupButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"signup:(?P<planned>\d+):(?P<choice>realist|values|audience|absent)",
):
    """A sign-up answer; the plan lives in the database, so restarts are fine."""

    def __init__(
        self,
        planned_id: int,
        choice: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=CHOICE_LABELS[choice],
                style=style,
                custom_id=f"signup:{planned_id}:{choice}",
                disabled=disabled,
            )
        )
        self.planned_id = planned_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SignupButton:
        return cls(int(match["planned"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async with reporting(interaction):
            desk = cast("MootBot", interaction.client).get_cog(SIGN_UPS)
            if not isinstance(desk, SignUps):
                raise MootError("Sign-ups are not available right now; try again in a moment.")
            await desk.sign_up(interaction, self.planned_id, self.choice)


def signup_embed(view: PlannedView, fmt: Format | None) -> discord.Embed:
    """The sign-up message: when, what, who signed up, and where the occurrence stands.

    The motion is in the description, where Discord shows its mentions as the names
    members know (an embed's title would show `<@&123>` raw); nobody is pinged."""
    embed = discord.Embed(title="Planned round", colour=MOOT_COLOUR)
    lines = [
        f"Motion: {view.motion}",
        f"**{view.proposition.label}** for the motion, **{view.proposition.other.label}** "
        "against it",
        f"{discord_time(view.starts_at, 'F')} ({discord_time(view.starts_at, 'R')})",
        f"{fmt.name if fmt else view.format_key} · pace {view.pace:g} · {REPEATS[view.repeat]}",
        "Sign up below: speakers are seated in the order they signed up.",
    ]
    embed.description = "\n".join(lines)
    for choice, label in CHOICE_LABELS.items():
        names = ", ".join(s.name for s in view.chose(choice)) or "nobody yet"
        embed.add_field(name=label, value=names[:1024], inline=False)
    state = {
        PlannedStatus.UPCOMING: "Sign-ups open",
        PlannedStatus.STARTED: "Started",
        PlannedStatus.DONE: "Over",
        PlannedStatus.SKIPPED: "Skipped",
        PlannedStatus.CANCELLED: "Cancelled",
    }[view.status]
    note = f" · {view.note}" if view.note else ""
    embed.set_footer(text=f"Planned round #{view.id} · {state}{note}"[:2048])
    return embed


def signup_buttons(view: PlannedView) -> discord.ui.View:
    """The answers, open until the occurrence starts."""
    closed = view.status is not PlannedStatus.UPCOMING
    ui = discord.ui.View(timeout=None)
    styles = {
        "realist": discord.ButtonStyle.primary,
        "values": discord.ButtonStyle.success,
    }
    for choice in CHOICE_LABELS:
        ui.add_item(
            SignupButton(
                view.id,
                choice,
                style=styles.get(choice, discord.ButtonStyle.secondary),
                disabled=closed,
            )
        )
    return ui
