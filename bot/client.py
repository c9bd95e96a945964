"""The Bot: its dependencies come in through the constructor, its set-up runs in setup_hook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.clock import Clock, SchedulerClock
from bot.db import Database
from bot.formats import Format, load_formats
from bot.pacing import (
    RequestPacer,
    add_http_middleware,
    pace_requests,
    retry_answers_quickly,
    throttle_bucket_sweep,
)
from bot.replies import report_error
from bot.services.command_sync import needs_sync, record_sync, tree_hash
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.actions.floor.keeper import FloorKeeper
    from bot.actions.rounds.runner import RoundRunner

log = logging.getLogger("moot.bot")

# Every extension, loaded in this order. A feature adds its cog here.
EXTENSIONS = (
    "cogs.help",
    "cogs.config",
    "cogs.quotes",
    "cogs.corpus",
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


def intents(message_content: bool = False) -> discord.Intents:
    """Only what moot uses: guilds (servers, channels, roles and threads in the cache),
    voice states (who is where in a round's Stage or voice channel, to hold its floor), and
    with `message_content` the messages of round threads, to record speeches."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.voice_states = True
    if message_content:
        chosen.guild_messages = True
        chosen.message_content = True
    return chosen


def voice_members() -> discord.MemberCacheFlags:
    """The members the cache keeps: those connected to voice (their roles say who is a
    moderator, whom the floor never moves); moot asks for no member list."""
    flags = discord.MemberCacheFlags.none()
    flags.voice = True
    return flags


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
            member_cache_flags=voice_members(),
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
        # Rounds' alarms and announcements, set up by the /debate extension and shared
        # with planned rounds.
        self.rounds: RoundRunner | None = None
        # Rounds' voice venues (a Stage or a voice channel), also set up by /debate.
        self.floor: FloorKeeper | None = None
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
