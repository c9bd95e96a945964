"""Routes for guild scheduled events, with who may create, edit and delete them and the
status changes Discord allows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.rules import DiscordError
from emulator.state import CREATE_EVENTS, MANAGE_EVENTS, Guild

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator


def _guild(emulator: Emulator, match: re.Match[str]) -> Guild:
    guild = emulator.guilds.get(int(match["guild"]))
    if guild is None:
        raise DiscordError(404, 10004, "Unknown Guild")
    return guild


def _event(guild: Guild, match: re.Match[str]) -> dict[str, Any]:
    event = guild.scheduled_events.get(int(match["event"]))
    if event is None:
        raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
    return event


def _require_events(emulator: Emulator, guild: Guild, event: dict[str, Any] | None = None) -> None:
    """Creating an event needs Create Events; editing or deleting one needs Create
    Events or Manage Events if the bot created it, Manage Events otherwise."""
    permissions = guild.base_permissions(guild.members[emulator.bot_user.id])
    if event is None:
        needed = CREATE_EVENTS
    elif event.get("creator_id") == str(emulator.bot_user.id):
        needed = CREATE_EVENTS | MANAGE_EVENTS
    else:
        needed = MANAGE_EVENTS
    if not permissions & needed:
        raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")


async def list_events(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    return list(_guild(emulator, match).scheduled_events.values())


async def get_event(emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any) -> Any:
    guild = _guild(emulator, match)
    return _event(guild, match)


async def create_event(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    guild = _guild(emulator, match)
    _require_events(emulator, guild)
    payload = payload or {}
    name = str(payload.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise rules.invalid("name: Must be between 1 and 100 in length.")
    if len(str(payload.get("description") or "")) > 1000:
        raise rules.invalid("description: Must be 1000 or fewer in length.")
    if payload.get("entity_type") == 3 and not (payload.get("entity_metadata") or {}).get(
        "location"
    ):
        raise rules.invalid("entity_metadata.location: required for external events")
    rules.check_event_times(payload, external=payload.get("entity_type") == 3)
    event = payload | {
        "id": str(emulator.ids.next()),
        "guild_id": str(guild.id),
        "creator_id": str(emulator.bot_user.id),
        "creator": emulator.bot_user.to_json(),
        "status": 1,
        "user_count": 0,
        "channel_id": payload.get("channel_id"),
        "entity_id": None,
        "description": payload.get("description"),
        "image": None,
        "recurrence_rule": None,
        "scheduled_end_time": payload.get("scheduled_end_time"),
        "privacy_level": payload.get("privacy_level", 2),
        "entity_metadata": payload.get("entity_metadata"),
        "guild_scheduled_event_exceptions": [],
    }
    guild.scheduled_events[int(event["id"])] = event
    await emulator.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, guild.id)
    return event


async def edit_event(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    guild = _guild(emulator, match)
    event = _event(guild, match)
    _require_events(emulator, guild, event)
    payload = payload or {}
    if "status" in payload:
        rules.check_event_status(int(event["status"]), int(payload["status"]))
    elif int(event["status"]) != 1:
        raise rules.invalid("Cannot edit an event that has started, ended or been cancelled.")
    rules.check_event_times(event | payload, external=event.get("entity_type") == 3)
    event.update(payload)
    await emulator.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, guild.id)
    return event


async def delete_event(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild = _guild(emulator, match)
    event = _event(guild, match)
    _require_events(emulator, guild, event)
    del guild.scheduled_events[int(event["id"])]
    await emulator.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, guild.id)
    return None


EVENTS = r"/guilds/(?P<guild>\d+)/scheduled-events"
EVENT = EVENTS + r"/(?P<event>\d+)"
ROUTES: list[Route] = [
    ("GET", EVENTS, list_events),
    ("POST", EVENTS, create_event),
    ("GET", EVENT, get_event),
    ("PATCH", EVENT, edit_event),
    ("DELETE", EVENT, delete_event),
]
