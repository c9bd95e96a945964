"""A round's Stage instance: opened as the round starts, with the motion as its topic and
the planned round's event linked, or taken over when it is live already. The floor keeper
closes the one that is moot's at the end."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.actions.floor.checks import stage_topic
from bot.services.floor import Venue
from bot.services.rounds import RoundView

if TYPE_CHECKING:
    from bot.actions.floor.keeper import FloorKeeper, Vocal

log = logging.getLogger("moot.floor")

# Discord's error code for a Stage already live.
STAGE_ALREADY_OPEN = 150006


async def open_instance(keeper: FloorKeeper, venue: Venue, view: RoundView, channel: Vocal) -> None:
    """Open the Stage instance, with the motion as its topic and the planned round's
    event linked. One live already is someone else's to close, unless it is the one
    Discord opened for the planned round's event as it started: moot takes that one
    over, with the motion as its topic."""
    keeper.instanced.add(view.id)
    if not isinstance(channel, discord.StageChannel):
        return
    topic = stage_topic(view.motion, channel.guild)
    if channel.instance is not None:
        # Live already: opened by moot before a restart (it recorded the intent first),
        # by Discord for the round's event, or by someone else.
        await _take_over(
            keeper,
            venue,
            channel.instance.scheduled_event_id,
            channel,
            topic,
            ours=venue.opens_instance,
        )
        return
    if not venue.opens_instance:
        venue = await keeper.intend(venue, True)
    payload: dict[str, Any] = {"channel_id": channel.id, "topic": topic, "privacy_level": 2}
    if venue.event_id is not None:
        payload["guild_scheduled_event_id"] = venue.event_id
    try:
        await keeper.bot.http.create_stage_instance(reason=f"Round {view.id}", **payload)
    except discord.HTTPException as error:
        if error.code == STAGE_ALREADY_OPEN:
            event: Any = None
            try:
                live = await keeper.bot.http.get_stage_instance(channel.id)
                event = live.get("guild_scheduled_event_id")
            except discord.HTTPException:
                pass
            await _take_over(keeper, venue, int(event) if event else None, channel, topic)
            return
        if venue.event_id is not None and error.status in (400, 404):
            # The event is gone or ended: the Stage opens without it.
            del payload["guild_scheduled_event_id"]
            try:
                await keeper.bot.http.create_stage_instance(reason=f"Round {view.id}", **payload)
                return
            except discord.HTTPException as again:
                error = again
        log.warning("round %s: could not open its Stage: %s", view.id, error)


async def _take_over(
    keeper: FloorKeeper,
    venue: Venue,
    event_id: int | None,
    channel: discord.StageChannel,
    topic: str,
    *,
    ours: bool = False,
) -> None:
    """A Stage live already: the round's own if moot opened it (`ours`) or Discord
    opened it for the round's event (then moot closes it at the end), else someone
    else's, left alone."""
    ours = ours or (venue.event_id is not None and event_id == venue.event_id)
    if ours != venue.opens_instance:
        venue = await keeper.intend(venue, ours)
    if ours:
        try:
            await keeper.bot.http.edit_stage_instance(channel.id, topic=topic)
        except discord.HTTPException as error:
            log.info("round %s: could not set its Stage's topic: %s", venue.round_id, error)
