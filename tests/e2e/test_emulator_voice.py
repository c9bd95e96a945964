"""Voice and Stage channels in the emulator, as Discord documents them (voice.mdx,
stage-instance.mdx, guild-scheduled-event.mdx), seen through discord.py itself: what it
sends is answered as Discord would, and what the emulator sends it parses into members'
voice states and the guild's Stage instances."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket

from emulator import Emulator, Role, World
from emulator.state import (
    CONNECT,
    CREATE_EVENTS,
    MANAGE_CHANNELS,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    REQUEST_TO_SPEAK,
)
from emulator.voice import VoiceUnavailable
from tests.conftest import cli_environment, run_cli
from tests.e2e.conftest import eventually

# These calls are the test's own, not moot's: the mention rule is not theirs to keep.
pytestmark = pytest.mark.raw_calls

STAGE_MODERATOR = MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS


@pytest.fixture
async def http(emulator: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession(base_url=emulator.base_url, headers=headers) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, "/api/v10" + path, json=body) as response:
        return response.status, (await response.json() if response.status != 204 else None)


def breaches(emulator: Emulator) -> set[str]:
    """Where the calls so far broke Discord's OpenAPI document; then forgets them."""
    found = {f"{v.side} {v.where}" for v in emulator.violations}
    emulator.violations.clear()
    return found


