"""What the emulated Discord holds: users, guilds, roles, channels, members, messages and
the interactions members start."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.clock import Clock
    from emulator.voice import StageInstance, VoiceState

DISCORD_EPOCH_MS = 1420070400000

# Permission bits used by the emulator's checks.
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
PRIORITY_SPEAKER = 1 << 8
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
DEAFEN_MEMBERS = 1 << 23
MOVE_MEMBERS = 1 << 24
USE_VAD = 1 << 25
MANAGE_ROLES = 1 << 28
REQUEST_TO_SPEAK = 1 << 32
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL_PERMISSIONS = (1 << 47) - 1

# A new server's @everyone: reading and writing, and in voice connecting, speaking and
# asking to speak on a Stage.
EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | SEND_MESSAGES_IN_THREADS
    | CREATE_PUBLIC_THREADS
    | CONNECT
    | SPEAK
    | STREAM
    | USE_VAD
    | REQUEST_TO_SPEAK
)
# In a voice or Stage channel, a member who may not connect has none of these either
# (permissions.mdx, "Implicit Permissions").
NEEDS_CONNECT = (
    PRIORITY_SPEAKER
    | STREAM
    | CONNECT
    | SPEAK
    | MUTE_MEMBERS
    | DEAFEN_MEMBERS
    | MOVE_MEMBERS
    | USE_VAD
    | REQUEST_TO_SPEAK
    | MANAGE_CHANNELS
    | MANAGE_ROLES
)

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

TEXT_CHANNEL = 0
VOICE_CHANNEL = 2
STAGE_CHANNEL = 13
VOCAL_TYPES = (VOICE_CHANNEL, STAGE_CHANNEL)
PUBLIC_THREAD = 11
THREAD_TYPES = (10, 11, 12)


class Snowflakes:
    """Ids shaped like Discord's: a timestamp, then a counter, so creation times are real."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._counter = itertools.count(1)

    def next(self) -> int:
        millis = int(self.clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


def iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int
    mentionable: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[int]
    joined_at: str = field(default_factory=iso)
    # Server mute and deafen: kept on the member, so they hold again when they rejoin.
    mute: bool = False
    deaf: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user.to_json(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "premium_since": None,
            "joined_at": self.joined_at,
            "deaf": self.deaf,
            "mute": self.mute,
            "flags": 0,
            "pending": False,
        }


@dataclass
class Channel:
    id: int
    guild_id: int
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    # role or member id -> (allow, deny)
    overwrites: dict[int, tuple[int, int]] = field(default_factory=dict)
    archived: bool = False
    locked: bool = False
    # A thread archives after this many minutes without activity (a message sent, an
    # unarchive); `last_activity` is when that last happened, on the emulator's clock.
    auto_archive_duration: int = 1440
    last_activity: float = 0.0
    archive_timestamp: str | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_vocal(self) -> bool:
        """A voice or Stage channel, which members join."""
        return self.type in VOCAL_TYPES

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.is_thread:
            data |= {
                "owner_id": str(self.owner_id) if self.owner_id else None,
                "member_count": 1,
                "message_count": 0,
                "total_message_sent": 0,
                "thread_metadata": {
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.archive_timestamp,
                    "locked": self.locked,
                },
            }
        else:
            data |= {
                "topic": None,
                "permission_overwrites": [
                    {
                        "id": str(target),
                        "type": 0,
                        "allow": str(allow),
                        "deny": str(deny),
                    }
                    for target, (allow, deny) in self.overwrites.items()
                ],
            }
        if self.is_vocal:
            data |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None}
        return data


@dataclass
class Message:
    """A message as stored, with who it would actually have pinged."""

    data: dict[str, Any]
    pinged_everyone: bool = False
    pinged_users: list[int] = field(default_factory=list)
    pinged_roles: list[int] = field(default_factory=list)
    ephemeral: bool = False
    deleted: bool = False
    attachments: dict[str, bytes] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c["type"] == 2]

    def text(self) -> str:
        """Everything a person would read: content, then each embed's parts."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for item in embed.get("fields") or []:
                parts += [item.get("name") or "", item.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)


@dataclass
class Interaction:
    """One interaction the emulator created, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    guild_id: int
    channel_id: int
    member: Member
    data: dict[str, Any]
    created: float
    message: Message | None = None
    # For a modal submit: the interaction the modal answered.
    trigger: Interaction | None = None
    response_type: int | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def reply(self) -> Message | None:
        """The message the member sees as the answer: the original or its first followup."""
        if self.original is not None and not self.original.data.get("flags", 0) & LOADING:
            return self.original
        if self.followups:
            return self.followups[0]
        return None

    @property
    def ephemeral(self) -> bool:
        reply = self.reply
        return bool(reply and reply.ephemeral)

    def metadata(self) -> dict[str, Any]:
        """The interaction_metadata Discord puts on a message that answers this one."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": self.member.user.to_json(),
            "authorizing_integration_owners": {"0": str(self.guild_id)},
        }
        if self.original is not None:
            data["original_response_message_id"] = str(self.original.id)
        if self.type == 3 and self.message is not None:
            data["interacted_message_id"] = str(self.message.id)
        if self.type == 5 and self.trigger is not None:
            data["triggering_interaction_metadata"] = self.trigger.metadata()
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    # command name -> role ids granted it in Server Settings > Integrations
    command_overrides: dict[str, set[int]] = field(default_factory=dict)
    # user id -> where that member is connected to voice (emulator/voice.py)
    voice_states: dict[int, VoiceState] = field(default_factory=dict)
    # Stage channel id -> its live Stage instance
    stage_instances: dict[int, StageInstance] = field(default_factory=dict)

    def base_permissions(self, member: Member) -> int:
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        permissions = self.roles[self.id].permissions
        for role_id in member.roles:
            permissions |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if permissions & ADMINISTRATOR else permissions

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Discord's permission algorithm: base, then @everyone, role and member overwrites."""
        permissions = self.base_permissions(member)
        if permissions & ADMINISTRATOR or permissions == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        source = (
            self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
        )
        allow, deny = source.overwrites.get(self.id, (0, 0))
        permissions = (permissions & ~deny) | allow
        allow_roles = deny_roles = 0
        for role_id in member.roles:
            role_allow, role_deny = source.overwrites.get(role_id, (0, 0))
            allow_roles |= role_allow
            deny_roles |= role_deny
        permissions = (permissions & ~deny_roles) | allow_roles
        allow, deny = source.overwrites.get(member.user.id, (0, 0))
        permissions = (permissions & ~deny) | allow
        if not permissions & VIEW_CHANNEL:
            return 0
        if source.is_vocal and not permissions & CONNECT:
            permissions &= ~NEEDS_CONNECT
        return permissions

    def to_json(self) -> dict[str, Any]:
        channels = [c for c in self.channels.values() if not c.is_thread]
        threads = [c for c in self.channels.values() if c.is_thread and not c.archived]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "roles": [r.to_json() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": iso(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.to_json() for m in self.members.values()],
            "channels": [c.to_json() for c in channels],
            "threads": [c.to_json() for c in threads],
            "presences": [],
            # Discord leaves guild_id out of these (gateway-events.mdx, Guild Create).
            "voice_states": [v.to_json(with_guild=False) for v in self.voice_states.values()],
            "stage_instances": [s.to_json() for s in self.stage_instances.values()],
            "guild_scheduled_events": list(self.scheduled_events.values()),
            "soundboard_sounds": [],
        }
