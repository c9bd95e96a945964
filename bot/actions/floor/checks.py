"""What holding the floor in a venue takes from Discord, checked when a round is opened,
and what moot shows there (the Stage instance's topic)."""

from __future__ import annotations

import discord

from bot.names import as_name, names_in
from bot.services.floor import STAGE, venue_kind

# Discord's limit on a Stage instance's topic.
TOPIC_MAX = 120


def kind_of(channel: discord.abc.GuildChannel | None) -> str | None:
    """ "stage" or "voice" for a channel that can be a round's venue; None otherwise."""
    if isinstance(channel, discord.StageChannel | discord.VoiceChannel):
        return venue_kind(channel.type.value)
    return None


def missing_permissions(
    channel: discord.StageChannel | discord.VoiceChannel, *, event: bool = False
) -> list[str]:
    """The permissions moot lacks in `channel` to hold a round's floor there: Mute Members
    in a voice channel (server mute); on a Stage also Move Members and Manage Channels (a
    Stage moderator, who may open a Stage instance); `event`: also Create Events, for a
    planned round's Stage event."""
    perms = channel.permissions_for(channel.guild.me)
    needed = [
        ("View Channel", perms.view_channel),
        ("Mute Members", perms.mute_members),
    ]
    if kind_of(channel) == STAGE:
        needed += [
            ("Move Members", perms.move_members),
            ("Manage Channels", perms.manage_channels),
        ]
        if event:
            needed.append(("Create Events", perms.create_events))
    return [label for label, ok in needed if not ok]


def cannot_hold(channel: discord.StageChannel | discord.VoiceChannel, missing: list[str]) -> str:
    """What moot says when it cannot hold the floor in `channel`."""
    place = "Stage" if kind_of(channel) == STAGE else "voice channel"
    return (
        f"I can't hold the floor on the {place} {channel.mention}: I'm missing "
        f"{', '.join(missing)} there. This round runs as a text round; give me those "
        "permissions for the next one."
    )


def stage_topic(motion: str, guild: discord.Guild | None) -> str:
    """A Stage instance's topic: the motion, mentions shown as names, cut to 120."""
    return as_name(motion, names_in(guild), limit=TOPIC_MAX) or "Debate"