@contextlib.asynccontextmanager
async def discord_client(
    emulator: Emulator, *, voice: bool = True
) -> AsyncIterator[discord.Client]:
    """A bare discord.py client on the emulator, with the GUILD_VOICE_STATES intent or
    without it."""
    discord.http.Route.BASE = emulator.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    intents = discord.Intents(guilds=True, voice_states=voice)
    client = discord.Client(intents=intents, guild_ready_timeout=0.1)
    runner = asyncio.create_task(client.start(emulator.token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await runner


async def caught_up(emulator: Emulator, *clients: discord.Client) -> None:
    """Until every event sent so far has been read (and so parsed) by each client."""
    await emulator.settle()

    def read_all() -> bool:
        for client in clients:
            session = emulator.sessions.get(client.ws.session_id or "")
            if session is not None and (client.ws.sequence or 0) < session.seq:
                return False
        return not emulator.in_flight

    await eventually(read_all)


def bot_role(world: World) -> Role:
    return next(r for r in world.guild.roles.values() if r.name == "moot")


async def grant_bot(emulator: Emulator, world: World, permissions: int) -> None:
    role = bot_role(world)
    await emulator.update_role(world.guild, role, permissions=role.permissions | permissions)


def seen(emulator: Emulator, event: str) -> list[dict[str, Any]]:
    """Every `event` the gateway dispatches from now on (to whichever session)."""
    found: list[dict[str, Any]] = []
    emulator.gateway.watchers.append(
        lambda name, data: found.append(data) if name == event else None
    )
    return found


async def test_the_bot_brings_a_member_up_on_a_stage_and_back_to_the_audience(
    emulator: Emulator, world: World
) -> None:
    """A member joins a Stage in the audience; the bot (with Mute Members) invites them
    up through discord.py's Member.edit(suppress=False), which sets their request-to-speak
    time, and moves them back, which removes it; discord.py sees each change."""
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    await grant_bot(emulator, world, MUTE_MEMBERS)
    alice = world.member("alice")
    async with discord_client(emulator) as client:
        await emulator.join_voice(alice, stage)
        await caught_up(emulator, client)
        state = emulator.voice_state(world.guild, alice.user.id)
        assert state is not None and state.channel_id == stage.id and state.suppress
        guild = client.get_guild(world.guild.id)
        assert guild is not None
        member = guild.get_member(alice.user.id)
        assert member is not None and member.voice is not None
        assert member.voice.channel is not None and member.voice.channel.id == stage.id
        assert member.voice.suppress and member.voice.requested_to_speak_at is None

        emulator.advance(5)
        await member.edit(suppress=False)
        await caught_up(emulator, client)
        assert not state.suppress and state.request_to_speak_timestamp == emulator.clock.now()
        assert member.voice is not None and not member.voice.suppress
        assert member.voice.requested_to_speak_at == emulator.clock.now()

        await member.edit(suppress=True)
        await caught_up(emulator, client)
        assert state.suppress and state.request_to_speak_timestamp is None
        assert member.voice.suppress and member.voice.requested_to_speak_at is None


async def test_suppress_is_refused_without_mute_members_or_outside_that_stage(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    other = emulator.add_channel(world.guild, "other stage", kind=13)
    lounge = emulator.add_channel(world.guild, "lounge", kind=2)
    alice, bob = world.member("alice"), world.member("bob")
    await emulator.join_voice(alice, stage)
    await emulator.join_voice(bob, lounge)
    updates = seen(emulator, "VOICE_STATE_UPDATE")
    path = f"/guilds/{world.guild.id}/voice-states/{alice.user.id}"
    status, body = await call(http, "PATCH", path, {"channel_id": str(stage.id), "suppress": False})
    assert (status, body["code"]) == (403, 50013)  # Missing Permissions

    await grant_bot(emulator, world, MUTE_MEMBERS)
    status, body = await call(http, "PATCH", path, {"channel_id": str(other.id), "suppress": False})
    assert status == 400  # she is not in that Stage
    bob_path = f"/guilds/{world.guild.id}/voice-states/{bob.user.id}"
    status, body = await call(
        http, "PATCH", bob_path, {"channel_id": str(lounge.id), "suppress": True}
    )
    assert (status, body["code"]) == (400, 50024)  # a voice channel is not a Stage
    carol_path = f"/guilds/{world.guild.id}/voice-states/{world.member('carol').user.id}"
    status, body = await call(http, "PATCH", carol_path, {"suppress": False})
    assert (status, body["code"]) == (404, 10065)  # Unknown Voice State: not connected
    status, body = await call(http, "GET", carol_path)
    assert (status, body["code"]) == (404, 10065)
    state = emulator.voice_state(world.guild, alice.user.id)
    assert state is not None and state.suppress and updates == []

    assert (await call(http, "PATCH", path, {"suppress": False}))[0] == 204
    status, body = await call(http, "GET", path)
    assert status == 200 and body["suppress"] is False and body["request_to_speak_timestamp"]
    assert [u["user_id"] for u in updates] == [str(alice.user.id)]
    assert not breaches(emulator)


async def test_server_mute_needs_the_member_in_voice_and_holds_when_they_rejoin(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    lounge = emulator.add_channel(world.guild, "lounge", kind=2)
    hall = emulator.add_channel(world.guild, "hall", kind=2)
    bob = world.member("bob")
    members_updated = seen(emulator, "GUILD_MEMBER_UPDATE")
    async with discord_client(emulator) as client:
        await emulator.join_voice(bob, lounge)
        await caught_up(emulator, client)
        guild = client.get_guild(world.guild.id)
        assert guild is not None
        member = guild.get_member(bob.user.id)
        assert member is not None and member.voice is not None
        assert not member.voice.suppress and not member.voice.mute  # he may speak here
        with pytest.raises(discord.Forbidden):
            await member.edit(mute=True)

        await grant_bot(emulator, world, MUTE_MEMBERS | MOVE_MEMBERS)
        await member.edit(mute=True)
        await caught_up(emulator, client)
        assert bob.mute and member.voice.mute
        assert [m["mute"] for m in members_updated] == [True]

        await member.move_to(guild.get_channel(hall.id))
        await caught_up(emulator, client)
        assert member.voice.channel is not None and member.voice.channel.id == hall.id
        assert member.voice.mute  # the server mute went with him

        await emulator.leave_voice(bob)
        await caught_up(emulator, client)
        assert emulator.voice_state(world.guild, bob.user.id) is None
        path = f"/guilds/{world.guild.id}/members/{bob.user.id}"
        status, body = await call(http, "PATCH", path, {"mute": False})
        assert (status, body["code"]) == (400, 40032)  # Target user is not connected to voice
        await emulator.join_voice(bob, lounge)
        await caught_up(emulator, client)
        member = guild.get_member(bob.user.id)
        assert member is not None and member.voice is not None and member.voice.mute
        status, body = await call(http, "PATCH", path, {"mute": False})
        assert status == 200 and body["mute"] is False
        await caught_up(emulator, client)
        assert not member.voice.mute and not bob.mute

        await member.move_to(None)  # disconnect
        await caught_up(emulator, client)
        assert emulator.voice_state(world.guild, bob.user.id) is None
    assert not breaches(emulator)


async def test_a_stage_instance_is_opened_fetched_and_closed_by_a_stage_moderator(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    text = world.debates
    opened = {"channel_id": str(stage.id), "topic": "This house would intervene"}
    status, body = await call(http, "POST", "/stage-instances", opened)
    assert (status, body["code"]) == (403, 50013)  # not a moderator of the Stage
    await grant_bot(emulator, world, MANAGE_CHANNELS | MUTE_MEMBERS)
    status, body = await call(http, "POST", "/stage-instances", opened)
    assert (status, body["code"]) == (403, 50013)  # Move Members is missing still
    await grant_bot(emulator, world, MOVE_MEMBERS)
    status, body = await call(
        http, "POST", "/stage-instances", opened | {"channel_id": str(text.id)}
    )
    assert (status, body["code"]) == (400, 50024)  # not a Stage
    for topic in ("", "x" * 121):
        status, body = await call(http, "POST", "/stage-instances", opened | {"topic": topic})
        assert (status, body["code"]) == (400, 50035), topic
    assert breaches(emulator) == {"request $.topic"}  # the document's 1-120 too
    assert emulator.stage_instance(stage) is None

    async with discord_client(emulator) as client:
        channel = client.get_channel(stage.id)
        assert isinstance(channel, discord.StageChannel)
        instance = await channel.create_instance(topic="x" * 120)
        assert instance.topic == "x" * 120 and instance.channel_id == stage.id
        held = emulator.stage_instance(stage)
        assert held is not None and held.id == instance.id and held.guild_scheduled_event_id is None
        with pytest.raises(discord.HTTPException) as refused:
            await channel.create_instance(topic="again")
        assert refused.value.code == 150006  # the Stage is already open
        await caught_up(emulator, client)
        assert channel.instance is not None and channel.instance.id == instance.id
        fetched = await channel.fetch_instance()
        assert fetched.id == instance.id
        await instance.edit(topic="Renamed")
        await caught_up(emulator, client)
        assert held.topic == "Renamed" and channel.instance.topic == "Renamed"
        await instance.delete()
        await caught_up(emulator, client)
        assert emulator.stage_instance(stage) is None and channel.instance is None
        with pytest.raises(discord.NotFound) as missing:
            await channel.fetch_instance()
        assert missing.value.code == 10067  # Unknown Stage Instance
    assert not breaches(emulator)


async def test_a_stage_event_needs_a_stage_and_its_moderators_and_goes_live_with_it(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    start = emulator.clock.now() + timedelta(hours=1)
    events = f"/guilds/{world.guild.id}/scheduled-events"
    planned = {
        "name": "Round 1",
        "privacy_level": 2,
        "scheduled_start_time": start.isoformat(),
        "entity_type": 1,
        "channel_id": str(stage.id),
    }
    # moot's invite has Create Events, which is not enough for a Stage event.
    status, body = await call(http, "POST", events, planned)
    assert (status, body["code"]) == (403, 50013)
    await grant_bot(emulator, world, STAGE_MODERATOR)
    status, _ = await call(http, "POST", events, planned | {"channel_id": str(world.debates.id)})
    assert status == 400  # a Stage event is held on a Stage
    status, _ = await call(
        http, "POST", events, {k: v for k, v in planned.items() if k != "channel_id"}
    )
    assert status == 400
    assert not breaches(emulator)

    async with discord_client(emulator) as client:
        guild = client.get_guild(world.guild.id)
        channel = client.get_channel(stage.id)
        assert guild is not None and isinstance(channel, discord.StageChannel)
        event = await guild.create_scheduled_event(
            name="Round 1",
            start_time=start,
            entity_type=discord.EntityType.stage_instance,
            channel=channel,
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        assert event.channel_id == stage.id and event.status is discord.EventStatus.scheduled
        instance = await channel.create_instance(topic="Round 1", scheduled_event=event)
        await caught_up(emulator, client)
        held = emulator.stage_instance(stage)
        assert held is not None and held.guild_scheduled_event_id == event.id
        assert instance.scheduled_event_id == event.id
        live = guild.get_scheduled_event(event.id)
        assert live is not None and live.status is discord.EventStatus.active
        await instance.delete()
        await caught_up(emulator, client)
        ended = guild.get_scheduled_event(event.id)
        assert ended is not None and ended.status is discord.EventStatus.completed

        # External events are as they were: Create Events in the server is enough.
        await grant_bot(emulator, world, CREATE_EVENTS)
        external = await guild.create_scheduled_event(
            name="Round 2",
            start_time=start,
            end_time=start + timedelta(hours=1),
            entity_type=discord.EntityType.external,
            location="Town hall",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        assert external.location == "Town hall"
    assert not breaches(emulator)


async def test_voice_states_reach_only_sessions_with_the_voice_states_intent(
    emulator: Emulator, world: World
) -> None:
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    alice, bob = world.member("alice"), world.member("bob")
    async with (
        discord_client(emulator) as listening,
        discord_client(emulator, voice=False) as deaf,
    ):
        heard: list[int] = []
        deaf.event(_recorder(heard, "on_voice_state_update"))
        await emulator.join_voice(alice, stage)
        await emulator.request_to_speak(alice)
        await caught_up(emulator, listening, deaf)
        guild = listening.get_guild(world.guild.id)
        assert guild is not None
        member = guild.get_member(alice.user.id)
        assert member is not None and member.voice is not None
        assert member.voice.requested_to_speak_at == emulator.clock.now()
        deaf_guild = deaf.get_guild(world.guild.id)
        assert deaf_guild is not None and deaf_guild.get_member(alice.user.id) is None
        assert heard == []
        session = emulator.sessions[deaf.ws.session_id or ""]
        assert not [p for p in session.buffer if p["t"] == "VOICE_STATE_UPDATE"]

    # A session that connects later finds who is in voice in GUILD_CREATE, if it may.
    await emulator.join_voice(bob, stage)
    async with (
        discord_client(emulator) as late,
        discord_client(emulator, voice=False) as late_deaf,
    ):
        guild = late.get_guild(world.guild.id)
        assert guild is not None
        in_stage = late.get_channel(stage.id)
        assert isinstance(in_stage, discord.StageChannel)
        assert sorted(m.id for m in in_stage.members) == sorted([alice.user.id, bob.user.id])
        deaf_stage = late_deaf.get_channel(stage.id)
        assert isinstance(deaf_stage, discord.StageChannel) and deaf_stage.members == []


def _recorder(heard: list[int], name: str) -> Any:
    async def handler(member: discord.Member, *_: Any) -> None:
        heard.append(member.id)

    handler.__name__ = name
    return handler


async def test_member_actions_in_voice_follow_the_client(emulator: Emulator, world: World) -> None:
    """Joining elsewhere moves a member; a hand is raised only with Request to Speak, in a
    Stage's audience; a moderator's hand on mute and suppress reaches the bot."""
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    lounge = emulator.add_channel(world.guild, "lounge", kind=2)
    alice = world.member("alice")
    async with discord_client(emulator) as client:
        await emulator.join_voice(alice, lounge)
        with pytest.raises(VoiceUnavailable):
            await emulator.request_to_speak(alice)  # not on a Stage
        first = emulator.voice_state(world.guild, alice.user.id)
        await emulator.join_voice(alice, stage)
        state = emulator.voice_state(world.guild, alice.user.id)
        assert state is first and state is not None and state.channel_id == stage.id
        assert state.suppress

        emulator.set_overwrites(stage, {world.guild.id: (0, REQUEST_TO_SPEAK)})
        with pytest.raises(VoiceUnavailable):
            await emulator.request_to_speak(alice)
        emulator.set_overwrites(stage, {})
        await emulator.request_to_speak(alice)
        assert state.suppress and state.request_to_speak_timestamp == emulator.clock.now()

        await emulator.set_suppressed(alice, False)
        assert not state.suppress and state.request_to_speak_timestamp == emulator.clock.now()
        await emulator.answer_invitation(alice)  # now a speaker: no request left
        assert not state.suppress and state.request_to_speak_timestamp is None
        with pytest.raises(VoiceUnavailable):
            await emulator.answer_invitation(alice)  # nothing to answer
        await emulator.set_server_mute(alice, True)
        await caught_up(emulator, client)
        guild = client.get_guild(world.guild.id)
        assert guild is not None
        member = guild.get_member(alice.user.id)
        assert member is not None and member.voice is not None
        assert not member.voice.suppress and member.voice.mute

        await emulator.leave_voice(alice)
        await caught_up(emulator, client)
        assert emulator.voice_state(world.guild, alice.user.id) is None
        assert guild.get_member(alice.user.id) is None or member.voice is None
        with pytest.raises(VoiceUnavailable):
            await emulator.leave_voice(alice)
        with pytest.raises(VoiceUnavailable):
            await emulator.join_voice(alice, world.general)  # a text channel


async def test_the_bot_joins_a_stage_and_may_always_step_down_but_needs_mute_members_to_speak(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """The bot's own voice state (Modify Current User Voice State): it joins through the
    gateway, as discord.py does, in the audience; it may suppress itself and withdraw a
    request at any time, needs Mute Members to unsuppress itself (and, a bot, is not
    invited by it), and asks to speak only at a present or future time."""
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    me = f"/guilds/{world.guild.id}/voice-states/@me"
    async with discord_client(emulator) as client:
        guild = client.get_guild(world.guild.id)
        channel = client.get_channel(stage.id)
        assert guild is not None and isinstance(channel, discord.StageChannel)
        status, body = await call(http, "GET", me)
        assert (status, body["code"]) == (404, 10065)
        await guild.change_voice_state(channel=channel)  # gateway opcode 4, no answer
        state = await eventually(lambda: emulator.voice_state(world.guild, emulator.bot_user.id))
        await caught_up(emulator, client)
        assert state.channel_id == stage.id and state.suppress
        assert guild.me.voice is not None and guild.me.voice.suppress

        await guild.me.edit(suppress=True)  # always allowed
        with pytest.raises(discord.Forbidden):
            await guild.me.edit(suppress=False)
        assert state.suppress
        earlier = (emulator.clock.now() - timedelta(minutes=1)).isoformat()
        status, body = await call(http, "PATCH", me, {"request_to_speak_timestamp": earlier})
        assert (status, body["code"]) == (400, 50035)
        asked = emulator.clock.now().isoformat()
        assert (await call(http, "PATCH", me, {"request_to_speak_timestamp": asked}))[0] == 204
        assert state.request_to_speak_timestamp == emulator.clock.now()

        await grant_bot(emulator, world, MUTE_MEMBERS)
        await guild.me.edit(suppress=False)
        await caught_up(emulator, client)
        assert not state.suppress and state.request_to_speak_timestamp is None
        assert not guild.me.voice.suppress
        status, body = await call(http, "GET", me)
        assert status == 200 and body["suppress"] is False and body["channel_id"] == str(stage.id)

        await guild.change_voice_state(channel=None)
        await eventually(lambda: emulator.voice_state(world.guild, emulator.bot_user.id) is None)
        await caught_up(emulator, client)
        assert guild.me.voice is None
    assert not breaches(emulator)


async def test_deleting_a_stage_disconnects_its_people_and_ends_its_instance(
    emulator: Emulator, world: World
) -> None:
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    await grant_bot(emulator, world, STAGE_MODERATOR)
    alice = world.member("alice")
    async with discord_client(emulator) as client:
        channel = client.get_channel(stage.id)
        assert isinstance(channel, discord.StageChannel)
        await channel.create_instance(topic="Soon gone")
        await emulator.join_voice(alice, stage)
        await caught_up(emulator, client)
        guild = client.get_guild(world.guild.id)
        assert guild is not None and len(guild.stage_instances) == 1
        emulator.remove_channel(stage)
        await caught_up(emulator, client)
        assert emulator.voice_state(world.guild, alice.user.id) is None
        assert emulator.stage_instance(stage) is None
        assert not guild.stage_instances and client.get_channel(stage.id) is None
        member = guild.get_member(alice.user.id)
        assert member is None or member.voice is None


def test_the_sandbox_joins_voice_and_raises_hands(tmp_path: Path) -> None:
    script = tmp_path / "stage.txt"
    script.write_text(
        "alice: join #stage\nbob: join stage\nbob: raise hand\ncarol: join lounge\n"
        "dave: join #general\nchannels\nbob: leave\nchannels\n",
        encoding="utf-8",
    )
    result = run_cli(
        "sandbox", "--script", str(script), env=cli_environment(tmp_path), cwd=tmp_path
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Discord would not allow that: #general is not a voice or Stage channel" in out
    assert "#stage (Stage): speaking nobody; audience alice, bob (hand raised)" in out
    assert "#stage (Stage): speaking nobody; audience alice\n" in out
    assert "#lounge (voice): carol" in out


async def test_starting_a_stage_event_opens_its_stage_and_ending_it_closes_it(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """A Stage event set ACTIVE opens its Stage, with the event's name as the topic, and
    set COMPLETED closes it; a voice event needs View Channel and Connect in its voice
    channel besides Create Events."""
    stage = emulator.add_channel(world.guild, "stage", kind=13)
    await grant_bot(emulator, world, STAGE_MODERATOR)
    events = f"/guilds/{world.guild.id}/scheduled-events"
    start = (emulator.clock.now() + timedelta(hours=1)).isoformat()
    planned = {
        "name": "Round 3: This house would trade with rivals",
        "privacy_level": 2,
        "scheduled_start_time": start,
        "entity_type": 1,
        "channel_id": str(stage.id),
    }
    status, event = await call(http, "POST", events, planned)
    assert status == 200 and event["channel_id"] == str(stage.id)
    path = f"{events}/{event['id']}"
    status, event = await call(http, "PATCH", path, {"status": 2})
    assert status == 200 and event["status"] == 2
    instance = emulator.stage_instance(stage)
    assert instance is not None and instance.topic == planned["name"]
    assert instance.guild_scheduled_event_id == int(event["id"])
    status, event = await call(http, "PATCH", path, {"status": 3})
    assert status == 200 and emulator.stage_instance(stage) is None

    lounge = emulator.add_channel(world.guild, "lounge", kind=2)
    voice_event = planned | {"entity_type": 2, "channel_id": str(lounge.id)}
    emulator.set_overwrites(lounge, {bot_role(world).id: (0, CONNECT)})
    status, body = await call(http, "POST", events, voice_event)
    assert (status, body["code"]) == (403, 50013)
    emulator.set_overwrites(lounge, {})
    assert (await call(http, "POST", events, voice_event))[0] == 200
    status, _ = await call(http, "POST", events, voice_event | {"channel_id": str(stage.id)})
    assert status == 400  # a voice event is held in a voice channel
    assert not breaches(emulator)
