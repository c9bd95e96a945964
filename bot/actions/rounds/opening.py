"""Opening a round in Discord: its channel checked, then an opener message, a thread on it
and the lobby inside, whether the round was asked for with /debate start or is a planned
one whose time has come. Each step can be done again after a failure part way without
doubling anything, and a round whose thread cannot be opened is ended, not left as a
lobby that counts as open."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.actions.floor.checks import cannot_hold, kind_of, missing_permissions
from bot.actions.rounds.render import lobby_embed, lobby_view
from bot.domain import RoundStatus, Side
from bot.embeds import MOOT_COLOUR
from bot.errors import THREAD_ALREADY_EXISTS, MootError
from bot.formats import DEFAULT_FORMAT, Format
from bot.names import as_name, names_in
from bot.services import floor, planning, rounds
from bot.services.guild_config import get_settings
from bot.services.planning import PlannedView
from bot.services.rounds import RoundView

if TYPE_CHECKING:
    from bot.actions.rounds.runner import RoundRunner
    from bot.client import MootBot

log = logging.getLogger("moot.debate")

# A round saved but not opened is opened late by the sweep only this long after it was
# asked for; an older one (say, from before an upgrade) is ended instead.
OPEN_LATE_AT_MOST = timedelta(hours=1)


def format_named(formats: Mapping[str, Format], key: str | None) -> Format:
    """The installed format `key` (the default format if None); MootError if none is."""
    key = key or DEFAULT_FORMAT
    fmt = formats.get(key)
    if fmt is None:
        raise MootError(f"There is no format “{key[:40]}”. See /debate formats.")
    return fmt


async def round_channel(
    bot: MootBot, interaction: discord.Interaction, channel: discord.TextChannel | None
) -> discord.TextChannel:
    """The channel a round opens its thread in: the one given, else the server's debate
    channel, else this one; MootError unless moot may run a round there."""
    assert interaction.guild is not None
    if channel is None:
        async with bot.db.session() as session:
            settings = await get_settings(interaction.guild.id, session=session)
        configured = (
            interaction.guild.get_channel(settings.debate_channel_id)
            if settings.debate_channel_id
            else None
        )
        here = interaction.channel
        channel = (
            configured
            if isinstance(configured, discord.TextChannel)
            else here
            if isinstance(here, discord.TextChannel)
            else None
        )
    if channel is None:
        raise MootError("Pick a text channel for the round (the channel option).")
    perms = channel.permissions_for(interaction.guild.me)
    missing = [
        label
        for label, ok in (
            ("View Channel", perms.view_channel),
            ("Send Messages", perms.send_messages),
            ("Embed Links", perms.embed_links),
            ("Create Public Threads", perms.create_public_threads),
            ("Send Messages in Threads", perms.send_messages_in_threads),
        )
        if not ok
    ]
    if missing:
        raise MootError(
            f"I can't run a round in {channel.mention}: I'm missing {', '.join(missing)} there."
        )
    return channel


async def default_venue(
    bot: MootBot, guild: discord.Guild
) -> discord.StageChannel | discord.VoiceChannel | None:
    """The server's default venue (/config venue), if it is set and still there."""
    async with bot.db.session() as session:
        settings = await get_settings(guild.id, session=session)
    found = guild.get_channel(settings.venue_channel_id) if settings.venue_channel_id else None
    return found if isinstance(found, discord.StageChannel | discord.VoiceChannel) else None


