"""A local stand-in for Discord's REST API v10 and gateway, for an unmodified discord.py.

Start one with `await Emulator().start()`, point the bot at `emulator.api_url` and
`emulator.gateway_url`, and act as members through the methods in `emulator.members`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.clock import Clock
from emulator import rules
from emulator.clock import ManualClock
from emulator.members import MemberActions
from emulator.rules import DiscordError
from emulator.state import (
    ATTACH_FILES,
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    EVERYONE_DEFAULT,
    MANAGE_EVENTS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MENTION_EVERYONE,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    Snowflakes,
    User,
    iso,
)

if TYPE_CHECKING:
    from emulator.contract import Contract, Violation

log = logging.getLogger("emulator")

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
# Events a bot receives only with an intent (guild message events need GUILD_MESSAGES).
GUILD_MESSAGES_INTENT = 1 << 9
GUILD_PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT = 1 << 15
EVENT_INTENTS = {
    "MESSAGE_CREATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_UPDATE": GUILD_MESSAGES_INTENT,
    "MESSAGE_DELETE": GUILD_MESSAGES_INTENT,
}
# How long after its start an event that never began is cancelled ("a few hours").
EVENT_FORGOTTEN = timedelta(hours=3)
# Discord's invalid-request limit: 10,000 401, 403 or 429 answers in 10 minutes.
INVALID_LIMIT, INVALID_WINDOW = 10_000, 600
# How long Discord remembers a nonce for enforce_nonce ("the past few minutes").
NONCE_WINDOW = 5 * 60
LOADING = 1 << 7
THREAD_ARCHIVED, THREAD_LOCKED = 50083, 160005


@dataclass
class Faults:
    """Trouble to inject into REST calls; rates are fractions of calls (0.0 to 1.0)."""

    rate_limit: float = 0.0
    server_error: float = 0.0
    latency: float = 0.0
    retry_after: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)


@dataclass
class RateLimits:
    """Per-route buckets and a global limit, as Discord advertises them in headers."""

    per_route: int = 50
    window: float = 1.0
    global_per_second: int = 50
    # Count the windows in seconds of the system clock rather than the test's: for bots in
    # other processes that pace themselves by the system clock while the test's stands still.
    wall_clock: bool = False


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
class Session:
    """A gateway session: survives a dropped socket, so RESUME can replay what was missed."""

    id: str
    shard: tuple[int, int]
    intents: int = 0
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None


@dataclass
class Call:
    """A REST call the bot made, kept for inspection (allowed_mentions, payload sizes)."""

    method: str
    path: str
    status: int
    body: dict[str, Any] | None
    at: float
    # A 429 of the token's global limit (not of one route's).
    global_limit: bool = False


class Emulator(MemberActions):
    """The emulated Discord: state, a REST API, a gateway, rules, rate limits and faults."""

    def __init__(
        self,
        *,
        token: str = "emulator-bot-token",
        host: str = "127.0.0.1",
        port: int = 0,
        interaction_deadline: float = 3.0,
        followup_ttl: float = 15 * 60,
        heartbeat_interval_ms: int = 41250,
        clock: Clock | None = None,
        check_contract: bool = False,
    ) -> None:
        # Every request, answer and event held to Discord's OpenAPI document (the tests
        # turn this on; it needs the dev dependency jsonschema). What breaks it is kept in
        # `violations`.
        self.contract: Contract | None = None
        self.violations: list[Violation] = []
        if check_contract:
            from emulator.contract import contract

            self.contract = contract()  # loaded once per process, before the first request
        # Discord's own timers (interaction tokens, nonces, rate-limit windows) and the
        # times it stamps on ids and messages follow this clock: the test's, when it has
        # one, so that "an hour passes" means an hour to the bot and to Discord alike.
        self.clock = clock or Clock()
        self.token = token
        self.host = host
        self.port = port
        self.interaction_deadline = interaction_deadline
        self.followup_ttl = followup_ttl
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ids = Snowflakes(self.clock)
        self.application_id = self.ids.next()
        self.bot_user = User(self.application_id, "moot", bot=True)
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.messages: dict[int, Message] = {}
        # The same messages by channel, in the order they were posted.
        self.by_channel: dict[int, list[Message]] = defaultdict(list)
        self.interactions: dict[int, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_puts = 0
        self.sessions: dict[str, Session] = {}
        self.calls: list[Call] = []
        # When each 401, 403 and 429 (but a shared-scope 429) was answered: Discord bans
        # an IP that makes INVALID_LIMIT of them within INVALID_WINDOW seconds.
        self.invalid: list[float] = []
        self.faults = Faults()
        self.rate_limits = RateLimits()
        self._buckets: dict[str, list[float]] = defaultdict(list)
        self._global: list[float] = []
        self._started = time.monotonic()
        # REST requests received and not yet answered.
        self.in_flight = 0
        self._pending: list[asyncio.Future[None]] = []
        self._sockets: set[web.WebSocketResponse] = set()
        self.uploads: dict[str, bytes] = {}
        # (author, nonce) -> (message, when): what enforce_nonce deduplicates against.
        self._nonces: dict[tuple[int, str], tuple[Message, float]] = {}
        self._runner: web.AppRunner | None = None
        self.identified = asyncio.Event()
        self.message_created = asyncio.Condition()
        self.identify_count = 0
        self.resume_count = 0

    # --- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def bot_environment(self) -> dict[str, str]:
        """The MOOT_ settings that point a bot process at this emulator."""
        return {
            "MOOT_TOKEN": self.token,
            "MOOT_DISCORD_API_URL": self.api_url,
            "MOOT_DISCORD_GATEWAY_URL": self.gateway_url,
            "MOOT_GUILD_READY_TIMEOUT": "0.1",
        }

    async def start(self) -> Emulator:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024 * 1024)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for socket in list(self._sockets):
            if not socket.closed:
                await socket.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def now(self) -> float:
        """The emulator's clock, in Unix seconds."""
        return self.clock.now().timestamp()

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass (the clock must be a ManualClock)."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("only a ManualClock can be moved")
        self.clock.advance(seconds)

    def _window_now(self) -> float:
        """The time rate-limit windows are measured in: the clock, plus, on a clock that
        stands still between moves, the real time since the start. discord.py waits out
        a reported reset in real time; on a still clock the window would never end."""
        if self.rate_limits.wall_clock:
            return time.time()
        if isinstance(self.clock, ManualClock):
            return self.now() + time.monotonic() - self._started
        return self.now()

    # --- building the world ----------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False) -> User:
        user = User(self.ids.next(), name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, owner: User, *, bot_permissions: int | None = None) -> Guild:
        guild_id = self.ids.next()
        guild = Guild(guild_id, name, owner.id)
        guild.roles[guild_id] = Role(guild_id, "@everyone", EVERYONE_DEFAULT, 0)
        guild.members[owner.id] = Member(owner, [])
        # By default the bot has what the README's invite asks for (bot/invite.py).
        bot_role = self.add_role(
            guild,
            "moot",
            bot_permissions
            if bot_permissions is not None
            else (
                VIEW_CHANNEL
                | SEND_MESSAGES
                | SEND_MESSAGES_IN_THREADS
                | CREATE_PUBLIC_THREADS
                | EMBED_LINKS
                | ATTACH_FILES
                | READ_MESSAGE_HISTORY
                | MANAGE_MESSAGES
                | CREATE_EVENTS
            ),
        )
        guild.members[self.bot_user.id] = Member(self.bot_user, [bot_role.id])
        self.guilds[guild_id] = guild
        return guild

    async def update_role(
        self,
        guild: Guild,
        role: Role,
        *,
        permissions: int | None = None,
        mentionable: bool | None = None,
    ) -> None:
        """What an admin does in Server Settings > Roles; Discord tells the bot at once."""
        if permissions is not None:
            role.permissions = permissions
        if mentionable is not None:
            role.mentionable = mentionable
        await self.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_json()}, guild.id
        )

    def archive_if_idle(self, guild: Guild, thread: Channel) -> bool:
        """Archive `thread` if it has been idle for its auto-archive duration on the
        clock, as Discord does on its own (telling the bot in a THREAD_UPDATE)."""
        due = _archives_at(thread)
        if due is not None and self.clock.now() >= due:
            self._set_archived(guild, thread, True)
        return thread.archived

    def pass_time(self) -> None:
        """What Discord does on its own once the clock has moved: threads idle for their
        auto-archive duration archive; external events go live at their start and end at
        their end; an event that never began is cancelled some hours after its start."""
        for guild in self.guilds.values():
            for channel in list(guild.channels.values()):
                self.archive_if_idle(guild, channel)
            for event in guild.scheduled_events.values():
                # One move at a time: an event whose start and end both passed goes
                # live, then ends, in two updates, as Discord sends them.
                while (status := self._automatic_status(event)) is not None:
                    event["status"] = status
                    self._announce_later("GUILD_SCHEDULED_EVENT_UPDATE", dict(event), guild.id)

    def next_automation(self) -> datetime | None:
        """The next instant after now at which pass_time would change something."""
        now = self.clock.now()
        found: list[datetime] = []
        for guild in self.guilds.values():
            found += [at for c in guild.channels.values() if (at := _archives_at(c))]
            found += [move[0] for e in guild.scheduled_events.values() if (move := _next_move(e))]
        return min((at for at in found if at > now), default=None)

    def _automatic_status(self, event: dict[str, Any]) -> int | None:
        move = _next_move(event)
        return move[1] if move is not None and self.clock.now() >= move[0] else None

    def announcing(self) -> bool:
        """Whether events of changes made to the emulator are still on their way."""
        self._pending = [f for f in self._pending if not f.done()]
        return bool(self._pending)

    def _set_archived(self, guild: Guild, thread: Channel, archived: bool) -> None:
        thread.archived = archived
        thread.archive_timestamp = iso(self.clock.now())
        if not archived:
            thread.last_activity = self.now()
        self._announce_later("THREAD_UPDATE", thread.to_json(), guild.id)

    async def set_thread(self, thread: Channel, *, locked: bool, archived: bool) -> None:
        """What a moderator does to a thread (lock, close); Discord tells the bot."""
        guild, _ = self.guild_of_channel(thread.id)
        thread.locked = locked
        self._set_archived(guild, thread, archived)
        await self.settle()

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = Role(self.ids.next(), name, permissions, len(guild.roles))
        guild.roles[role.id] = role
        self._announce_later(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_json()}, guild.id
        )
        return role

    def _announce_later(self, event: str, data: dict[str, Any], guild_id: int) -> None:
        """Changes made while the bot is connected reach it as events, in order."""
        if not self.sessions:
            return
        self._pending.append(asyncio.ensure_future(self.dispatch(event, data, guild_id)))

    async def settle(self) -> None:
        """Wait until every event announced so far has been sent."""
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.gather(*pending)

    def add_member(self, guild: Guild, user: User, roles: list[Role] | None = None) -> Member:
        member = Member(user, [r.id for r in roles or []])
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        kind: int = 0,
        overwrites: dict[int, tuple[int, int]] | None = None,
    ) -> Channel:
        """A channel; `overwrites` maps a role or member id to (allow, deny) bits."""
        channel = Channel(
            self.ids.next(),
            guild.id,
            name,
            kind,
            position=len(guild.channels),
            overwrites=dict(overwrites or {}),
            last_activity=self.now(),
        )
        guild.channels[channel.id] = channel
        self._announce_later("CHANNEL_CREATE", channel.to_json(), guild.id)
        return channel

    def remove_channel(self, channel: Channel) -> None:
        """Delete a channel, as a member with Manage Channels would."""
        guild = self.guilds[channel.guild_id]
        del guild.channels[channel.id]
        self._announce_later("CHANNEL_DELETE", channel.to_json(), guild.id)

    def set_overwrites(self, channel: Channel, overwrites: dict[int, tuple[int, int]]) -> None:
        """Replace a channel's permission overwrites (role or member id -> (allow, deny))."""
        channel.overwrites = dict(overwrites)
        self._announce_later("CHANNEL_UPDATE", channel.to_json(), channel.guild_id)

    def guild_of_channel(self, channel_id: int) -> tuple[Guild, Channel]:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        raise DiscordError(404, rules.UNKNOWN_CHANNEL, "Unknown Channel")

    # --- uploads ---------------------------------------------------------------------

    def upload(self, filename: str, data: bytes) -> dict[str, Any]:
        """A file a member attached, served from the emulator's own CDN path."""
        attachment_id = str(self.ids.next())
        self.uploads[attachment_id] = data
        url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "application/octet-stream",
        }

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.uploads.get(request.match_info["id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # --- gateway ---------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await socket.prepare(request)
        self._sockets.add(socket)
        await socket.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        )
        session: Session | None = None
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op = payload.get("op")
            if op == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif op == 2:
                session = await self._identify(socket, payload["d"])
            elif op == 6:
                session = await self._resume(socket, payload["d"])
        if session is not None and session.socket is socket:
            session.socket = None
        self._sockets.discard(socket)
        return socket

    async def _identify(
        self, socket: web.WebSocketResponse, data: dict[str, Any]
    ) -> Session | None:
        if data.get("token") != self.token:
            await socket.close(code=4004, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        session = Session(
            uuid.uuid4().hex,
            (shard_id, shard_count),
            intents=int(data.get("intents") or 0),
            socket=socket,
        )
        self.sessions[session.id] = session
        self.identify_count += 1
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user.to_json() | {"verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
            },
        )
        for guild in guilds:
            data = guild.to_json()
            if not session.intents & GUILD_PRESENCES_INTENT:
                # Without the presences intent Discord sends only the bot's own member
                # (and members in voice, which the emulator has none of).
                data["members"] = [
                    m for m in data["members"] if m["user"]["id"] == str(self.bot_user.id)
                ]
            await self._send(session, "GUILD_CREATE", data)
        self.identified.set()
        return session

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await socket.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.socket = socket
        self.resume_count += 1
        missed = [p for p in session.buffer if p["s"] > int(data.get("seq") or 0)]
        for payload in missed:
            await socket.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        return session

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        if self.contract is not None:
            self.violations += self.contract.check_event(event, data)
        session.buffer.append(payload)
        del session.buffer[:-1000]
        if session.socket is not None and not session.socket.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.socket.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        """Send an event to every session whose shard holds `guild_id` (all if None) and
        that asked for the intent the event belongs to."""
        needed = EVENT_INTENTS.get(event, 0)
        for session in list(self.sessions.values()):
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
        author = (data.get("author") or {}).get("id")
        mentioned = any(m.get("id") == str(self.bot_user.id) for m in data.get("mentions") or [])
        if author == str(self.bot_user.id) or mentioned:
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every bot socket with `code`, as Discord does when it restarts a node."""
        for socket in list(self._sockets):
            if not socket.closed:
                await socket.close(code=code, message=b"emulated drop")
        if code in (4004, 4010, 4011, 4012, 4013, 4014):
            return
        if code in (4007, 4009):
            self.sessions.clear()

    async def invalidate_sessions(self) -> None:
        """Forget every session: the next RESUME gets INVALID_SESSION and must re-identify."""
        self.sessions.clear()

    # --- REST plumbing ---------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        body = None
        status = 200
        answer: web.StreamResponse | None = None
        self.in_flight += 1
        try:
            answer = await handler(request)
            status = answer.status
            return answer
        except DiscordError as exc:
            status = exc.status
            answer = _json({"message": exc.message, "code": exc.code}, exc.status)
            return answer
        except Exception:
            status = 500  # recorded as the bot saw it: aiohttp answers a 500
            raise
        finally:
            self.in_flight -= 1
            with contextlib.suppress(Exception):
                body = request.get(BODY)
            scope = answer.headers.get("X-RateLimit-Scope") if answer is not None else None
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    status,
                    body,
                    self.now(),
                    global_limit=status == 429 and scope == "global",
                )
            )
            shared = scope == "shared"
            if status in (401, 403) or (status == 429 and not shared):
                self.invalid.append(self.now())
            if self.contract is not None:
                self._check_call(self.contract, request, answer, status)

    def invalid_requests(self) -> int:
        """Invalid requests in the last INVALID_WINDOW seconds of the clock."""
        since = self.now() - INVALID_WINDOW
        return sum(1 for at in self.invalid if at > since)

    def _check_call(
        self,
        spec: Contract,
        request: web.Request,
        answer: web.StreamResponse | None,
        status: int,
    ) -> None:
        """The request against the operation the spec gives its route, and the answer
        against that operation's documented statuses and schemas. Server errors (the
        faults a test injects) are not described by the spec and go unchecked."""
        path = request.path[len(API_PREFIX) :]
        query = dict(request.query)
        self.violations += spec.check_request(
            request.method, path, query, request.get(BODY), read=BODY in request
        )
        if status >= 500 or answer is None:
            return
        body = None
        if isinstance(answer, web.Response) and answer.body is not None and status != 204:
            raw = answer.body
            if isinstance(raw, bytes | bytearray) and raw:
                body = json.loads(raw)
        self.violations += spec.check_response(request.method, path, status, body)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :]
        method = request.method
        webhook = path.startswith(("/interactions/", "/webhooks/"))
        if not webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for pattern, route_method, route_handler in self._routes():
            match = pattern.fullmatch(path)
            if match and method == route_method:
                handler = route_handler
                break
        else:
            log.warning("emulator: no route for %s %s", method, path)
            return _json({"message": "404: Not Found", "code": 0}, 404)
        startup = path in ("/users/@me", "/oauth2/applications/@me", "/gateway/bot")
        bucket = f"{method} {pattern.pattern}:{_major(match)}"
        if not startup:
            injected = await self._inject_fault(bucket)
            if injected is not None:
                return injected
            limited = self._rate_limited(bucket, global_applies=not webhook)
            if limited is not None:
                return limited
        payload, files = await _read_body(request)
        request[BODY] = payload
        result = await handler(request, match, payload, files)
        if isinstance(result, web.StreamResponse):
            response = result
        else:
            response = _json(result) if result is not None else web.Response(status=204)
        response.headers.update(self._bucket_headers(bucket))
        return response

    async def _inject_fault(self, bucket: str) -> web.Response | None:
        faults = self.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        roll = faults.random.random()
        if roll < faults.rate_limit:
            return self._too_many(faults.retry_after, is_global=False, bucket=bucket)
        if roll < faults.rate_limit + faults.server_error:
            return _json({"message": "500: Internal Server Error", "code": 0}, 500)
        return None

    def _rate_limited(self, bucket: str, *, global_applies: bool) -> web.Response | None:
        now = self._window_now()
        limits = self.rate_limits
        if global_applies:
            # 50 requests in each second of the window clock. A refused request is told
            # to wait for the next second, when the whole allowance is back: a rolling
            # window would tell it to wait for one slot that a second process takes
            # first, and discord.py's five tries would be gone within milliseconds.
            second = math.floor(now)
            self._global = [t for t in self._global if math.floor(t) == second]
            if len(self._global) >= limits.global_per_second:
                return self._too_many(second + 1 - now, is_global=True, bucket=bucket)
            self._global.append(now)
        hits = self._buckets[bucket] = [t for t in self._buckets[bucket] if now - t < limits.window]
        if len(hits) >= limits.per_route:
            retry = limits.window - (now - hits[0])
            return self._too_many(retry, is_global=False, bucket=bucket)
        hits.append(now)
        return None

    def _bucket_headers(self, bucket: str) -> dict[str, str]:
        now = self._window_now()
        hits = self._buckets.get(bucket, [])
        limits = self.rate_limits
        reset_after = limits.window - (now - hits[0]) if hits else limits.window
        return {
            "X-RateLimit-Limit": str(limits.per_route),
            "X-RateLimit-Remaining": str(max(0, limits.per_route - len(hits))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": uuid.uuid5(uuid.NAMESPACE_URL, bucket).hex[:16],
        }

    def _too_many(self, retry_after: float, *, is_global: bool, bucket: str) -> web.Response:
        response = _json(
            {
                "message": "You are being rate limited.",
                "code": 0,
                "retry_after": round(max(retry_after, 0.001), 3),
                "global": is_global,
            },
            429,
        )
        response.headers["Via"] = "1.1 google"
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        if is_global:
            response.headers["X-RateLimit-Global"] = "true"
            response.headers["X-RateLimit-Scope"] = "global"
        else:
            response.headers.update(self._bucket_headers(bucket))
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Scope"] = "user"
        return response

    def _routes(self) -> list[tuple[re.Pattern[str], str, Handler]]:
        if not hasattr(self, "_route_table"):
            table: list[tuple[str, str, Handler]] = [
                ("GET", r"/users/@me", self._get_me),
                ("GET", r"/oauth2/applications/@me", self._get_application),
                ("GET", r"/gateway/bot", self._get_gateway_bot),
                ("GET", r"/gateway", self._get_gateway_bot),
                ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
                ("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands),
                (
                    "PUT",
                    r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                    self._put_commands,
                ),
                (
                    "GET",
                    r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                    self._get_commands,
                ),
                ("GET", r"/channels/(?P<channel>\d+)", self._get_channel),
                ("POST", r"/channels/(?P<channel>\d+)/messages", self._create_message),
                ("GET", r"/channels/(?P<channel>\d+)/messages", self._list_messages),
                (
                    "GET",
                    r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                    self._get_message,
                ),
                (
                    "PATCH",
                    r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                    self._edit_message,
                ),
                (
                    "DELETE",
                    r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                    self._delete_message,
                ),
                (
                    "POST",
                    r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads",
                    self._create_thread,
                ),
                ("POST", r"/channels/(?P<channel>\d+)/threads", self._create_thread),
                ("PATCH", r"/channels/(?P<channel>\d+)", self._edit_channel),
                (
                    "POST",
                    r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback",
                    self._interaction_callback,
                ),
                ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
                (
                    "PATCH",
                    r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
                    self._edit_webhook_message,
                ),
                (
                    "GET",
                    r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
                    self._get_webhook_message,
                ),
                (
                    "DELETE",
                    r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
                    self._delete_webhook_message,
                ),
                ("GET", r"/guilds/(?P<guild>\d+)/scheduled-events", self._list_events),
                ("POST", r"/guilds/(?P<guild>\d+)/scheduled-events", self._create_event),
                (
                    "GET",
                    r"/guilds/(?P<guild>\d+)/scheduled-events/(?P<event>\d+)",
                    self._get_event,
                ),
                (
                    "PATCH",
                    r"/guilds/(?P<guild>\d+)/scheduled-events/(?P<event>\d+)",
                    self._edit_event,
                ),
                (
                    "DELETE",
                    r"/guilds/(?P<guild>\d+)/scheduled-events/(?P<event>\d+)",
                    self._delete_event,
                ),
            ]
            self._route_table = [(re.compile(p), m, h) for m, p, h in table]
        return self._route_table

    # --- start-up --------------------------------------------------------------------

    async def _get_me(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        return self.bot_user.to_json() | {"verified": True, "mfa_enabled": False, "locale": "en-US"}

    async def _get_application(self, *_: Any) -> Any:
        return {
            "id": str(self.application_id),
            "name": "moot",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.bot_user.to_json(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "type": None,
            "flags": 0,
            "flags_new": "0",
            "bot": self.bot_user.to_json(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["applications.commands", "bot"],
        }

    async def _get_gateway_bot(self, *_: Any) -> Any:
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    # --- application commands --------------------------------------------------------

    async def _put_commands(
        self, request: web.Request, match: re.Match[str], payload: Any, _: Any
    ) -> Any:
        if int(match["app"]) != self.application_id:
            raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
        commands = list(payload or [])
        rules.check_commands(commands)
        guild = match.groupdict().get("guild")
        registered = []
        for command in commands:
            # A global command has no guild_id at all; integration_types defaults to
            # guild install ([0]), as Discord answers.
            where = {"guild_id": guild} if guild else {}
            registered.append(
                command
                | where
                | {
                    "id": str(self.ids.next()),
                    "application_id": str(self.application_id),
                    "version": str(self.ids.next()),
                    "type": command.get("type", 1),
                    "description": command.get("description", ""),
                    "integration_types": command.get("integration_types") or [0],
                    "default_member_permissions": _permission_string(
                        command.get("default_member_permissions")
                    ),
                    "dm_permission": command.get("dm_permission", True),
                    "nsfw": command.get("nsfw", False),
                }
            )
        if guild:
            self.guild_commands[int(guild)] = registered
        else:
            self.global_commands = registered
        self.command_puts += 1
        return registered

    async def _get_commands(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        guild = match.groupdict().get("guild")
        return self.guild_commands.get(int(guild), []) if guild else self.global_commands

    # --- channels and messages -------------------------------------------------------

    async def _get_channel(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        _, channel = self.guild_of_channel(int(match["channel"]))
        return channel.to_json()

    async def _edit_channel(
        self, request: web.Request, match: re.Match[str], payload: Any, _: Any
    ) -> Any:
        guild, channel = self.guild_of_channel(int(match["channel"]))
        payload = payload or {}
        if channel.is_thread:
            # The thread's creator may rename, archive and unarchive it (a locked one
            # too); locking and anyone else's thread need Manage Threads.
            member = guild.members[self.bot_user.id]
            manages = bool(guild.permissions_in(member, channel) & MANAGE_THREADS)
            creator = channel.owner_id == self.bot_user.id
            unlocking = channel.locked and payload.get("archived") is False
            if (("locked" in payload or unlocking) and not manages) or not (manages or creator):
                # A locked thread is unarchived only with Manage Threads.
                raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")
            self.archive_if_idle(guild, channel)
            channel.locked = bool(payload.get("locked", channel.locked))
            archived = bool(payload.get("archived", channel.archived))
            if archived != channel.archived:
                channel.archived = archived
                channel.archive_timestamp = iso(self.clock.now())
                if not archived:
                    channel.last_activity = self.now()
        if "name" in payload:
            channel.name = str(payload["name"])[:100]
        await self.dispatch(
            "CHANNEL_UPDATE" if not channel.is_thread else "THREAD_UPDATE",
            channel.to_json(),
            guild.id,
        )
        return channel.to_json()

    def _require(self, guild: Guild, channel: Channel, *needed: int) -> None:
        member = guild.members[self.bot_user.id]
        have = guild.permissions_in(member, channel)
        for permission in needed:
            if not have & permission:
                if not have & VIEW_CHANNEL:
                    raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
                raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")

    async def _create_message(
        self, request: web.Request, match: re.Match[str], payload: Any, files: dict[str, bytes]
    ) -> Any:
        guild, channel = self.guild_of_channel(int(match["channel"]))
        payload = payload or {}
        send = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
        needed = [VIEW_CHANNEL, send]
        if payload.get("embeds"):
            needed.append(EMBED_LINKS)
        if files:
            needed.append(ATTACH_FILES)
        self._require(guild, channel, *needed)
        nonce = payload.get("nonce")
        if nonce is not None:
            rules.check_nonce(nonce)
            key = (self.bot_user.id, str(nonce))
            seen = self._nonces.get(key)
            if payload.get("enforce_nonce") and seen and self.now() - seen[1] < NONCE_WINDOW:
                # Discord returns the first message instead of creating a second one.
                return seen[0].data
        if channel.is_thread:
            self.archive_if_idle(guild, channel)
            may_manage = guild.permissions_in(guild.members[self.bot_user.id], channel)
            if channel.locked and not may_manage & MANAGE_THREADS:
                raise DiscordError(400, THREAD_LOCKED, "Thread is locked")
            if channel.archived:
                # Sending a message unarchives the thread (unless it is locked).
                self._set_archived(guild, channel, False)
        message = self.store_message(guild, channel, self.bot_user, payload, files)
        if nonce is not None:
            self._nonces[(self.bot_user.id, str(nonce))] = (message, self.now())
        bot_member = guild.members[self.bot_user.id].to_json()
        await self.dispatch("MESSAGE_CREATE", message.data | {"member": bot_member}, guild.id)
        await self._announce(message)
        return message.data

    async def _list_messages(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        guild, channel = self.guild_of_channel(int(match["channel"]))
        self._require(guild, channel, VIEW_CHANNEL)
        if not guild.permissions_in(guild.members[self.bot_user.id], channel) & (
            READ_MESSAGE_HISTORY
        ):
            return []  # Discord: without Read Message History no messages are returned
        limit_text = request.query.get("limit", "50")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            raise rules.invalid("limit: Value must be an integer between 1 and 100.")
        limit = int(limit_text)
        found = [
            m for m in self.by_channel.get(channel.id, ()) if not m.deleted and not m.ephemeral
        ]
        # As Discord: the `limit` messages just after `after` (or just before `before`,
        # or the latest), newest first.
        if "after" in request.query:
            after = int(request.query["after"])
            found = [m for m in found if m.id > after][:limit]
        else:
            before = int(request.query.get("before", 0)) or None
            found = [m for m in found if before is None or m.id < before][-limit:]
        return [_fetched(m) for m in reversed(found)]

    def _message(self, channel_id: int, message_id: int) -> Message:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")
        return message

    async def _get_message(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        return _fetched(self._message(int(match["channel"]), int(match["message"])))

    async def _edit_message(
        self, request: web.Request, match: re.Match[str], payload: Any, files: dict[str, bytes]
    ) -> Any:
        message = self._message(int(match["channel"]), int(match["message"]))
        if int(message.data["author"]["id"]) != self.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        await self.update_message(message, payload or {}, files)
        return message.data

    async def _delete_message(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        guild, channel = self.guild_of_channel(int(match["channel"]))
        message = self._message(channel.id, int(match["message"]))
        if int(message.data["author"]["id"]) != self.bot_user.id:
            self._require(guild, channel, MANAGE_MESSAGES)
        message.deleted = True
        await self.dispatch(
            "MESSAGE_DELETE",
            {"id": str(message.id), "channel_id": str(channel.id), "guild_id": str(guild.id)},
            guild.id,
        )
        return None

    async def _create_thread(
        self, request: web.Request, match: re.Match[str], payload: Any, _: Any
    ) -> Any:
        guild, parent = self.guild_of_channel(int(match["channel"]))
        self._require(guild, parent, VIEW_CHANNEL, CREATE_PUBLIC_THREADS)
        payload = payload or {}
        name = str(payload.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise rules.invalid("name: Must be between 1 and 100 in length.")
        message_id = match.groupdict().get("message")
        if message_id:
            self._message(parent.id, int(message_id))
            if int(message_id) in guild.channels:
                raise DiscordError(
                    400,
                    rules.THREAD_ALREADY_CREATED,
                    "A thread has already been created for this message",
                )
        thread = Channel(
            int(message_id) if message_id else self.ids.next(),
            guild.id,
            name,
            PUBLIC_THREAD,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=int(payload.get("auto_archive_duration") or 1440),
            last_activity=self.now(),
            archive_timestamp=iso(self.clock.now()),
        )
        guild.channels[thread.id] = thread
        data = thread.to_json() | {"newly_created": True}
        await self.dispatch("THREAD_CREATE", data, guild.id)
        if payload.get("message"):
            message = self.store_message(guild, thread, self.bot_user, payload["message"], {})
            await self.dispatch("MESSAGE_CREATE", message.data, guild.id)
            await self._announce(message)
        return _json(data, 201)

    # --- interactions ----------------------------------------------------------------

    def _interaction(self, interaction_id: int, token: str) -> Interaction:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            raise DiscordError(404, rules.UNKNOWN_INTERACTION, "Unknown interaction")
        return interaction

    def _by_token(self, token: str) -> Interaction:
        for interaction in self.interactions.values():
            if interaction.token == token:
                if self.now() - interaction.created > self.followup_ttl:
                    raise DiscordError(401, 50027, "Invalid Webhook Token")
                return interaction
        raise DiscordError(404, rules.UNKNOWN_WEBHOOK, "Unknown Webhook")

    async def _interaction_callback(
        self, request: web.Request, match: re.Match[str], payload: Any, files: dict[str, bytes]
    ) -> Any:
        interaction = self._interaction(int(match["interaction"]), match["token"])
        payload = payload or {}
        kind = int(payload.get("type", 0))
        data = payload.get("data") or {}
        try:
            if interaction.response_type is not None:
                raise DiscordError(
                    400, rules.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
                )
            if self.now() - interaction.created > self.interaction_deadline:
                raise DiscordError(404, rules.UNKNOWN_INTERACTION, "Unknown interaction")
            result = await self._answer(interaction, kind, data, files)
        except DiscordError as exc:
            interaction.errors.append(exc.message)
            interaction.changed.set()
            raise
        interaction.changed.set()
        return result

    async def _answer(
        self, interaction: Interaction, kind: int, data: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        # A channel deleted meanwhile: 404 Unknown Channel, as Discord answers (not a 500).
        guild, channel = self.guild_of_channel(interaction.channel_id)
        response: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
        resource: dict[str, Any] = {"type": kind}
        if kind == 4:
            rules.check_message(data)
            message = self.store_message(
                guild, channel, self.bot_user, data, files, interaction=interaction
            )
            interaction.original = message
            if not message.ephemeral:
                await self.dispatch("MESSAGE_CREATE", message.data, guild.id)
            await self._announce(message)
            resource["message"] = message.data
            response |= {
                "response_message_id": str(message.id),
                "response_message_loading": False,
                "response_message_ephemeral": message.ephemeral,
            }
        elif kind == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self.store_message(
                guild,
                channel,
                self.bot_user,
                {"content": "", "flags": flags},
                {},
                interaction=interaction,
                validate=False,
            )
            interaction.original = message
            if not message.ephemeral:
                await self.dispatch("MESSAGE_CREATE", message.data, guild.id)
            response |= {
                "response_message_id": str(message.id),
                "response_message_loading": True,
                "response_message_ephemeral": message.ephemeral,
            }
        elif kind in (6, 7):
            if interaction.message is None:
                raise rules.invalid("type: UPDATE_MESSAGE needs a component or modal interaction")
            interaction.original = interaction.message
            if kind == 7:
                await self.update_message(interaction.message, data, files)
                resource["message"] = interaction.message.data
        elif kind == 8:
            if interaction.type != 4:
                raise rules.invalid("type: autocomplete results answer autocomplete only")
            choices = list(data.get("choices") or [])
            rules.check_choices(choices)
            interaction.choices = choices
        elif kind == 9:
            if interaction.type == 5:
                raise rules.invalid("type: a modal cannot answer a modal")
            rules.check_modal(data)
            interaction.modal = data
        else:
            raise rules.invalid(f"type: unknown interaction callback type {kind}")
        interaction.response_type = kind
        # Only an answer that is a message (4, or 7 editing one) names it as the resource.
        if "message" not in resource:
            return {"interaction": response}
        return {"interaction": response, "resource": resource}

    async def _followup(
        self, request: web.Request, match: re.Match[str], payload: Any, files: dict[str, bytes]
    ) -> Any:
        interaction = self._by_token(match["token"])
        if interaction.response_type is None:
            raise DiscordError(404, rules.UNKNOWN_WEBHOOK, "Unknown Webhook")
        payload = payload or {}
        rules.check_message(payload)
        # A channel deleted meanwhile: 404 Unknown Channel, as Discord answers (not a 500).
        guild, channel = self.guild_of_channel(interaction.channel_id)
        message = self.store_message(
            guild, channel, self.bot_user, payload, files, interaction=interaction
        )
        interaction.followups.append(message)
        if not message.ephemeral:
            await self.dispatch("MESSAGE_CREATE", message.data, guild.id)
        await self._announce(message)
        interaction.changed.set()
        return message.data

    def _webhook_message(self, interaction: Interaction, ref: str) -> Message:
        if ref == "@original":
            if interaction.original is None:
                raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")
            return interaction.original
        for message in interaction.followups:
            if message.id == int(ref):
                return message
        raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")

    async def _edit_webhook_message(
        self, request: web.Request, match: re.Match[str], payload: Any, files: dict[str, bytes]
    ) -> Any:
        interaction = self._by_token(match["token"])
        message = self._webhook_message(interaction, match["message"])
        await self.update_message(message, payload or {}, files)
        interaction.changed.set()
        return message.data

    async def _get_webhook_message(
        self, request: web.Request, match: re.Match[str], *_: Any
    ) -> Any:
        interaction = self._by_token(match["token"])
        return self._webhook_message(interaction, match["message"]).data

    async def _delete_webhook_message(
        self, request: web.Request, match: re.Match[str], *_: Any
    ) -> Any:
        interaction = self._by_token(match["token"])
        message = self._webhook_message(interaction, match["message"])
        message.deleted = True
        interaction.changed.set()
        return None

    # --- scheduled events ------------------------------------------------------------

    def _guild(self, match: re.Match[str]) -> Guild:
        guild = self.guilds.get(int(match["guild"]))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    def _event(self, guild: Guild, match: re.Match[str]) -> dict[str, Any]:
        event = guild.scheduled_events.get(int(match["event"]))
        if event is None:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    def _require_events(self, guild: Guild, event: dict[str, Any] | None = None) -> None:
        """Creating an event needs Create Events; editing or deleting one needs Create
        Events or Manage Events if the bot created it, Manage Events otherwise."""
        permissions = guild.base_permissions(guild.members[self.bot_user.id])
        if event is None:
            needed = CREATE_EVENTS
        elif event.get("creator_id") == str(self.bot_user.id):
            needed = CREATE_EVENTS | MANAGE_EVENTS
        else:
            needed = MANAGE_EVENTS
        if not permissions & needed:
            raise DiscordError(403, rules.MISSING_PERMISSIONS, "Missing Permissions")

    async def _list_events(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        return list(self._guild(match).scheduled_events.values())

    async def _get_event(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        guild = self._guild(match)
        return self._event(guild, match)

    async def _create_event(
        self, request: web.Request, match: re.Match[str], payload: Any, _: Any
    ) -> Any:
        guild = self._guild(match)
        self._require_events(guild)
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
            "id": str(self.ids.next()),
            "guild_id": str(guild.id),
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.to_json(),
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
        await self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, guild.id)
        return event

    async def _edit_event(
        self, request: web.Request, match: re.Match[str], payload: Any, _: Any
    ) -> Any:
        guild = self._guild(match)
        event = self._event(guild, match)
        self._require_events(guild, event)
        payload = payload or {}
        if "status" in payload:
            rules.check_event_status(int(event["status"]), int(payload["status"]))
        elif int(event["status"]) != 1:
            raise rules.invalid("Cannot edit an event that has started, ended or been cancelled.")
        rules.check_event_times(event | payload, external=event.get("entity_type") == 3)
        event.update(payload)
        await self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, guild.id)
        return event

    async def _delete_event(self, request: web.Request, match: re.Match[str], *_: Any) -> Any:
        guild = self._guild(match)
        event = self._event(guild, match)
        self._require_events(guild, event)
        del guild.scheduled_events[int(event["id"])]
        await self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, guild.id)
        return None

    # --- messages, shared by REST and the member API ---------------------------------

    def store_message(
        self,
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
            "id": str(self.ids.next()),
            "channel_id": str(channel.id),
            "guild_id": str(guild.id),
            "author": author.to_json(),
            "content": str(payload.get("content") or ""),
            "timestamp": iso(self.clock.now()),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": _attachments(payload, files, self.ids),
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
            data["application_id"] = str(self.application_id)
            data["webhook_id"] = str(self.application_id)
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
            channel.last_activity = self.now()  # a message is a thread's activity
        message = Message(data, ephemeral=bool(flags & EPHEMERAL), attachments=dict(files))
        self._resolve_mentions(guild, message, payload.get("allowed_mentions"), author)
        self.messages[message.id] = message
        self.by_channel[message.channel_id].append(message)
        return message

    async def update_message(
        self, message: Message, payload: dict[str, Any], files: dict[str, bytes]
    ) -> None:
        guild, channel = self.guild_of_channel(message.channel_id)
        if channel.is_thread and not message.ephemeral:
            self.archive_if_idle(guild, channel)
            if channel.archived:
                # Nobody can edit a message in an archived thread (Discord: 50083).
                raise DiscordError(400, THREAD_ARCHIVED, "Thread is archived")
            bot_member = guild.members[self.bot_user.id]
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
            message.data["attachments"] = _attachments(payload, files, self.ids)
            message.attachments = dict(files)
        message.data["edited_timestamp"] = iso(self.clock.now())
        guild = self.guilds[int(message.data["guild_id"])]
        author = self.users[int(message.data["author"]["id"])]
        self._resolve_mentions(guild, message, payload.get("allowed_mentions"), author)
        if not message.ephemeral:
            await self.dispatch("MESSAGE_UPDATE", message.data, guild.id)
        await self._announce(message)

    def _resolve_mentions(
        self,
        guild: Guild,
        message: Message,
        allowed: dict[str, Any] | None,
        author: User,
    ) -> None:
        """Who the message would really notify, following Discord's allowed_mentions rules."""
        content = message.content
        parse = (
            {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse") or [])
        )
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
            self.users[u].to_json() for u in message.pinged_users if u in self.users
        ]
        message.data["mention_roles"] = [str(r) for r in message.pinged_roles]

    async def _announce(self, message: Message) -> None:
        async with self.message_created:
            self.message_created.notify_all()


