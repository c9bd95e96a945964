"""Routes for channels, messages and threads, with Discord's permission checks, nonces,
and archived and locked threads."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.messages import announce, fetched
from emulator.rest import json_response
from emulator.rules import THREAD_LOCKED, DiscordError
from emulator.state import (
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Message,
    iso,
)

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator

# How long Discord remembers a nonce for enforce_nonce ("the past few minutes").
NONCE_WINDOW = 5 * 60


async def get_channel(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    _guild, channel = emulator.guild_of_channel(int(match["channel"]))
    return channel.to_json()


async def edit_channel(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    guild, channel = emulator.guild_of_channel(int(match["channel"]))
    payload = payload or {}
    if channel.is_thread:
        # The thread's creator may rename, archive and unarchive it (a locked one
        # too); locking and anyone else's thread need Manage Threads.
        member = guild.members[emulator.bot_user.id]
        manages = bool(guild.permissions_in(member, channel) & MANAGE_THREADS)
        creator = channel.owner_id == emulator.bot_user.id
        unlocking = channel.locked and payload.get("archived") is False
        if (("locked" in payload or unlocking) and not manages) or not (manages or creator):
            # A locked thread is unarchived only with Manage Threads.
            raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")
        emulator.archive_if_idle(guild, channel)
        channel.locked = bool(payload.get("locked", channel.locked))
        archived = bool(payload.get("archived", channel.archived))
        if archived != channel.archived:
            channel.archived = archived
            channel.archive_timestamp = iso(emulator.clock.now())
            if not archived:
                channel.last_activity = emulator.now()
    if "name" in payload:
        channel.name = str(payload["name"])[:100]
    await emulator.dispatch(
        "CHANNEL_UPDATE" if not channel.is_thread else "THREAD_UPDATE",
        channel.to_json(),
        guild.id,
    )
    return channel.to_json()


def _require(emulator: Emulator, guild: Guild, channel: Channel, *needed: int) -> None:
    member = guild.members[emulator.bot_user.id]
    have = guild.permissions_in(member, channel)
    for permission in needed:
        if not have & permission:
            if not have & VIEW_CHANNEL:
                raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
            raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")


async def create_message(
    emulator: Emulator,
    request: web.Request,
    match: re.Match[str],
    payload: Any,
    files: dict[str, bytes],
) -> Any:
    guild, channel = emulator.guild_of_channel(int(match["channel"]))
    payload = payload or {}
    send = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
    needed = [VIEW_CHANNEL, send]
    if payload.get("embeds"):
        needed.append(EMBED_LINKS)
    if files:
        needed.append(ATTACH_FILES)
    _require(emulator, guild, channel, *needed)
    nonce = payload.get("nonce")
    if nonce is not None:
        rules.check_nonce(nonce)
        key = (emulator.bot_user.id, str(nonce))
        seen = emulator.nonces.get(key)
        if payload.get("enforce_nonce") and seen and emulator.now() - seen[1] < NONCE_WINDOW:
            # Discord returns the first message instead of creating a second one.
            return seen[0].data
    if channel.is_thread:
        emulator.archive_if_idle(guild, channel)
        may_manage = guild.permissions_in(guild.members[emulator.bot_user.id], channel)
        if channel.locked and not may_manage & MANAGE_THREADS:
            raise DiscordError(400, THREAD_LOCKED, "Thread is locked")
        if channel.archived:
            # Sending a message unarchives the thread (unless it is locked).
            emulator._set_archived(guild, channel, False)
    message = emulator.store_message(guild, channel, emulator.bot_user, payload, files)
    if nonce is not None:
        emulator.nonces[(emulator.bot_user.id, str(nonce))] = (message, emulator.now())
    bot_member = guild.members[emulator.bot_user.id].to_json()
    await emulator.dispatch("MESSAGE_CREATE", message.data | {"member": bot_member}, guild.id)
    await announce(emulator, message)
    return message.data


async def list_messages(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild, channel = emulator.guild_of_channel(int(match["channel"]))
    _require(emulator, guild, channel, VIEW_CHANNEL)
    if not guild.permissions_in(guild.members[emulator.bot_user.id], channel) & (
        READ_MESSAGE_HISTORY
    ):
        return []  # Discord: without Read Message History no messages are returned
    limit_text = request.query.get("limit", "50")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
        raise rules.invalid("limit: Value must be an integer between 1 and 100.")
    limit = int(limit_text)
    found = [
        m for m in emulator.by_channel.get(channel.id, ()) if not m.deleted and not m.ephemeral
    ]
    # As Discord: the `limit` messages just after `after` (or just before `before`,
    # or the latest), newest first.
    if "after" in request.query:
        after = int(request.query["after"])
        found = [m for m in found if m.id > after][:limit]
    else:
        before = int(request.query.get("before", 0)) or None
        found = [m for m in found if before is None or m.id < before][-limit:]
    return [fetched(m) for m in reversed(found)]


def _message(emulator: Emulator, channel_id: int, message_id: int) -> Message:
    message = emulator.messages.get(message_id)
    if message is None or message.deleted or message.channel_id != channel_id:
        raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")
    return message


async def get_message(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    return fetched(_message(emulator, int(match["channel"]), int(match["message"])))


async def edit_message(
    emulator: Emulator,
    request: web.Request,
    match: re.Match[str],
    payload: Any,
    files: dict[str, bytes],
) -> Any:
    message = _message(emulator, int(match["channel"]), int(match["message"]))
    if int(message.data["author"]["id"]) != emulator.bot_user.id:
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    await emulator.update_message(message, payload or {}, files)
    return message.data


async def delete_message(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild, channel = emulator.guild_of_channel(int(match["channel"]))
    message = _message(emulator, channel.id, int(match["message"]))
    if int(message.data["author"]["id"]) != emulator.bot_user.id:
        _require(emulator, guild, channel, MANAGE_MESSAGES)
    message.deleted = True
    await emulator.dispatch(
        "MESSAGE_DELETE",
        {"id": str(message.id), "channel_id": str(channel.id), "guild_id": str(guild.id)},
        guild.id,
    )
    return None


async def create_thread(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    guild, parent = emulator.guild_of_channel(int(match["channel"]))
    _require(emulator, guild, parent, VIEW_CHANNEL, CREATE_PUBLIC_THREADS)
    payload = payload or {}
    name = str(payload.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise rules.invalid("name: Must be between 1 and 100 in length.")
    message_id = match.groupdict().get("message")
    if message_id:
        _message(emulator, parent.id, int(message_id))
        if int(message_id) in guild.channels:
            raise DiscordError(
                400,
                rules.THREAD_ALREADY_CREATED,
                "A thread has already been created for this message",
            )
    thread = Channel(
        int(message_id) if message_id else emulator.ids.next(),
        guild.id,
        name,
        PUBLIC_THREAD,
        parent_id=parent.id,
        owner_id=emulator.bot_user.id,
        auto_archive_duration=int(payload.get("auto_archive_duration") or 1440),
        last_activity=emulator.now(),
        archive_timestamp=iso(emulator.clock.now()),
    )
    guild.channels[thread.id] = thread
    data = thread.to_json() | {"newly_created": True}
    await emulator.dispatch("THREAD_CREATE", data, guild.id)
    if payload.get("message"):
        message = emulator.store_message(guild, thread, emulator.bot_user, payload["message"], {})
        await emulator.dispatch("MESSAGE_CREATE", message.data, guild.id)
        await announce(emulator, message)
    return json_response(data, 201)


CHANNEL = r"/channels/(?P<channel>\d+)"
MESSAGE = CHANNEL + r"/messages/(?P<message>\d+)"
ROUTES: list[Route] = [
    ("GET", CHANNEL, get_channel),
    ("POST", CHANNEL + "/messages", create_message),
    ("GET", CHANNEL + "/messages", list_messages),
    ("GET", MESSAGE, get_message),
    ("PATCH", MESSAGE, edit_message),
    ("DELETE", MESSAGE, delete_message),
    ("POST", MESSAGE + "/threads", create_thread),
    ("POST", CHANNEL + "/threads", create_thread),
    ("PATCH", CHANNEL, edit_channel),
]
