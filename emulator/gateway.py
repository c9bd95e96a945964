"""The gateway: sessions by shard and intent, IDENTIFY and RESUME, events as Discord
sends them (and hides them, without the intents they need)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from emulator.voice import gateway_voice_update

if TYPE_CHECKING:
    from emulator.server import Emulator

# Events a bot receives only with an intent (guild message events need GUILD_MESSAGES).
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_VOICE_STATES_INTENT = 1 << 7
GUILD_MESSAGES_INTENT = 1 << 9
GUILD_PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT = 1 << 15
# A heartbeat's acknowledgement comes back after a network's round trip. discord.py times
# it from when its keep-alive thread saw the heartbeat sent; an acknowledgement read by the
# event loop before that thread woke up is timed from the heartbeat before, a whole
# interval late ("Can't keep up, ... websocket is 41.3s behind"). Real time: discord.py's
# heartbeats do not follow the test's or the sandbox's clock.
HEARTBEAT_ROUND_TRIP = 0.02
EVENT_INTENTS = {
    "MESSAGE_CREATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_UPDATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_DELETE": GUILD_MESSAGES_INTENT,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS_INTENT,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS_INTENT,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS_INTENT,
    "VOICE_STATE_UPDATE": GUILD_VOICE_STATES_INTENT,
}


@dataclass
class Session:
    """A gateway session: survives a dropped socket, so RESUME can replay what was missed."""

    id: str
    shard: tuple[int, int]
    intents: int = 0
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None


class Gateway:
    """The gateway of one emulator. Its sessions are the emulator's (`emulator.sessions`);
    the sockets they are on are kept here."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.sockets: set[web.WebSocketResponse] = set()
        # Heartbeats received from every session, for whoever watches the connection.
        self.heartbeats = 0
        # Who else follows the events as they are sent, each once, whatever the shards
        # and intents (the sandbox's console shows every post, edit and deletion).
        self.watchers: list[Callable[[str, dict[str, Any]], None]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await socket.prepare(request)
        self.sockets.add(socket)
        await socket.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": self.emulator.heartbeat_interval_ms}})
        )
        session: Session | None = None
        acknowledgements: set[asyncio.Task[None]] = set()
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op = payload.get("op")
            if op == 1:
                self.heartbeats += 1
                ack = asyncio.create_task(self._acknowledge(socket), name="heartbeat-ack")
                acknowledgements.add(ack)
                ack.add_done_callback(acknowledgements.discard)
            elif op == 2:
                session = await self._identify(socket, payload["d"])
            elif op == 6:
                session = await self._resume(socket, payload["d"])
            elif op == 4 and session is not None:
                await gateway_voice_update(self.emulator, payload["d"])
        for ack in list(acknowledgements):
            ack.cancel()
        if session is not None and session.socket is socket:
            session.socket = None
        self.sockets.discard(socket)
        return socket

    async def _acknowledge(self, socket: web.WebSocketResponse) -> None:
        await asyncio.sleep(HEARTBEAT_ROUND_TRIP)
        if not socket.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_str(json.dumps({"op": 11}))

    async def _identify(
        self, socket: web.WebSocketResponse, data: dict[str, Any]
    ) -> Session | None:
        emulator = self.emulator
        if data.get("token") != emulator.token:
            await socket.close(code=4004, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        session = Session(
            uuid.uuid4().hex,
            (shard_id, shard_count),
            intents=int(data.get("intents") or 0),
            socket=socket,
        )
        emulator.sessions[session.id] = session
        emulator.identify_count += 1
        guilds = [g for g in emulator.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": emulator.bot_user.to_json() | {"verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": emulator.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(emulator.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
            },
        )
        for guild in guilds:
            data = guild.to_json()
            if not session.intents & GUILD_PRESENCES_INTENT:
                # Without the presences intent Discord sends only the bot's own member
                # and the members in voice.
                shown = {str(emulator.bot_user.id)} | {str(u) for u in guild.voice_states}
                data["members"] = [m for m in data["members"] if m["user"]["id"] in shown]
            if not session.intents & GUILD_VOICE_STATES_INTENT:
                data["voice_states"] = []
            await self._send(session, "GUILD_CREATE", data)
        emulator.identified.set()
        return session

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.emulator.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.emulator.token:
            await socket.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.socket = socket
        self.emulator.resume_count += 1
        missed = [p for p in session.buffer if p["s"] > int(data.get("seq") or 0)]
        for payload in missed:
            await socket.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        return session

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        if self.emulator.contract is not None:
            self.emulator.violations += self.emulator.contract.check_event(event, data)
        session.buffer.append(payload)
        del session.buffer[:-1000]
        if session.socket is not None and not session.socket.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.socket.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        """Send an event to every session whose shard holds `guild_id` (all if None) and
        that asked for the intent the event belongs to."""
        for watch in self.watchers:
            watch(event, data)
        needed = EVENT_INTENTS.get(event, 0)
        for session in list(self.emulator.sessions.values()):
            if needed and not session.intents & needed:
                continue
            shard_id, count = session.shard
            if guild_id is None or (guild_id >> 22) % count == shard_id:
                await self._send(session, event, self._visible(session, event, data))

    def _visible(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the Message Content intent a bot sees other users' messages empty,
        unless they mention it (as Discord does)."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self.emulator.bot_user.id)
        author = (data.get("author") or {}).get("id")
        mentioned = any(m.get("id") == bot_id for m in data.get("mentions") or [])
        if author == bot_id or mentioned:
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    async def drop(self, code: int = 4000) -> None:
        """Close every bot socket with `code`, as Discord does when it restarts a node."""
        for socket in list(self.sockets):
            if not socket.closed:
                await socket.close(code=code, message=b"emulated drop")
        if code in (4004, 4010, 4011, 4012, 4013, 4014):
            return
        if code in (4007, 4009):
            self.emulator.sessions.clear()
