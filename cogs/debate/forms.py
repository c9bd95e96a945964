"""The forms of a round: a speech, and a judge's ballot. Their submissions are handled by
custom id (cogs/debate/floor.py), like the buttons, so a form opened before a restart
still goes through."""

from __future__ import annotations

import re

import discord

from bot.formats import Format
from bot.services import rounds
from bot.services.rounds import RoundView


class SpeechForm(discord.ui.Modal):
    """The speech, for servers without the Message Content intent (or as a speaker prefers)."""

    def __init__(self, round_id: int, turn_id: int, role: str) -> None:
        super().__init__(
            title=f"Your speech: {role}"[:45], custom_id=f"round-speech:{round_id}:{turn_id}"
        )
        self.text: discord.ui.TextInput[SpeechForm] = discord.ui.TextInput(
            label="Speech",
            style=discord.TextStyle.paragraph,
            max_length=rounds.SPEECH_MAX,
            custom_id="speech",
        )
        self.add_item(self.text)


class BallotForm(discord.ui.Modal):
    """A judge's or moderator's ballot; submitted by custom id, as SpeechForm."""

    def __init__(self, view: RoundView, fmt: Format) -> None:
        super().__init__(title="Ballot", custom_id=f"round-ballot:{view.id}")
        low, high = fmt.points
        self.winner: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label="Winner (Realist or Values)", max_length=10, custom_id="winner"
        )
        self.points: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label=f"Speaker points, {low}-{high}, one line each",
            style=discord.TextStyle.paragraph,
            default=rounds.ballot_template(view),
            max_length=1000,
            custom_id="points",
        )
        self.reason: discord.ui.TextInput[BallotForm] = discord.ui.TextInput(
            label="Reason for decision",
            style=discord.TextStyle.paragraph,
            max_length=rounds.REASON_MAX,
            custom_id="reason",
        )
        for item in (self.winner, self.points, self.reason):
            self.add_item(item)


# The custom ids of the forms above.
FORM_ID = re.compile(r"round-(?P<kind>ballot|speech):(?P<round>\d+)(?::(?P<turn>\d+))?")


async def show_form(interaction: discord.Interaction, form: discord.ui.Modal) -> None:
    """Show `form`, keeping no copy of it in discord.py: its submission is handled by its
    custom id, and a process restarted meanwhile would not have the copy."""
    await interaction.response.send_modal(form)
    form.stop()
