"""Text a member typed (a motion, an essay's title), shown where Discord shows it as plain
text: a thread's or a server event's name, an embed's title. Discord turns mentions into
names only in message text and embed descriptions; anywhere else `<@&123>` stays raw, and
`@everyone` reads like a ping even though none is sent. So mentions become the names the
members know, and @everyone and @here lose their @."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import discord

from bot.provenance import fit

# A member, a role, a channel; @everyone and @here; a custom emoji.
_MENTION = re.compile(
    r"<(?P<kind>@!?|@&|#)(?P<id>\d{1,20})>"
    r"|(?<!\w)@(?P<crowd>everyone|here)\b"
    r"|<a?:(?P<emoji>\w{1,32}):\d{1,20}>"
)


def _unknown(_: int) -> str | None:
    return None


@dataclass(frozen=True)
class Names:
    """Who or what an id names in a server; None when it is not known there."""

    member: Callable[[int], str | None] = _unknown
    role: Callable[[int], str | None] = _unknown
    channel: Callable[[int], str | None] = _unknown


# Nothing is known: every mention becomes neutral text.
NO_NAMES = Names()


def names_in(guild: discord.Guild | None) -> Names:
    """The names `guild` knows: its roles, channels and threads, and the members in the
    cache (moot asks for no member list, so a member it has not met is "someone")."""
    if guild is None:
        return NO_NAMES

    def member(member_id: int) -> str | None:
        found = guild.get_member(member_id)
        return found.display_name if found else None

    def role(role_id: int) -> str | None:
        found = guild.get_role(role_id)
        return found.name if found else None

    def channel(channel_id: int) -> str | None:
        found = guild.get_channel_or_thread(channel_id)
        return found.name if found else None

    return Names(member=member, role=role, channel=channel)


def as_name(text: str, names: Names = NO_NAMES, *, limit: int = 100) -> str:
    """`text` as a name: mentions as the names they stand for ("someone", "a role", "a
    channel" when unknown), @everyone and @here as plain words, custom emoji as `:name:`,
    all whitespace as single spaces; cut to `limit` characters with an ellipsis."""

    def shown(found: re.Match[str]) -> str:
        if found["crowd"]:
            return found["crowd"]
        if found["emoji"]:
            return f":{found['emoji']}:"
        kind, target = found["kind"], int(found["id"])
        if kind == "@&":
            return names.role(target) or "a role"
        if kind == "#":
            return f"#{names.channel(target) or 'a channel'}"
        return names.member(target) or "someone"

    plain = " ".join(_MENTION.sub(shown, text).split())
    return fit(plain, limit)
