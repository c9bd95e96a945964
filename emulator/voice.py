"""Voice: who is connected where, Stages and their instances, and what members do there.

Discord's documents are the model (voice.mdx, stage-instance.mdx): a member joining a
Stage is in the audience (`suppress: true`), one joining a voice channel may speak if the
channel lets them; server mute and deafen belong to the member and hold again when they
rejoin; unsuppressing a member who is not a bot sets their request-to-speak time to now
(they are invited to speak) and suppressing them removes it. Every change reaches the bot
as a VOICE_STATE_UPDATE, which the gateway sends only with the GUILD_VOICE_STATES intent.

The REST routes (emulator/routes/voice.py, emulator/routes/stages.py) and the member
actions below share the changes made here, so a test's member and the bot act on the same
states.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator.options import CommandUnavailable
from emulator.state import (
    CONNECT,
    REQUEST_TO_SPEAK,
    SPEAK,
    STAGE_CHANNEL,
    Channel,
    Guild,
    Member,
    iso,
)

if TYPE_CHECKING:
    from emulator.server import Emulator


class VoiceUnavailable(CommandUnavailable):
    """Discord's client would not let this member do that in voice."""


@dataclass
class VoiceState:
    """A member's connection to a voice or Stage channel of one guild."""

    guild_id: int
    member: Member
    channel_id: int
    session_id: str
    mute: bool = False
    deaf: bool = False
    self_mute: bool = False
    self_deaf: bool = False
    self_video: bool = False
    self_stream: bool = False
    suppress: bool = False
    request_to_speak_timestamp: datetime | None = None

    @property
    def user_id(self) -> int:
        return self.member.user.id

    def to_json(self, *, with_guild: bool = True, connected: bool = True) -> dict[str, Any]:
        """As Discord sends it: in an event or a REST answer with guild_id and member; in
        GUILD_CREATE without either. `connected` False: the state of a member who left
        (channel_id null)."""
        asked = self.request_to_speak_timestamp
        data: dict[str, Any] = {
            "channel_id": str(self.channel_id) if connected else None,
            "user_id": str(self.user_id),
            "session_id": self.session_id,
            "deaf": self.deaf,
            "mute": self.mute,
            "self_deaf": self.self_deaf,
            "self_mute": self.self_mute,
            "self_video": self.self_video,
            "self_stream": self.self_stream,
            "suppress": self.suppress,
            "request_to_speak_timestamp": iso(asked) if asked else None,
        }
        if with_guild:
            data = {"guild_id": str(self.guild_id), **data, "member": self.member.to_json()}
        return data


@dataclass
class StageInstance:
    """A live Stage: its channel, topic and the scheduled event it belongs to."""

    id: int
    guild_id: int
    channel_id: int
    topic: str
    privacy_level: int = 2
    guild_scheduled_event_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        event = self.guild_scheduled_event_id
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "topic": self.topic,
            "privacy_level": self.privacy_level,
            "discoverable_disabled": False,
            "guild_scheduled_event_id": str(event) if event else None,
        }


# --- the changes, shared by REST and the member actions ------------------------------


async def announce_state(emulator: Emulator, state: VoiceState, *, connected: bool = True) -> None:
    await emulator.dispatch(
        "VOICE_STATE_UPDATE", state.to_json(connected=connected), state.guild_id
    )


async def announce_member(emulator: Emulator, guild: Guild, member: Member) -> None:
    """GUILD_MEMBER_UPDATE, as Discord sends it when a member's mute or deafen changes."""
    await emulator.dispatch(
        "GUILD_MEMBER_UPDATE", member.to_json() | {"guild_id": str(guild.id)}, guild.id
    )


def connect(emulator: Emulator, guild: Guild, member: Member, channel: Channel) -> VoiceState:
    """Put `member` in `channel`, or move them there from where they are (same session).
    A Stage puts them in the audience; a voice channel lets them speak if they may."""
    state = guild.voice_states.get(member.user.id)
    if state is None:
        state = VoiceState(guild.id, member, channel.id, uuid.uuid4().hex)
        guild.voice_states[member.user.id] = state
    state.channel_id = channel.id
    state.mute, state.deaf = member.mute, member.deaf
    state.request_to_speak_timestamp = None
    if channel.type == STAGE_CHANNEL:
        state.suppress = True
    else:
        state.suppress = not guild.permissions_in(member, channel) & SPEAK
    return state


async def disconnect(emulator: Emulator, guild: Guild, state: VoiceState) -> None:
    """The member is out of voice: their last state, with channel_id null, is sent."""
    del guild.voice_states[state.user_id]
    state.request_to_speak_timestamp = None
    await announce_state(emulator, state, connected=False)


async def gateway_voice_update(emulator: Emulator, data: dict[str, Any]) -> None:
    """The bot's own Update Voice State (gateway opcode 4): join, move or leave. What
    Discord would refuse (a channel it may not connect to) changes nothing. No voice
    server is emulated, so no VOICE_SERVER_UPDATE follows."""
    guild = emulator.guilds.get(int(data.get("guild_id") or 0))
    if guild is None:
        return
    member = guild.members[emulator.bot_user.id]
    state = guild.voice_states.get(member.user.id)
    if data.get("channel_id") is None:
        if state is not None:
            await disconnect(emulator, guild, state)
        return
    channel = guild.channels.get(int(data["channel_id"]))
    if channel is None or not channel.is_vocal:
        return
    if not guild.permissions_in(member, channel) & CONNECT:
        return
    state = connect(emulator, guild, member, channel)
    state.self_mute, state.self_deaf = bool(data.get("self_mute")), bool(data.get("self_deaf"))
    await announce_state(emulator, state)