Handler = Callable[[web.Request, re.Match[str], Any, dict[str, bytes]], Awaitable[Any]]


def _archives_at(channel: Channel) -> datetime | None:
    """When an active thread archives itself: its auto-archive duration after its last
    activity. None for a channel, or a thread already archived."""
    if not channel.is_thread or channel.archived:
        return None
    idle_at = channel.last_activity + channel.auto_archive_duration * 60
    return datetime.fromtimestamp(idle_at, UTC)


def _next_move(event: dict[str, Any]) -> tuple[datetime, int] | None:
    """The next status Discord gives a scheduled event on its own, and when: an external
    event goes live at its start and ends at its end; one that never began is cancelled
    EVENT_FORGOTTEN after its start."""
    start = datetime.fromisoformat(event["scheduled_start_time"])
    end = event.get("scheduled_end_time")
    external = event.get("entity_type") == 3
    if event["status"] == 1:
        return (start, 2) if external else (start + EVENT_FORGOTTEN, 4)
    if event["status"] == 2 and external and end:
        return datetime.fromisoformat(end), 3
    return None


def _fetched(message: Message) -> dict[str, Any]:
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

    copied = json.loads(json.dumps(list(components or [])))
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


def _permission_string(value: Any) -> str | None:
    return None if value is None else str(value)


BODY = web.RequestKey("json_body", object)


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly application/json: with a charset discord.py would read the body as text.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _major(match: re.Match[str]) -> str:
    groups = match.groupdict()
    for key in ("channel", "guild", "token", "interaction"):
        if groups.get(key):
            return str(groups[key])
    return ""


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    if not request.can_read_body:
        return None, {}
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if part.name == "payload_json":
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                data = await part.read()  # type: ignore[union-attr]
                files[part.filename or part.name or "file"] = bytes(data)  # type: ignore[union-attr]
        return payload, files
    text = await request.text()
    return (json.loads(text) if text else None), {}


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


__all__ = ["MANAGE_GUILD", "Emulator", "Faults", "Interaction", "RateLimits"]
