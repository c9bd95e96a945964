"""A local stand-in for Discord's REST API v10 and gateway, for an unmodified discord.py.

Start one with `await Emulator().start()`, point the bot at `emulator.api_url` and
`emulator.gateway_url`, and act as members through the methods in `emulator.members`.

The emulator holds Discord's state and builds the world; the rest lives beside it:
emulator/gateway.py (sessions and events), emulator/rest.py (routing, rate limits,
faults, contract checks), emulator/routes/ (the REST routes, by area),
emulator/messages.py (messages, shared by the routes and the member API) and
emulator/voice.py (voice states and Stages, and what members do there).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.clock import Clock
from emulator import messages, rules
from emulator.clock import ManualClock
from emulator.gateway import Gateway, Session
from emulator.members import MemberActions
from emulator.rest import API_PREFIX, INVALID_WINDOW, Call, Faults, RateLimits, Rest
from emulator.routes import ROUTES
from emulator.rules import DiscordError
from emulator.state import (
    ATTACH_FILES,
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    EVERYONE_DEFAULT,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    Snowflakes,
    User,
    iso,
)
from emulator.voice import VoiceActions

if TYPE_CHECKING:
    from emulator.contract import Contract, Violation

# How long after its start an event that never began is cancelled ("a few hours").
EVENT_FORGOTTEN = timedelta(hours=3)


class Emulator(MemberActions, VoiceActions):
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
        # Routing, rate-limit windows and faults for every REST call (emulator/rest.py).
        self.rest = Rest(self, ROUTES)
        # REST requests received and not yet answered.
        self.in_flight = 0
        self._pending: list[asyncio.Future[None]] = []
        self.uploads: dict[str, bytes] = {}
        # (author, nonce) -> (message, when): what enforce_nonce deduplicates against.
        self.nonces: dict[tuple[int, str], tuple[Message, float]] = {}
        self._runner: web.AppRunner | None = None
        self.identified = asyncio.Event()
        self.message_created = asyncio.Condition()
        self.identify_count = 0
        self.resume_count = 0
        # The sockets the sessions are on, IDENTIFY, RESUME and events (emulator/gateway.py).
        self.gateway = Gateway(self)

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
        app = web.Application(middlewares=[self.rest.middleware], client_max_size=32 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for socket in list(self.gateway.sockets):
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
        """Delete a channel, as a member with Manage Channels would. Whoever was in it, if
        it was a voice or Stage channel, is disconnected, and its Stage is no longer live."""
        guild = self.guilds[channel.guild_id]
        for state in [s for s in guild.voice_states.values() if s.channel_id == channel.id]:
            del guild.voice_states[state.user_id]
            state.request_to_speak_timestamp = None
            self._announce_later("VOICE_STATE_UPDATE", state.to_json(connected=False), guild.id)
        instance = guild.stage_instances.pop(channel.id, None)
        if instance is not None:
            self._announce_later("STAGE_INSTANCE_DELETE", instance.to_json(), guild.id)
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

    # --- the gateway and the REST API (emulator/gateway.py, emulator/rest.py) -----------

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        """Send an event to every session whose shard holds `guild_id` (all if None) and
        that asked for the intent the event belongs to."""
        await self.gateway.dispatch(event, data, guild_id)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every bot socket with `code`, as Discord does when it restarts a node."""
        await self.gateway.drop(code)

    async def invalidate_sessions(self) -> None:
        """Forget every session: the next RESUME gets INVALID_SESSION and must re-identify."""
        self.sessions.clear()

    def invalid_requests(self) -> int:
        """Invalid requests in the last INVALID_WINDOW seconds of the clock."""
        since = self.now() - INVALID_WINDOW
        return sum(1 for at in self.invalid if at > since)

    # --- messages, shared by REST and the member API (emulator/messages.py) -------------

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
        """A message as Discord stores it; the caller sends the event."""
        return messages.store_message(
            self, guild, channel, author, payload, files, interaction=interaction, validate=validate
        )

    async def update_message(
        self, message: Message, payload: dict[str, Any], files: dict[str, bytes]
    ) -> None:
        """Edit a message as Discord would, and tell the bot (MESSAGE_UPDATE)."""
        await messages.update_message(self, message, payload, files)


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


__all__ = ["MANAGE_GUILD", "Emulator", "Faults", "Interaction", "RateLimits"]
