"""The Bot: its dependencies come in through the constructor, its set-up runs in setup_hook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal, Protocol, TypeVar

import aiohttp
import discord
from aiolimiter import AsyncLimiter
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands
from discord.http import HTTPClient, Route, handle_message_parameters
from discord.utils import MISSING
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SchedulerClock
from bot.db import Database
from bot.errors import CheckError, MootError, NotModerator
from bot.formats import Format, load_formats
from bot.services.budget import pace_engine, reserve
from bot.services.command_sync import needs_sync, record_sync, tree_hash
from bot.services.guild_config import get_settings
from bot.settings import Settings

log = logging.getLogger("moot.bot")

# Every extension, loaded in this order. A feature adds its cog here.
EXTENSIONS = (
    "cogs.help",
    "cogs.config",
    "cogs.quotes",
    "cogs.excerpts",
    "cogs.debate",
    "cogs.planning",
    "cogs.scores",
)

SyncPolicy = Literal["auto", "force", "never"]
T = TypeVar("T")

# The names discord.py gives the tasks running an event listener, a slash command, or a
# button's or form's callback.
HANDLER_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-")


class Busy(Protocol):
    """Something that can say whether it has work under way or due."""

    @property
    def busy(self) -> bool: ...


# How often discord.py may look for idle rate-limit buckets to drop (see throttle_bucket_sweep).
BUCKET_SWEEP_SECONDS = 60.0

UNEXPECTED = (
    "Something went wrong on our side and it has been logged. Please try again in a moment."
)


def intents(message_content: bool = False) -> discord.Intents:
    """Only what moot uses: guilds (servers, channels, roles and threads in the cache), and
    with `message_content` the messages of round threads, to record speeches."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    if message_content:
        chosen.guild_messages = True
        chosen.message_content = True
    return chosen