async def open_thread(
    bot: MootBot, view: RoundView, fmt: Format, *, recovering: bool = False
) -> RoundView:
    """Post the round's opener in its channel, open its thread there and put the lobby
    in it. Returns the round with its thread.

    Done again after a crash part way (before the thread was saved), it opens nothing
    twice: the opener and the lobby carry nonces, so Discord hands back the messages it
    already has, and a message has one thread at most, whose id is the message's.
    `recovering`: the first try may be longer ago than Discord remembers a nonce, so the
    channel's latest messages are looked through for the opener and the lobby first."""
    channel = bot.get_channel(view.channel_id) or await bot.fetch_channel(view.channel_id)
    if not isinstance(channel, discord.TextChannel):
        raise MootError("The round's channel is gone or is not a text channel.")
    # Thread names and embed titles show mentions raw: the motion is shown by name there.
    names = names_in(channel.guild)
    opener_id = await bot.post(
        channel.id,
        embed=discord.Embed(
            title=as_name(f"Debate: {view.motion}", names, limit=256),
            description=f"{fmt.name} · join in the thread below.",
            colour=MOOT_COLOUR,
        ),
        nonce=f"open{view.id}",
        recover=recovering,
    )
    try:
        await channel.get_partial_message(opener_id).create_thread(
            name=as_name(f"Round {view.id}: {view.motion}", names, limit=100),
            auto_archive_duration=1440,
        )
    except discord.HTTPException as error:
        if error.code != THREAD_ALREADY_EXISTS:
            raise
    lobby_id = await bot.post(
        opener_id,  # the thread's id is its opener's
        embed=lobby_embed(view, fmt),
        view=lobby_view(view, fmt),
        nonce=f"lobby{view.id}",
        recover=recovering,
    )
    async with bot.db.session() as session:
        await rounds.attach_thread(
            view.id, thread_id=opener_id, lobby_message_id=lobby_id, session=session
        )
        return await rounds.get_round(view.id, session=session)


async def start_planned(
    bot: MootBot,
    runner: RoundRunner,
    view: PlannedView,
    round_view: RoundView,
    *,
    recovering: bool = False,
) -> PlannedView:
    """Open the round's thread (unless it has one) and start it (unless started). If
    the channel is gone or closed to moot, the occurrence is cancelled with the reason
    instead of being retried at every sweep. Returns the occurrence as it now is.
    `recovering`: a stopped process's catch-up (see open_thread)."""
    fmt = bot.formats.get(view.format_key)
    if fmt is None:
        return view
    if round_view.thread_id is None:
        try:
            round_view = await open_thread(bot, round_view, fmt, recovering=recovering)
        except (discord.NotFound, discord.Forbidden, MootError) as error:
            log.warning("planned round %s: cannot open its round: %s", view.id, error)
            now = bot.clock.now()
            async with bot.db.session() as session:
                with contextlib.suppress(MootError):
                    await rounds.end(round_view.id, by=view.created_by, now=now, session=session)
                return await planning.abandon(
                    view.id,
                    "Cancelled: the round's channel is gone, or moot may no longer post there.",
                    session=session,
                )
    if round_view.status is not RoundStatus.LOBBY:
        return view
    await check_venue(bot, round_view)
    try:
        async with bot.db.session() as session:
            changes = await rounds.start(
                round_view.id,
                fmt=fmt,
                by=view.created_by,
                now=bot.clock.now(),
                session=session,
            )
    except MootError:
        return view  # started by someone else meanwhile
    await runner.after(changes)
    return view


async def open_new_round(
    bot: MootBot,
    guild_id: int,
    channel_id: int,
    *,
    motion: str,
    fmt: Format,
    pace: float,
    by: int,
    essay: str | None,
    proposition: Side = Side.REALIST,
    venue: discord.StageChannel | discord.VoiceChannel | None = None,
) -> RoundView:
    """Save a new round (with its `venue`, a Stage or voice channel, if any) and open it in
    Discord. If Discord will not let it open, the round is ended (it would otherwise count
    as open, a lobby nobody can see) and MootError says why."""
    now = bot.clock.now()
    async with bot.db.session() as session:
        view = await rounds.create_round(
            guild_id,
            channel_id,
            motion=motion,
            fmt=fmt,
            pace=pace,
            by=by,
            now=now,
            session=session,
            essay=essay,
            proposition=proposition,
        )
        kind = kind_of(venue)
        if venue is not None and kind is not None:
            await floor.set_venue(view.id, guild_id, venue.id, kind, now=now, session=session)
    try:
        return await open_thread(bot, view, fmt)
    except (discord.NotFound, discord.Forbidden, MootError) as error:
        await _end_unopened(bot, view, by, error)
        raise MootError(
            f"I could not open the round's thread in <#{channel_id}> ({_refusal(error)}), so "
            "no round was opened. Check my permissions there and try again."
        ) from error
    except discord.HTTPException as error:
        # A passing failure: the sweep finishes opening it (finish_opening).
        log.warning("round %s: could not open it yet: %s", view.id, error)
        raise MootError(
            f"Discord did not take round {view.id}'s thread just now ({_refusal(error)}); "
            f"it opens in <#{channel_id}> within a few minutes, by itself."
        ) from error


