"""Messages as Discord stores them, shared by the REST routes and the member API:
stored, edited (not in an archived or locked thread), their mentions resolved."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emulator import rules
from emulator.rules import THREAD_ARCHIVED, THREAD_LOCKED, DiscordError
from emulator.state import (
    EPHEMERAL,
    LOADING,
    MANAGE_THREADS,
    MENTION_EVERYONE,
    Channel,
    Guild,
    Interaction,
    Message,
    Snowflakes,
    User,
    iso,
)

if TYPE_CHECKING:
    from emulator.server import Emulator


def store_message(
    emulator: Emulator,
    guild: Guild,
    channel: Channel,
    author: User,
    payload: dict[str, Any],
    files: dict[str, bytes],
    *,
    interaction: Interaction | None = None,
    validate: bool = True,
) -> Message:
    if validate:
        rules.check_message(payload, require_content=not files)
    flags = int(payload.get("flags") or 0)
    data: dict[str, Any] = {
        "id": str(emulator.ids.next()),
        "channel_id": str(channel.id),
        "guild_id": str(guild.id),
        "author": author.to_json(),
        "content": str(payload.get("content") or ""),
        "timestamp": iso(emulator.clock.now()),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": _attachments(payload, files, emulator.ids),
        "embeds": _rich(payload.get("embeds")),
        "components": _numbered(payload.get("components")),
        "pinned": False,
        "type": 0 if interaction is None else (20 if interaction.type == 2 else 19),
        "flags": flags,
    }
    if payload.get("nonce") is not None:
        # Discord echoes the nonce on the created message (and its MESSAGE_CREATE).
        data["nonce"] = payload["nonce"]
    if interaction is not None:
        data["application_id"] = str(emulator.application_id)
        data["webhook_id"] = str(emulator.application_id)
        data["interaction_metadata"] = interaction.metadata()
    reference = payload.get("message_reference")
    if isinstance(reference, dict) and reference.get("message_id"):
        # A reply: Discord echoes the reference (and the type) on the message.
        data["message_reference"] = {
            "type": 0,
            "message_id": str(reference["message_id"]),
            "channel_id": str(channel.id),
            "guild_id": str(guild.id),
        }
        data["type"] = 19
    if not data["flags"] & EPHEMERAL:
        channel.last_activity = emulator.now()  # a message is a thread's activity
    message = Message(data, ephemeral=bool(flags & EPHEMERAL), attachments=dict(files))
    _resolve_mentions(emulator, guild, message, payload.get("allowed_mentions"), author)
    emulator.messages[message.id] = message
    emulator.by_channel[message.channel_id].append(message)
    return message


async def update_message(
    emulator: Emulator, message: Message, payload: dict[str, Any], files: dict[str, bytes]
) -> None:
    guild, channel = emulator.guild_of_channel(message.channel_id)
    if channel.is_thread and not message.ephemeral:
        emulator.archive_if_idle(guild, channel)
        if channel.archived:
            # Nobody can edit a message in an archived thread (Discord: 50083).
            raise DiscordError(400, THREAD_ARCHIVED, "Thread is archived")
        bot_member = guild.members[emulator.bot_user.id]
        if channel.locked and not guild.permissions_in(bot_member, channel) & MANAGE_THREADS:
            # Nor, without Manage Threads, in a locked one.
            raise DiscordError(400, THREAD_LOCKED, "Thread is locked")
    merged = {k: message.data.get(k) for k in ("content", "embeds", "components")}
    merged |= {k: v for k, v in payload.items() if k in ("content", "embeds", "components")}
    rules.check_message(merged, require_content=False)
    for key in ("content", "embeds", "components"):
        if key in payload:
            message.data[key] = (
                payload[key] if payload[key] is not None else ("" if key == "content" else [])
            )
    message.data["components"] = _numbered(message.data["components"])
    message.data["embeds"] = _rich(message.data["embeds"])
    if "flags" in payload and payload["flags"] is not None:
        message.data["flags"] = int(payload["flags"]) | (message.data["flags"] & EPHEMERAL)
    message.data["flags"] = int(message.data.get("flags") or 0) & ~LOADING
    if files or "attachments" in payload:
        message.data["attachments"] = _attachments(payload, files, emulator.ids)
        message.attachments = dict(files)
    message.data["edited_timestamp"] = iso(emulator.clock.now())
    guild = emulator.guilds[int(message.data["guild_id"])]
    author = emulator.users[int(message.data["author"]["id"])]
    _resolve_mentions(emulator, guild, message, payload.get("allowed_mentions"), author)
    if not message.ephemeral:
        await emulator.dispatch("MESSAGE_UPDATE", message.data, guild.id)
    await announce(emulator, message)


def _resolve_mentions(
    emulator: Emulator,
    guild: Guild,
    message: Message,
    allowed: dict[str, Any] | None,
    author: User,
) -> None:
    """Who the message would really notify, following Discord's allowed_mentions rules."""
    content = message.content
    parse = {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse") or [])
    users_allowed = {int(u) for u in (allowed or {}).get("users") or []}
    roles_allowed = {int(r) for r in (allowed or {}).get("roles") or []}
    everyone = bool(re.search(r"@(everyone|here)", content))
    users = [int(u) for u in re.findall(r"<@!?(\d+)>", content)]
    roles = [int(r) for r in re.findall(r"<@&(\d+)>", content)]
    author_member = guild.members.get(author.id)
    may_everyone = author.bot or (
        author_member is not None and guild.base_permissions(author_member) & (1 << 17)
    )
    message.pinged_everyone = everyone and "everyone" in parse and bool(may_everyone)
    message.pinged_users = [u for u in users if "users" in parse or u in users_allowed]
    # A role mention notifies only if the role is mentionable or the author may
    # mention everyone (Discord's Mention @everyone, @here, and All Roles).
    channel = guild.channels.get(message.channel_id)
    may_roles = author_member is not None and bool(
        (
            guild.permissions_in(author_member, channel)
            if channel is not None
            else guild.base_permissions(author_member)
        )
        & MENTION_EVERYONE
    )
    message.pinged_roles = [
        r
        for r in roles
        if ("roles" in parse or r in roles_allowed)
        and r in guild.roles
        and (guild.roles[r].mentionable or may_roles)
    ]
    message.data["mention_everyone"] = message.pinged_everyone
    message.data["mentions"] = [
        emulator.users[u].to_json() for u in message.pinged_users if u in emulator.users
    ]
    message.data["mention_roles"] = [str(r) for r in message.pinged_roles]


async def announce(emulator: Emulator, message: Message) -> None:
    """Wake whoever waits for a message to be posted or changed (wait_for_message)."""
    async with emulator.message_created:
        emulator.message_created.notify_all()


def fetched(message: Message) -> dict[str, Any]:
    """A message as a read gives it back: the nonce is only in the answer to the post and
    in its MESSAGE_CREATE, never in a fetch (so nothing can find a message by it later)."""
    return {k: v for k, v in message.data.items() if k != "nonce"}


def _rich(embeds: Any) -> list[dict[str, Any]]:
    """Embeds as Discord stores a bot's: of type "rich" unless it said otherwise."""
    return [{"type": "rich"} | embed for embed in embeds or []]


def _numbered(components: Any) -> list[dict[str, Any]]:
    """Components as Discord stores them: each with an `id`, numbered in order through
    the tree where the bot gave none."""
    counter = 0
    taken: set[int] = set()

    def walk(items: list[dict[str, Any]], visit: Callable[[dict[str, Any]], None]) -> None:
        for item in items:
            visit(item)
            walk(item.get("components") or [], visit)

    copied: list[dict[str, Any]] = json.loads(json.dumps(list(components or [])))
    walk(copied, lambda c: taken.add(int(c["id"])) if c.get("id") is not None else None)

    def number(item: dict[str, Any]) -> None:
        nonlocal counter
        if item.get("id") is None:
            counter += 1
            while counter in taken:
                counter += 1
            item["id"] = counter

    walk(copied, number)
    return copied


def _attachments(
    payload: dict[str, Any], files: dict[str, bytes], ids: Snowflakes
) -> list[dict[str, Any]]:
    return [
        {
            "id": str(ids.next()),
            "filename": name,
            "size": len(data),
            "url": f"https://cdn.invalid/attachments/{name}",
            "proxy_url": f"https://cdn.invalid/attachments/{name}",
        }
        for name, data in files.items()
    ]
