"""Per-server settings: moderator role, timezone, default debate channel and venue."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import GuildConfig, utcnow


@dataclass(frozen=True)
class GuildSettings:
    """A server's settings as plain data (defaults when it never configured anything)."""

    guild_id: int
    timezone: str
    moderator_role_id: int | None
    debate_channel_id: int | None
    # The Stage or voice channel rounds are heard in by default.
    venue_channel_id: int | None = None


def _plain(row: GuildConfig) -> GuildSettings:
    return GuildSettings(
        row.guild_id,
        row.timezone,
        row.moderator_role_id,
        row.debate_channel_id,
        row.venue_channel_id,
    )


async def get_settings(guild_id: int, *, session: AsyncSession) -> GuildSettings:
    """The server's settings, or the defaults if it has none stored."""
    row = await session.get(GuildConfig, guild_id)
    if row is None:
        return GuildSettings(guild_id, "UTC", None, None)
    return _plain(row)


_KEEP = object()


async def update_settings(
    guild_id: int,
    *,
    session: AsyncSession,
    timezone: str | object = _KEEP,
    moderator_role_id: int | object | None = _KEEP,
    debate_channel_id: int | object | None = _KEEP,
    venue_channel_id: int | object | None = _KEEP,
) -> GuildSettings:
    """Change the given settings (others keep their value) and return the result."""
    row = await session.get(GuildConfig, guild_id)
    if row is None:
        row = GuildConfig(guild_id=guild_id)
    if timezone is not _KEEP:
        row.timezone = check_timezone(str(timezone))
    if moderator_role_id is not _KEEP:
        row.moderator_role_id = moderator_role_id  # type: ignore[assignment]
    if debate_channel_id is not _KEEP:
        row.debate_channel_id = debate_channel_id  # type: ignore[assignment]
    if venue_channel_id is not _KEEP:
        row.venue_channel_id = venue_channel_id  # type: ignore[assignment]
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    return _plain(row)


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def check_timezone(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive), or a MootError saying why not."""
    wanted = name.strip()
    for zone in _zones():
        if zone.lower() == wanted.lower():
            return zone
    raise MootError(
        f"“{wanted[:60]}” is not a time zone I know. Pick one from the list as you type, "
        "for example Europe/Paris or America/New_York."
    )


def timezone_suggestions(typed: str, limit: int = 25) -> list[str]:
    """Zones for autocomplete: names starting with `typed` first, then containing it."""
    text = typed.strip().lower().replace(" ", "_")
    if not text:
        common = [
            "UTC",
            "Europe/London",
            "Europe/Paris",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Asia/Tokyo",
            "Australia/Sydney",
        ]
        return common[:limit]
    starts = [z for z in _zones() if z.lower().startswith(text)]
    parts = [z for z in _zones() if any(p.startswith(text) for p in z.lower().split("/")[1:])]
    contains = [z for z in _zones() if text in z.lower()]
    seen: dict[str, None] = {}
    for zone in starts + parts + contains:
        seen.setdefault(zone, None)
    return list(seen)[:limit]