async def finish_opening(bot: MootBot, view: RoundView, saved_at: datetime) -> None:
    """Open a round whose process stopped between saving it and opening it (the member
    who asked was never answered). If Discord will not let it open, or it was saved too
    long ago for a lobby to appear out of nowhere now, the round is ended; a passing
    failure is left for the next sweep."""
    try:
        if bot.clock.now() - saved_at > OPEN_LATE_AT_MOST:
            raise MootError("it was saved too long ago to open now")
        fmt = bot.formats.get(view.format_key)
        if fmt is None:
            raise MootError(f"its format ({view.format_key}) is no longer installed")
        await open_thread(bot, view, fmt, recovering=True)
        log.warning("round %s: opened after an interruption", view.id)
    except (discord.NotFound, discord.Forbidden, MootError) as error:
        await _end_unopened(bot, view, view.created_by, error)
    except discord.HTTPException:
        log.info("round %s: could not open it yet", view.id, exc_info=True)


async def check_venue(bot: MootBot, view: RoundView) -> str | None:
    """A round with a venue (a Stage or voice channel), as it opens: if moot lacks what
    holding its floor takes, or the venue is gone, the round runs as a text round, and the
    thread is told why. Returns what was said (for the moderator), or None."""
    async with bot.db.session() as session:
        venue = (await floor.load_venues([view.id], session=session)).get(view.id)
    if venue is None or venue.state != floor.HOLDING:
        return None
    guild = bot.get_guild(view.guild_id)
    channel = guild.get_channel(venue.channel_id) if guild else None
    async with bot.db.session() as session:
        holder = await floor.holder_of(venue.channel_id, session=session, before=view.id)
    if holder is not None:
        note = (
            f"<#{venue.channel_id}> is the venue of round {holder}, which is still open: this "
            "round runs as a text round."
        )
    elif isinstance(channel, discord.StageChannel | discord.VoiceChannel):
        missing = missing_permissions(channel)
        if not missing:
            return None
        note = cannot_hold(channel, missing)
    else:
        note = (
            f"The round's venue <#{venue.channel_id}> is gone, or is no longer a Stage or "
            "voice channel: this round runs as a text round."
        )
    async with bot.db.session() as session:
        await floor.run_as_text(view.id, note, session=session)
    if bot.floor is not None:
        bot.floor.forget(view.id)
    log.warning("round %s: runs as a text round: %s", view.id, note)
    if view.thread_id is not None:
        try:
            await bot.post(view.thread_id, content=f"🔇 {note}", nonce=f"venue{view.id}")
        except discord.HTTPException:
            log.info("round %s: could not say it runs as a text round", view.id)
    return note


async def _end_unopened(bot: MootBot, view: RoundView, by: int, error: Exception) -> None:
    """End a round that cannot be opened, so it does not count as open."""
    log.warning("round %s: could not open it, so it is ended: %s", view.id, error)
    async with bot.db.session() as session:
        with contextlib.suppress(MootError):
            await rounds.end(view.id, by=by, now=bot.clock.now(), session=session)


def _refusal(error: Exception) -> str:
    """Why Discord refused, in a few words."""
    if isinstance(error, discord.Forbidden):
        return "Discord says I am not allowed to"
    if isinstance(error, discord.NotFound):
        return "the channel is gone"
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status}"
    return str(error)