def set_suppress(emulator: Emulator, state: VoiceState, suppressed: bool) -> None:
    """Discord's rule for another member's suppress on a Stage: unsuppressed, a member who
    is not a bot is invited to speak (request-to-speak time now); suppressed, the request
    is removed."""
    state.suppress = suppressed
    if suppressed:
        state.request_to_speak_timestamp = None
    elif not state.member.user.bot:
        state.request_to_speak_timestamp = emulator.clock.now()


class VoiceActions:
    """Mixed into Emulator: what members do in voice and on Stages, and what a moderator
    does to them there by hand in the client."""

    async def join_voice(self: Emulator, member: Member, channel: Channel) -> None:
        """Join a voice or Stage channel (moving there if already elsewhere in voice)."""
        guild = self.guilds[channel.guild_id]
        if not channel.is_vocal:
            raise VoiceUnavailable(f"#{channel.name} is not a voice or Stage channel")
        if guild.members.get(member.user.id) is not member:
            raise VoiceUnavailable(f"{member.user.username} is not a member of {guild.name}")
        if not guild.permissions_in(member, channel) & CONNECT:
            raise VoiceUnavailable(f"{member.user.username} may not connect to #{channel.name}")
        await self.settle()
        await announce_state(self, connect(self, guild, member, channel))

    async def leave_voice(self: Emulator, member: Member) -> None:
        """Disconnect from voice."""
        guild, state = self._connected(member)
        await self.settle()
        await disconnect(self, guild, state)

    async def request_to_speak(self: Emulator, member: Member) -> None:
        """Raise a hand in a Stage's audience: the request-to-speak time is now; the
        member stays suppressed until a moderator brings them up."""
        guild, state = self._connected(member)
        channel = guild.channels[state.channel_id]
        if channel.type != STAGE_CHANNEL:
            raise VoiceUnavailable("only a Stage's audience can ask to speak")
        if not state.suppress:
            raise VoiceUnavailable(f"{member.user.username} is already a speaker")
        if not guild.permissions_in(member, channel) & REQUEST_TO_SPEAK:
            raise VoiceUnavailable(f"{member.user.username} may not ask to speak here")
        await self.settle()
        state.request_to_speak_timestamp = self.clock.now()
        await announce_state(self, state)

    async def set_server_mute(self: Emulator, member: Member, muted: bool) -> None:
        """A moderator's Server Mute (or unmute) in the client, on a member in voice."""
        guild, state = self._connected(member)
        await self.settle()
        member.mute = state.mute = muted
        await announce_member(self, guild, member)
        await announce_state(self, state)

    async def set_suppressed(self: Emulator, member: Member, suppressed: bool) -> None:
        """A Stage moderator moving a member to the audience, or inviting them to speak."""
        guild, state = self._connected(member)
        if guild.channels[state.channel_id].type != STAGE_CHANNEL:
            raise VoiceUnavailable("only a Stage has speakers and an audience")
        await self.settle()
        set_suppress(self, state, suppressed)
        await announce_state(self, state)

    async def answer_invitation(self: Emulator, member: Member, accept: bool = True) -> None:
        """Answer an invitation to speak (a member unsuppressed on a Stage, with the
        request-to-speak time Discord set then): accepted, they are a speaker (no request
        left); declined, back in the audience."""
        _, state = self._connected(member)
        if state.suppress or state.request_to_speak_timestamp is None:
            raise VoiceUnavailable(f"{member.user.username} has not been invited to speak")
        await self.settle()
        state.request_to_speak_timestamp = None
        state.suppress = not accept
        await announce_state(self, state)

    async def close_silent_stage(self: Emulator, channel: Channel) -> None:
        """Discord deletes a Stage instance whose Stage has had no speakers for a while
        (stage-instance.mdx, Auto Closing). No time is documented: a test says when."""
        from emulator.routes.stages import close_stage

        await self.settle()
        guild = self.guilds[channel.guild_id]
        instance = guild.stage_instances.get(channel.id)
        if instance is None:
            raise VoiceUnavailable("that Stage is not live")
        if any(
            s.channel_id == channel.id and not s.suppress and s.request_to_speak_timestamp is None
            for s in guild.voice_states.values()
        ):
            raise VoiceUnavailable("a Stage with a speaker is not closed for silence")
        await close_stage(self, guild, instance)

    def voice_state(self: Emulator, guild: Guild, user_id: int) -> VoiceState | None:
        """Where a member is connected in `guild`, or None."""
        return guild.voice_states.get(user_id)

    def stage_instance(self: Emulator, channel: Channel) -> StageInstance | None:
        """The live Stage instance of a Stage channel, or None."""
        return self.guilds[channel.guild_id].stage_instances.get(channel.id)

    def _connected(self: Emulator, member: Member) -> tuple[Guild, VoiceState]:
        for guild in self.guilds.values():
            state = guild.voice_states.get(member.user.id)
            if state is not None and state.member is member:
                return guild, state
        raise VoiceUnavailable(f"{member.user.username} is not in a voice channel")
