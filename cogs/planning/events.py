"""A planned round's scheduled event in the server: what it says, when it ends, and which
moves Discord lets the bot make (it starts and ends external events by itself)."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.domain import PlannedStatus
from bot.formats import Format
from bot.services import rounds
from bot.services.planning import PlannedView

# What an event's end is set to after its start, beyond the format's own length.
EVENT_MARGIN = timedelta(minutes=10)
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELLED = 1, 2, 3, 4
# Where an event is: a Stage instance (a planned round with a Stage venue), or elsewhere.
EVENT_AT_STAGE, EVENT_EXTERNAL = 1, 3
# The only moves Discord lets an app make (a time change keeps an event scheduled).
EVENT_MOVES = {
    (EVENT_SCHEDULED, EVENT_SCHEDULED),
    (EVENT_SCHEDULED, EVENT_ACTIVE),
    (EVENT_ACTIVE, EVENT_COMPLETED),
    (EVENT_SCHEDULED, EVENT_CANCELLED),
}


# Said in /round info and /round list while the bot may not create the server's event
# (the sweeper does not try without the permission, so nothing retries in a loop).
NO_EVENT_PERMISSION = (
    "No server event: I need the Create Events permission. Once a server admin gives it to "
    "me, the event is created within a few minutes."
)


def can_create_events(guild: discord.Guild | None) -> bool:
    """Whether the bot may create scheduled events (Discord's Create Events, 1 << 44)."""
    return guild is not None and guild.me.guild_permissions.create_events


def can_edit_events(guild: discord.Guild | None) -> bool:
    """Whether the bot may edit or end the events it created: Create Events or Manage
    Events, as Discord documents."""
    if guild is None:
        return False
    permissions = guild.me.guild_permissions
    return permissions.create_events or permissions.manage_events


def event_text(view: PlannedView, guild: discord.Guild | None) -> str | None:
    """What /round info says of the occurrence's server event, if anything."""
    if view.event_id is not None:
        return f"https://discord.com/events/{view.guild_id}/{view.event_id}"
    if view.status is PlannedStatus.UPCOMING and not can_create_events(guild):
        return NO_EVENT_PERMISSION
    return None


def round_length(fmt: Format | None, pace: float) -> timedelta:
    """How long a round of `fmt` takes at `pace`, for the end of its Discord event."""
    if fmt is None:
        return timedelta(hours=1)
    seconds = sum(turn.scaled(pace) for turn in fmt.turns) + rounds.voting_seconds(fmt, pace)
    return timedelta(seconds=seconds) + EVENT_MARGIN
