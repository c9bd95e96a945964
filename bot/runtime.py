"""Building and running the bot: dependencies made here and handed to the Bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC

import aiohttp
import discord
import discord.http
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.gateway import DiscordWebSocket

from bot.client import MootBot, SyncPolicy
from bot.clock import Clock
from bot.db import Database
from bot.formats import FormatError, load_formats
from bot.settings import Settings

log = logging.getLogger("moot")


class StartupError(Exception):
    """The bot could not start for a reason the operator can fix; one line."""


SYNC_NEEDS = "sync (commands are synced to Discord as the bot)"


def point_at(settings: Settings) -> None:
    """Send REST calls and the gateway to the configured addresses (a proxy, the emulator)."""
    discord.http.Route.BASE = settings.discord_api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_bot(
    settings: Settings, *, sync_policy: SyncPolicy = "auto", clock: Clock | None = None
) -> MootBot:
    """The Bot with its database, scheduler and clock, nothing started yet."""
    point_at(settings)
    try:
        formats = load_formats(settings.formats_dir)
    except FormatError as exc:
        raise StartupError(f"Debate format error: {exc}") from None
    return MootBot(
        settings=settings,
        db=Database(settings.database_url),
        scheduler=AsyncIOScheduler(timezone=UTC),
        formats=formats,
        clock=clock,
        sync_policy=sync_policy,
    )


def require_token(settings: Settings, needed_for: str = "starting the bot") -> str:
    """The bot token, or a StartupError saying what needed it."""
    if settings.token is None:
        raise StartupError(f"MOOT_TOKEN is needed for {needed_for}: it is not set.")
    return settings.token.get_secret_value()


def unreachable(settings: Settings, exc: BaseException) -> StartupError:
    """The one line for a network failure on the way to Discord: where, and why."""
    reason = str(exc) or type(exc).__name__
    return StartupError(f"Cannot reach Discord ({settings.discord_api_url}): {reason}")


async def start_in_background(
    settings: Settings, *, ready_timeout: float = 30.0, clock: Clock | None = None
) -> tuple[MootBot, asyncio.Task[None]]:
    """Start the bot as a task and wait until it is ready (used by the sandbox)."""
    bot = build_bot(settings, clock=clock)
    task = asyncio.create_task(bot.start(require_token(settings)), name="moot-bot")
    waiter = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait(
        {task, waiter}, timeout=ready_timeout, return_when="FIRST_COMPLETED"
    )
    if waiter not in done:
        waiter.cancel()
        if task.done():
            task.result()  # raises what stopped it
        await bot.close()
        raise StartupError(f"the bot was not ready within {ready_timeout:.0f} s")
    return bot, task


async def stop(bot: MootBot, task: asyncio.Task[None]) -> None:
    """Close the bot and wait for its task to end."""
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def serve(
    settings: Settings, *, sync_policy: SyncPolicy = "auto", clock: Clock | None = None
) -> None:
    """Run until SIGINT or SIGTERM, then stop the scheduler and close the database."""
    token = require_token(settings)
    bot = build_bot(settings, sync_policy=sync_policy, clock=clock)
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop_requested.set)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token), name="moot-bot")
            stopping = asyncio.create_task(stop_requested.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                log.info("stopping on signal")
                await bot.close()
            else:
                stopping.cancel()
            await running
    except discord.LoginFailure:
        raise StartupError(
            "Discord refused MOOT_TOKEN: copy the token again from the developer portal's Bot tab."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused an intent: turn it on in the developer portal's Bot tab."
        ) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        # Logging in is the first request: a failure there is the network, not the database.
        raise unreachable(settings, exc) from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("stopped cleanly")


async def sync(settings: Settings) -> None:
    """Log in over REST only and sync the global command tree, changed or not."""
    # Checked before the bot is built: closing a bot that never logged in fails inside
    # discord.py, and the operator should hear about the token, not about that.
    token = require_token(settings, SYNC_NEEDS)
    bot = build_bot(settings, sync_policy="force")
    try:
        await bot.login(token)  # runs setup_hook, which syncs
    except discord.LoginFailure:
        raise StartupError("Discord refused MOOT_TOKEN.") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise unreachable(settings, exc) from None
    finally:
        await bot.close()
