"""How the sandbox shows what moot posts: as a Discord client would show it, in text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.markup import escape
from rich.panel import Panel

from bot.clock import Clock
from emulator import Emulator, Message, World

MENTION = re.compile(r"<(?P<kind>@&|@!?|#)(?P<id>\d+)>")
TIMESTAMP = re.compile(r"<t:(?P<at>-?\d+)(?::(?P<style>[tTdDfFR]))?>")
# Where a client stops counting in one unit and says "a minute", "an hour", ... instead
# (the thresholds Discord's client uses, after moment.js): seconds up to 45, minutes up
# to 45, hours up to 22, days up to 26, months up to 11.
_UNITS = (
    ("second", 1, 45, None),
    ("minute", 60, 45, "a minute"),
    ("hour", 3600, 22, "an hour"),
    ("day", 86400, 26, "a day"),
    ("month", 30 * 86400, 11, "a month"),
    ("year", 365 * 86400, None, "a year"),
)


def relative(seconds: float) -> str:
    """`<t:…:R>` as Discord shows it: "in 9 seconds", "in a minute", "2 hours ago"."""
    span = abs(seconds)
    amount = ""
    for index, (unit, size, limit, one) in enumerate(_UNITS):
        count = int(span / size + 0.5)  # half up, as a client rounds
        if limit is not None and count >= limit:
            continue
        if count <= 1 and index > 0 and one is not None:
            amount = one
        else:
            amount = f"{count} {unit}{'' if count == 1 else 's'}"
        break
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


@dataclass
class Renderer:
    """Turns moot's messages into what a member reads: names for mentions, times in UTC."""

    emulator: Emulator
    world: World
    clock: Clock

    def place(self, channel_id: int) -> str:
        """`#debates`, or a thread as `#debates › Round 1: …`."""
        channel = self.world.guild.channels.get(channel_id)
        if channel is None:
            return "#unknown"
        parent = self.world.guild.channels.get(channel.parent_id or 0)
        if channel.is_thread and parent is not None:
            return f"#{parent.name} › {channel.name}"
        return f"#{channel.name}"

    def readable(self, text: str) -> str:
        """Mentions as a client shows them (@name, #channel) and times, escaped for rich."""
        guild = self.world.guild

        def name(match: re.Match[str]) -> str:
            kind, number = match["kind"], int(match["id"])
            if kind == "@&":
                role = guild.roles.get(number)
                return f"@{role.name}" if role else "@unknown-role"
            if kind == "#":
                channel = guild.channels.get(number)
                return f"#{channel.name}" if channel else "#unknown"
            user = self.emulator.users.get(number)
            return f"@{user.username}" if user else "@unknown"

        def when(match: re.Match[str]) -> str:
            # A client shows a Discord timestamp in the reader's zone; the sandbox uses UTC.
            at = datetime.fromtimestamp(int(match["at"]), UTC)
            if match["style"] == "R":
                return relative((at - self.clock.now()).total_seconds())
            return at.strftime("%a %d %b %Y %H:%M UTC")

        return escape(TIMESTAMP.sub(when, MENTION.sub(name, text)))

    def panel(self, message: Message, title: str) -> Panel:
        """The message as a panel: content, embeds, attachments, then its buttons."""
        show = self.readable
        parts: list[str] = []
        if message.content:
            parts.append(show(message.content))
        for embed in message.embeds:
            if (embed.get("author") or {}).get("name"):
                parts.append(f"[dim]{show(embed['author']['name'])}[/]")
            if embed.get("title"):
                parts.append(f"[bold]{show(embed['title'])}[/]")
            if embed.get("description"):
                parts.append(show(embed["description"]))
            for item in embed.get("fields") or []:
                parts.append(f"[bold]{show(item['name'])}[/]\n{show(item['value'])}")
            if (embed.get("footer") or {}).get("text"):
                parts.append(f"[dim]{show(embed['footer']['text'])}[/]")
        for attachment in message.data.get("attachments") or []:
            parts.append(f"📎 {escape(attachment['filename'])} ({attachment['size']} bytes)")
        buttons = [
            f"[reverse] {escape(b.get('label') or '?')} [/]"
            + (" (disabled)" * bool(b.get("disabled")))
            for b in message.buttons()
        ]
        if buttons:
            parts.append(" ".join(buttons))
        return Panel("\n\n".join(parts) or "(empty)", title=escape(title), expand=False)
