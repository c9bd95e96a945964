"""Routes for guild scheduled events, with who may create, edit and delete them and the
status changes Discord allows. A Stage event (entity_type 1) is held in a Stage channel and
a voice event (2) in a voice channel, with the permissions guild-scheduled-event.mdx asks
for in that channel; an external event (3) has a location and an end."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.rules import DiscordError
from emulator.state import (
    CONNECT,
    CREATE_EVENTS,
    MANAGE_CHANNELS,
    MANAGE_EVENTS,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    STAGE_CHANNEL,
    VIEW_CHANNEL,
    VOICE_CHANNEL,
    Channel,
    Guild,
)
from emulator.voice import StageInstance

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


# entity_type -> the kind of channel it is held in, and what else the bot needs there.
CHANNEL_KINDS = {1: STAGE_CHANNEL, 2: VOICE_CHANNEL}
IN_CHANNEL = {
    1: (MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS),
    2: (VIEW_CHANNEL, CONNECT),
}


def _snowflake(value: Any) -> str | None:
    """An id as Discord answers it, a string, however the bot sent it."""
    return None if value is None else str(value)


def _place(guild: Guild, event: dict[str, Any]) -> Channel | None:
    """The channel a Stage or voice event is held in (None for an external event)."""
    kind = CHANNEL_KINDS.get(int(event.get("entity_type") or 3))
    if kind is None:
        return None
    channel_id = event.get("channel_id")
    if channel_id is None:
        raise rules.invalid("channel_id: required for Stage and voice events")
    channel = guild.channels.get(int(channel_id))
    if channel is None:
        raise DiscordError(404, rules.UNKNOWN_CHANNEL, "Unknown Channel")
    if channel.type != kind:
        raise rules.invalid(f"channel_id: must be a {'Stage' if kind == 13 else 'voice'} channel")
    return channel


def _require_events(emulator: Emulator, guild: Guild, event: dict[str, Any]) -> None:
    """Creating an event needs Create Events; editing or deleting one needs Create
    Events or Manage Events if the bot created it, Manage Events otherwise. For a Stage
    or voice event these are counted in its channel, with the others that entity type
    needs there."""
    member = guild.members[emulator.bot_user.id]
    channel = _place(guild, event)
    if "id" not in event:
        needed = CREATE_EVENTS
    elif event.get("creator_id") == str(emulator.bot_user.id):
        needed = CREATE_EVENTS | MANAGE_EVENTS
    else:
        needed = MANAGE_EVENTS
    if channel is None:
        if not guild.base_permissions(member) & needed:
            raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")
        return
    permissions = guild.permissions_in(member, channel)
    others = IN_CHANNEL[int(event["entity_type"])]
    if not permissions & needed or any(not permissions & p for p in others):
        if not permissions & VIEW_CHANNEL:
            raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
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
    payload = payload or {}
    _require_events(emulator, guild, payload)
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
        "channel_id": _snowflake(payload.get("channel_id")),
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
    payload = payload or {}
    _require_events(emulator, guild, event)
    _require_events(emulator, guild, event | payload)
    if "status" in payload:
        rules.check_event_status(int(event["status"]), int(payload["status"]))
    elif int(event["status"]) != 1:
        raise rules.invalid("Cannot edit an event that has started, ended or been cancelled.")
    rules.check_event_times(event | payload, external=event.get("entity_type") == 3)
    before = int(event["status"])
    event.update(payload)
    if "channel_id" in payload:
        event["channel_id"] = _snowflake(payload["channel_id"])
    await emulator.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, guild.id)
    if event.get("entity_type") == 1 and int(event["status"]) != before:
        await _stage_follows(emulator, guild, event)
    return event


async def _stage_follows(emulator: Emulator, guild: Guild, event: dict[str, Any]) -> None:
    """A Stage event started opens its Stage (a Stage instance with the event's name as
    topic), unless the Stage is live already; ended, it closes the Stage it opened."""
    channel_id = int(event["channel_id"])
    instance = guild.stage_instances.get(channel_id)
    if event["status"] == rules.EVENT_ACTIVE and instance is None:
        instance = StageInstance(
            emulator.ids.next(),
            guild.id,
            channel_id,
            str(event["name"])[:120],
            guild_scheduled_event_id=int(event["id"]),
        )
        guild.stage_instances[channel_id] = instance
        event["entity_id"] = str(instance.id)
        await emulator.dispatch("STAGE_INSTANCE_CREATE", instance.to_json(), guild.id)
    linked = instance is not None and instance.guild_scheduled_event_id == int(event["id"])
    if event["status"] == rules.EVENT_COMPLETED and instance is not None and linked:
        del guild.stage_instances[channel_id]
        await emulator.dispatch("STAGE_INSTANCE_DELETE", instance.to_json(), guild.id)


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
