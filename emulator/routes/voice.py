"""Routes for voice states and a member's voice (Get/Modify User Voice State, Modify
Guild Member's mute, deaf and channel_id), with the caveats of Discord's voice.mdx."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.rules import DiscordError
from emulator.state import (
    CONNECT,
    DEAFEN_MEMBERS,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    REQUEST_TO_SPEAK,
    STAGE_CHANNEL,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
)
from emulator.voice import (
    VoiceState,
    announce_member,
    announce_state,
    connect,
    disconnect,
    set_suppress,
)

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator


def guild_of(emulator: Emulator, match: re.Match[str]) -> Guild:
    guild = emulator.guilds.get(int(match["guild"]))
    if guild is None:
        raise DiscordError(404, rules.UNKNOWN_GUILD, "Unknown Guild")
    return guild


def require_in(emulator: Emulator, guild: Guild, channel: Channel, *needed: int) -> None:
    """The bot's permissions in `channel`: Missing Access without View Channel, Missing
    Permissions without any of `needed`."""
    have = guild.permissions_in(guild.members[emulator.bot_user.id], channel)
    if not have & VIEW_CHANNEL:
        raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
    for permission in needed:
        if not have & permission:
            raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")


def _member(guild: Guild, user_id: int) -> Member:
    member = guild.members.get(user_id)
    if member is None:
        raise DiscordError(404, rules.UNKNOWN_MEMBER, "Unknown Member")
    return member


def _state(guild: Guild, user_id: int) -> VoiceState:
    state = guild.voice_states.get(user_id)
    if state is None:
        raise DiscordError(404, rules.UNKNOWN_VOICE_STATE, "Unknown Voice State")
    return state


def _stage_of(guild: Guild, state: VoiceState, payload: dict[str, Any]) -> Channel:
    """The caveats of Modify (Current) User Voice State: `channel_id` must be a Stage, and
    the one the user is in."""
    wanted = payload.get("channel_id")
    channel_id = int(wanted) if wanted is not None else state.channel_id
    channel = guild.channels.get(channel_id)
    if channel is None:
        raise DiscordError(404, rules.UNKNOWN_CHANNEL, "Unknown Channel")
    if channel.type != STAGE_CHANNEL:
        raise DiscordError(
            400, rules.WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type"
        )
    if channel_id != state.channel_id:
        raise rules.invalid("channel_id: the user is not connected to this channel")
    return channel


async def get_voice_state(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild = guild_of(emulator, match)
    user = match["user"]
    state = _state(guild, emulator.bot_user.id if user == "@me" else int(user))
    if user != "@me":
        # "the current user must have permission to connect to the channel"
        channel = guild.channels[state.channel_id]
        have = guild.permissions_in(guild.members[emulator.bot_user.id], channel)
        if not have & VIEW_CHANNEL or not have & CONNECT:
            raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
    return state.to_json()


async def edit_voice_state(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    """Another user's suppress on a Stage: Mute Members needed; unsuppressed, a user who
    is not a bot is invited to speak (request-to-speak time now), suppressed, the request
    is removed. (discord.py also sends request_to_speak_timestamp here; Discord sets it
    by its own rule.)"""
    guild = guild_of(emulator, match)
    payload = payload or {}
    state = _state(guild, int(_member(guild, int(match["user"])).user.id))
    channel = _stage_of(guild, state, payload)
    require_in(emulator, guild, channel, MUTE_MEMBERS)
    if payload.get("suppress") is not None:
        set_suppress(emulator, state, bool(payload["suppress"]))
    await announce_state(emulator, state)
    return None


async def edit_my_voice_state(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    """The bot's own: Mute Members to unsuppress itself (it may always suppress itself);
    Request to Speak to ask, at a time now or later (it may always withdraw)."""
    guild = guild_of(emulator, match)
    payload = payload or {}
    state = _state(guild, emulator.bot_user.id)
    channel = _stage_of(guild, state, payload)
    require_in(emulator, guild, channel)
    suppress = payload.get("suppress")
    if suppress is False:
        require_in(emulator, guild, channel, MUTE_MEMBERS)
    asked = payload.get("request_to_speak_timestamp")
    when = None
    if asked is not None:
        require_in(emulator, guild, channel, REQUEST_TO_SPEAK)
        when = datetime.fromisoformat(str(asked))
        if when.tzinfo is None or when.timestamp() < emulator.now() - 1:
            raise rules.invalid("request_to_speak_timestamp: must be a present or future time")
    if suppress is not None:
        state.suppress = bool(suppress)
    if "request_to_speak_timestamp" in payload:
        state.request_to_speak_timestamp = when
    await announce_state(emulator, state)
    return None


async def edit_member(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    """Modify Guild Member, for what it does in voice: `mute` (Mute Members), `deaf`
    (Deafen Members), `channel_id` to move the member (Move Members, and Connect to the
    channel moved to) or null to disconnect them. Each needs the member in voice: 400
    Target user is not connected to voice otherwise."""
    guild = guild_of(emulator, match)
    member = _member(guild, int(match["user"]))
    payload = payload or {}
    unmodelled = sorted(set(payload) - {"mute", "deaf", "channel_id"})
    if unmodelled:
        raise rules.invalid(f"{', '.join(unmodelled)}: not modelled by the emulator")
    state = guild.voice_states.get(member.user.id)
    if state is None:
        raise DiscordError(
            400, rules.NOT_CONNECTED_TO_VOICE, "Target user is not connected to voice"
        )
    channel = guild.channels[state.channel_id]
    mute, deaf = payload.get("mute"), payload.get("deaf")
    if mute is not None:
        require_in(emulator, guild, channel, MUTE_MEMBERS)
    if deaf is not None:
        require_in(emulator, guild, channel, DEAFEN_MEMBERS)
    target: Channel | None = None
    if "channel_id" in payload:
        require_in(emulator, guild, channel, MOVE_MEMBERS)
        if payload["channel_id"] is not None:
            target = guild.channels.get(int(payload["channel_id"]))
            if target is None:
                raise DiscordError(404, rules.UNKNOWN_CHANNEL, "Unknown Channel")
            if not target.is_vocal:
                raise DiscordError(
                    400, rules.WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type"
                )
            require_in(emulator, guild, target, MOVE_MEMBERS, CONNECT)
    changed = False
    if mute is not None and bool(mute) != member.mute:
        member.mute = state.mute = bool(mute)
        changed = True
    if deaf is not None and bool(deaf) != member.deaf:
        member.deaf = state.deaf = bool(deaf)
        changed = True
    if changed:
        await announce_member(emulator, guild, member)
    if "channel_id" in payload and target is None:
        await disconnect(emulator, guild, state)
    else:
        if target is not None and target.id != state.channel_id:
            connect(emulator, guild, member, target)
        await announce_state(emulator, state)
    return member.to_json()


VOICE_STATE = r"/guilds/(?P<guild>\d+)/voice-states/(?P<user>@me|\d+)"
ROUTES: list[Route] = [
    ("GET", VOICE_STATE, get_voice_state),
    ("PATCH", r"/guilds/(?P<guild>\d+)/voice-states/@me", edit_my_voice_state),
    ("PATCH", r"/guilds/(?P<guild>\d+)/voice-states/(?P<user>\d+)", edit_voice_state),
    ("PATCH", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)", edit_member),
]
