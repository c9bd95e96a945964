"""The permissions moot asks for when it is invited, each with what it is for.

The README's invite list names the same permissions (and their sum); a test holds both to
the bits of Discord's permissions page.
"""

from __future__ import annotations

import discord

# discord.py's name of each permission -> what moot does with it.
NEEDED: dict[str, str] = {
    "view_channel": "see the channels it posts in",
    "send_messages": "post excerpts, sign-ups and round announcements",
    "send_messages_in_threads": "run rounds and excerpt discussions in threads",
    "create_public_threads": "open each round's thread",
    "embed_links": "show excerpts, turns and results as embeds",
    "attach_files": "attach transcripts and charts",
    "read_message_history": "find its own messages again after a restart",
    "manage_messages": "remove out-of-turn messages in a round's thread",
    "create_events": "add planned rounds to the server's events, and update them",
}


def invite_permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(NEEDED, True))
