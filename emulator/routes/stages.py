"""Routes for Stage instances (stage-instance.mdx): a Stage is live while it has one.
Creating, editing and deleting one needs the bot to be a moderator of the Stage (Manage
Channels, Mute Members and Move Members there); a Stage has one live instance at most."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.routes.voice import require_in
from emulator.rules import DiscordError
from emulator.state import (
    MANAGE_CHANNELS,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    STAGE_CHANNEL,
    Channel,
    Guild,
)
from emulator.voice import StageInstance

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator

STAGE_MODERATOR = (MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS)


def _stage(emulator: Emulator, channel_id: Any) -> tuple[Guild, Channel]:
    if channel_id is None or not str(channel_id).isdigit():
        raise rules.invalid("channel_id: This field is required")
    guild, channel = emulator.guild_of_channel(int(channel_id))
    if channel.type != STAGE_CHANNEL:
        raise DiscordError(
            400, rules.WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type"
        )
    return guild, channel


def _live(emulator: Emulator, match: re.Match[str], *needed: int) -> tuple[Guild, StageInstance]:
    """The live instance of the channel in the path (any channel without one, a Stage
    or not, is an Unknown Stage Instance), with the bot's permissions there checked."""
    guild, channel = emulator.guild_of_channel(int(match["channel"]))
    require_in(emulator, guild, channel, *needed)
    instance = guild.stage_instances.get(channel.id)
    if instance is None:
        raise DiscordError(404, rules.UNKNOWN_STAGE_INSTANCE, "Unknown Stage Instance")
    return guild, instance


def _check(payload: dict[str, Any]) -> None:
    if "topic" in payload and not 1 <= len(str(payload["topic"] or "")) <= 120:
        raise rules.invalid("topic: Must be between 1 and 120 in length.")
    if payload.get("privacy_level") not in (None, 1, 2):
        raise rules.invalid("privacy_level: Value must be one of {1, 2}.")


async def create_instance(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    payload = payload or {}
    guild, channel = _stage(emulator, payload.get("channel_id"))
    require_in(emulator, guild, channel, *STAGE_MODERATOR)
    _check(payload | {"topic": payload.get("topic")})
    if channel.id in guild.stage_instances:
        raise DiscordError(400, rules.STAGE_ALREADY_OPEN, "The Stage is already open")
    event = None
    if payload.get("guild_scheduled_event_id") is not None:
        event = guild.scheduled_events.get(int(payload["guild_scheduled_event_id"]))
        if event is None:
            raise DiscordError(404, rules.UNKNOWN_SCHEDULED_EVENT, "Unknown Guild Scheduled Event")
        if event.get("entity_type") != 1 or event.get("channel_id") != str(channel.id):
            raise rules.invalid("guild_scheduled_event_id: not a Stage event of this channel")
        if event["status"] not in (rules.EVENT_SCHEDULED, rules.EVENT_ACTIVE):
            raise rules.invalid("guild_scheduled_event_id: the event has ended")
    instance = StageInstance(
        emulator.ids.next(),
        guild.id,
        channel.id,
        str(payload["topic"]),
        int(payload.get("privacy_level") or 2),
        int(event["id"]) if event else None,
    )
    guild.stage_instances[channel.id] = instance
    await emulator.dispatch("STAGE_INSTANCE_CREATE", instance.to_json(), guild.id)
    if event is not None and event["status"] == rules.EVENT_SCHEDULED:
        # The Stage going live for its event starts the event.
        event["status"] = rules.EVENT_ACTIVE
        event["entity_id"] = str(instance.id)
        await emulator.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", dict(event), guild.id)
    return instance.to_json()


async def get_instance(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    _, instance = _live(emulator, match)
    return instance.to_json()


async def edit_instance(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    guild, instance = _live(emulator, match, *STAGE_MODERATOR)
    payload = payload or {}
    _check(payload)
    if "topic" in payload:
        instance.topic = str(payload["topic"])
    if payload.get("privacy_level") is not None:
        instance.privacy_level = int(payload["privacy_level"])
    await emulator.dispatch("STAGE_INSTANCE_UPDATE", instance.to_json(), guild.id)
    return instance.to_json()


async def delete_instance(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild, instance = _live(emulator, match, *STAGE_MODERATOR)
    await close_stage(emulator, guild, instance)
    return None


async def close_stage(emulator: Emulator, guild: Guild, instance: StageInstance) -> None:
    """The Stage is no longer live; the event it was live for, if under way, has ended."""
    del guild.stage_instances[instance.channel_id]
    await emulator.dispatch("STAGE_INSTANCE_DELETE", instance.to_json(), guild.id)
    event_id = instance.guild_scheduled_event_id
    event = guild.scheduled_events.get(event_id) if event_id else None
    if event is not None and event["status"] == rules.EVENT_ACTIVE:
        event["status"] = rules.EVENT_COMPLETED
        await emulator.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", dict(event), guild.id)


STAGE = r"/stage-instances/(?P<channel>\d+)"
ROUTES: list[Route] = [
    ("POST", r"/stage-instances", create_instance),
    ("GET", STAGE, get_instance),
    ("PATCH", STAGE, edit_instance),
    ("DELETE", STAGE, delete_instance),
]