async def reply(interaction: discord.Interaction, content: str, *, ephemeral: bool = True) -> None:
    """Answer whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral)


async def confirm(interaction: discord.Interaction, content: str) -> None:
    """A private note after the interaction was answered and its change made and shown
    (a vote counted, a sign-up taken). If Discord refuses the note, the change still
    stands: log it rather than tell the member something went wrong."""
    try:
        await interaction.followup.send(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send a confirmation to user %s", interaction.user.id, exc_info=True)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Tell the member what went wrong in one ephemeral sentence; log what was unexpected.

    Used by the command tree's on_error and by components (buttons), whose errors do not
    pass through the tree.
    """
    original = getattr(error, "original", error)
    if isinstance(original, MootError):
        message = str(original)
    elif isinstance(error, NotModerator):
        message = str(error)
    elif isinstance(error, app_commands.NoPrivateMessage):
        message = "That command works only inside a server."
    elif isinstance(error, app_commands.MissingPermissions):
        message = "You need the Manage Server permission for that."
    elif isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        message = f"I am missing permissions here: {needed}. Ask a server admin to add them."
    elif isinstance(error, app_commands.TransformerError):
        message = f"“{str(error.value)[:80]}” is not a valid value for that option."
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = f"Slow down: try again in {error.retry_after:.0f} seconds."
    else:
        command = interaction.command.qualified_name if interaction.command else "?"
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id", "")
        log.error(
            "unexpected error in /%s %s (guild %s, user %s)",
            command,
            custom_id,
            interaction.guild_id,
            interaction.user.id,
            exc_info=original,
        )
        message = UNEXPECTED
    try:
        await reply(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the member about an error", exc_info=True)


class MootTree(app_commands.CommandTree["MootBot"]):
    """The one error path: domain errors and check failures become an ephemeral sentence."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class MootBot(commands.AutoShardedBot):
    """moot's client. Built in `bot.runtime.main` with everything it needs handed in."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        scheduler: AsyncIOScheduler,
        formats: dict[str, Format] | None = None,
        clock: Clock | None = None,
        sync_policy: SyncPolicy = "auto",
        extensions: tuple[str, ...] = EXTENSIONS,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(settings.message_content),
            tree_cls=MootTree,
            # Nothing the bot posts may ping anyone unless a feature says so explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,  # type: ignore[arg-type]
            guild_ready_timeout=settings.guild_ready_timeout,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        throttle_bucket_sweep(self.http)
        self.settings = settings
        self.db = db
        self.scheduler = scheduler
        self.clock = clock or SchedulerClock(scheduler)
        # What the bot is doing besides waiting: desks of alarms, batches, and tasks it
        # started itself (see `pending_work`).
        self.work_sources: list[Busy] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.formats = formats or load_formats(settings.formats_dir)
        # Paces every REST request the bot makes (answers to interactions go another way
        # and are not limited): `post_rate` a second, so a minute in which many servers
        # are due, or many rounds change turns at once, stays under Discord's global
        # limit instead of provoking 429s that discord.py gives up on after five tries.
        # Discord's limit is the bot's, not the process's: on PostgreSQL the processes
        # share the budget through the database; on SQLite (one process) it is this one's.
        self.pacer = RequestPacer(settings, db)
        pace_requests(self.http, self.pacer)
        self.sync_policy = sync_policy
        self.extension_names = extensions
        self._db_closed = False

    async def setup_hook(self) -> None:
        add_http_middleware(self.http, retry_answers_quickly)
        for name in self.extension_names:
            await self.load_extension(name)
        self.scheduler.start()
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync by policy: to the dev guild at every start, globally only when changed."""
        if self.sync_policy == "never":
            return
        dev_guild = self.settings.dev_guild_id
        if dev_guild is not None:
            guild = discord.Object(id=dev_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("synced commands to the development server %s", dev_guild)
            return
        payload: list[dict[str, Any]] = [c.to_dict(self.tree) for c in self.tree.get_commands()]
        fingerprint = tree_hash(payload)
        async with self.db.session() as session:
            changed = await needs_sync("global", fingerprint, session=session)
        if not changed and self.sync_policy != "force":
            log.info("command tree unchanged since the last sync; not syncing")
            return
        await self.tree.sync()
        async with self.db.session() as session:
            await record_sync("global", fingerprint, session=session)
        log.info("synced %d global commands", len(payload))

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))

    def track(self, source: Busy) -> None:
        """Count `source` (an alarm desk, a batch) in `pending_work`."""
        self.work_sources.append(source)

    def spawn(self, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run `work` in the background, counted in `pending_work` until it ends."""
        task = asyncio.create_task(work, name=f"moot: {name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def pending_work(self) -> list[str]:
        """What the bot is still doing, beyond waiting for Discord or its clock: alarms
        due and batches under way, its background tasks, and the handlers discord.py is
        running for events, commands, buttons and forms. Empty when the bot is idle: a
        moment at which nothing more happens until Discord sends something or the clock
        reaches the next alarm."""
        busy = [type(s).__name__ for s in self.work_sources if s.busy]
        busy += [t.get_name() for t in self.tasks if not t.done()]
        busy += [
            t.get_name()
            for t in asyncio.all_tasks()
            if t.get_name().startswith(HANDLER_TASKS) and not t.done()
        ]
        return busy

    async def post(
        self,
        channel_id: int,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
        nonce: str | None = None,
        recover: bool = False,
    ) -> int:
        """Send a message and return its id, for the bot's own announcements. Unlike
        `channel.send`, it builds no Message object and keeps no copy of `view`: buttons
        here are DynamicItems, found by their custom ids, so a stored view would only
        grow the process with every message.

        `recover`: the message may already have gone out before a crash, longer ago than
        Discord remembers its nonce; the channel's latest messages are looked through
        first, and one of the bot's that says the same is taken instead of posting."""
        with handle_message_parameters(
            content=content,
            embed=embed if embed is not None else MISSING,
            view=view if view is not None else MISSING,
            allowed_mentions=allowed_mentions if allowed_mentions is not None else MISSING,
            previous_allowed_mentions=self.allowed_mentions,
            nonce=nonce,
        ) as params:
            if recover and params.payload is not None:
                found = await self.find_posted(channel_id, params.payload)
                if found is not None:
                    return found
            data = await self.http.send_message(channel_id, params=params)
        return int(data["id"])

    async def find_posted(
        self, channel_id: int, payload: Mapping[str, Any] | Callable[[Any], bool]
    ) -> int | None:
        """The id of the bot's own message among the channel's latest that says what
        `payload` says (content, embeds' titles, texts and footers, and button ids), or
        that `payload` accepts when it is a test of a message's data, if there is one.
        Discord deduplicates a nonce only for a few minutes; after a longer outage this
        is how a resend finds what already went out."""
        if callable(payload):
            matches = payload
        else:
            wanted = message_identity(payload)

            def matches(data: Any) -> bool:
                return message_identity(data) == wanted

        channel = self.get_channel(channel_id)
        if isinstance(channel, discord.abc.GuildChannel | discord.Thread) and not (
            channel.permissions_for(channel.guild.me).read_message_history
        ):
            # Discord then lists no messages at all: nothing can be found; post.
            log.warning("no Read Message History in %s: can't look for a sent post", channel_id)
            return None
        me = self.user.id if self.user is not None else None
        try:
            latest = await self.http.logs_from(channel_id, RECOVERY_MESSAGES)
        except discord.HTTPException as error:
            log.warning("could not read %s to look for a sent post (%s)", channel_id, error.status)
            return None
        for data in latest:
            if int(data["author"]["id"]) == me and matches(data):
                log.info("found message %s already posted in %s", data["id"], channel_id)
                return int(data["id"])
        return None

    async def edit(
        self,
        channel_id: int,
        message_id: int,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Change the embed and buttons of one of the bot's messages, keeping no copy of
        `view` (see `post`)."""
        with handle_message_parameters(
            embed=embed if embed is not None else MISSING,
            view=view if view is not None else MISSING,
        ) as params:
            await self.http.edit_message(channel_id, message_id, params=params)

    async def close(self) -> None:
        # Called by a signal and again by `async with`: the second call must be harmless.
        # Cogs unload first, letting their timer jobs finish while Discord and the
        # database are still there; then the scheduler stops, then the database closes.
        await super().close()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            log.info("the alarm scheduler has stopped")
        if not self._db_closed:
            self._db_closed = True
            await self.db.close()
            await self.pacer.close()


# Answers to interactions: Discord must have one within 3 seconds of the interaction.
INTERACTION_ANSWER = re.compile(r"/interactions/\d+/[^/]+/callback$")
QUICK_RETRIES = (0.2, 0.4)


async def retry_answers_quickly(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """An aiohttp middleware: a server error in answer to an interaction is retried after
    0.2 and 0.4 seconds. discord.py waits 1, then 3 seconds, which after one rate-limited
    try lands past Discord's 3-second window, and the member is told the interaction
    failed though the bot answered at once."""
    response = await handler(request)
    if request.method != "POST" or not INTERACTION_ANSWER.search(request.url.path):
        return response
    for pause in QUICK_RETRIES:
        if response.status < 500:
            break
        response.release()
        await asyncio.sleep(pause)
        response = await handler(request)
    return response


def add_http_middleware(http: HTTPClient, middleware: Any) -> None:
    """Add an aiohttp middleware to the session discord.py made at login (it offers no
    way to pass one)."""
    session = getattr(http, "_HTTPClient__session", None)
    if isinstance(session, aiohttp.ClientSession):
        session._middlewares = (*session._middlewares, middleware)


# How many of a channel's latest messages a recovering resend looks through.
RECOVERY_MESSAGES = 50


def message_identity(payload: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two of the bot's messages the same announcement: the text, each embed's
    title, description and footer, and the custom ids of its buttons."""
    embeds = tuple(
        (e.get("title"), e.get("description"), (e.get("footer") or {}).get("text"))
        for e in payload.get("embeds") or []
    )
    custom_ids: list[str] = []
    rows = list(payload.get("components") or [])
    while rows:
        item = rows.pop(0)
        if item.get("custom_id"):
            custom_ids.append(str(item["custom_id"]))
        rows.extend(item.get("components") or [])
    return (payload.get("content") or "", embeds, tuple(custom_ids))


class RequestPacer:
    """Paces the bot's REST requests at `post_rate` a second. On PostgreSQL every request
    has its instant reserved in the schedule the bot's processes share
    (bot/services/budget.py), so together they send at the bot's rate, evenly spaced; the
    requests waiting together are reserved in one statement, so a burst (hundreds of
    rounds changing turns at once) costs one round trip, not one each. On SQLite (one
    process), or while the database cannot be reached (logged once), the process paces
    itself at its shards' share of the rate."""

    # After a failed reservation, pace alone this long before asking the database again.
    RETRY_SECONDS = 5.0
    # At most this many instants in one statement.
    BATCH = 100

    def __init__(self, settings: Settings, db: Database) -> None:
        self.interval = 1 / settings.post_rate
        self.shared = pace_engine(db.url) if db.dialect == "postgresql" else None
        self.local = AsyncLimiter(1, 1 / settings.process_post_rate)
        # Requests waiting for their instant: each future gets its monotonic send time.
        self._waiting: list[asyncio.Future[float]] = []
        self._reserver: asyncio.Task[None] | None = None
        self._retry_at: float | None = None  # set while the database is unreachable

    async def __aenter__(self) -> None:
        if self.shared is None or (
            self._retry_at is not None and time.monotonic() < self._retry_at
        ):
            await self.local.acquire()
            return
        instant: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append(instant)
        if self._reserver is None or self._reserver.done():
            self._reserver = asyncio.create_task(self._reserve_waiting(self.shared))
        try:
            send_at = await instant
        except ConnectionError:
            await self.local.acquire()
            return
        # Pacing, not synchronisation: Discord counts requests in real time.
        await asyncio.sleep(max(0.0, send_at - time.monotonic()))

    async def __aexit__(self, *_: object) -> None:
        return None

    async def _reserve_waiting(self, shared: AsyncEngine) -> None:
        """Reserve instants for everyone waiting, a batch per statement, until nobody is.
        If that fails (or the pacer closes), everyone waiting paces alone instead."""
        batch: list[asyncio.Future[float]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.BATCH], self._waiting[self.BATCH :]
                asked = time.monotonic()
                async with shared.connect() as connection:
                    wait = await reserve(connection, self.interval, len(batch))
                if self._retry_at is not None:
                    log.warning("the shared request budget is back")
                    self._retry_at = None
                for place, instant in enumerate(batch):
                    if not instant.done():  # its request may have been cancelled meanwhile
                        instant.set_result(asked + wait + place * self.interval)
        except Exception:
            if self._retry_at is None:
                log.exception("the shared request budget is unreachable; pacing alone")
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
        finally:
            for instant in [*batch, *self._waiting]:
                if not instant.done():
                    instant.set_exception(ConnectionError("no shared request budget"))
            self._waiting = []

    async def close(self) -> None:
        if self._reserver is not None:
            self._reserver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reserver
        if self.shared is not None:
            await self.shared.dispose()


def pace_requests(http: HTTPClient, pacer: RequestPacer) -> None:
    """Make every request of `http` wait its turn at `pacer` first. (discord.py's own
    retries after a 429 happen inside the request and take no second turn.)"""
    request = http.request

    async def paced(route: Route, **kwargs: Any) -> Any:
        async with pacer:
            return await request(route, **kwargs)

    http.request = paced  # type: ignore[method-assign]


def throttle_bucket_sweep(http: HTTPClient, every: float = BUCKET_SWEEP_SECONDS) -> None:
    """Once it holds 256 rate-limit buckets, discord.py walks all of them for idle ones each
    time it opens a new one. A bot posting in hundreds of threads opens new buckets all the
    time, and each walk covers thousands: walk at most once every `every` seconds (a bucket
    is only dropped after five idle minutes anyway)."""
    sweep = http._try_clear_expired_ratelimits
    last = -math.inf

    def throttled() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            sweep()

    http._try_clear_expired_ratelimits = throttled  # type: ignore[method-assign]


async def moderator_status(interaction: discord.Interaction) -> tuple[bool, int | None]:
    """(is the member a moderator, the server's moderator role id if one is set). Members
    with Manage Server are moderators without a look at the settings (the role id is then
    None): it is what a refusal names."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    if interaction.permissions.manage_guild:
        return True, None
    client = interaction.client
    assert isinstance(client, MootBot)
    async with client.db.session() as session:
        settings = await get_settings(interaction.guild.id, session=session)
    role_id = settings.moderator_role_id
    has_role = role_id is not None and any(r.id == role_id for r in interaction.user.roles)
    return has_role, role_id


async def _moderators_only(interaction: discord.Interaction) -> bool:
    if interaction.permissions.manage_guild:
        return True
    try:
        allowed, role_id = await moderator_status(interaction)
    except app_commands.AppCommandError:
        raise
    except Exception as exc:
        # discord.py passes only AppCommandErrors from checks to the tree's on_error.
        raise CheckError(exc) from exc
    if allowed:
        return True
    where = f" or the <@&{role_id}> role" if role_id else ""
    raise NotModerator(f"Only moderators can do that: it needs Manage Server{where}.")


def is_moderator() -> Callable[[T], T]:
    """A check for moderator commands: Manage Server, or the server's moderator role."""
    return app_commands.check(_moderators_only)


def moderators_only(command: app_commands.Command[Any, ..., Any]) -> bool:
    """Is `command` one only moderators may use (it has the is_moderator check)?"""
    return _moderators_only in command.checks
