"""A round's voice venue on Discord's side: members joining and leaving its Stage or voice
channel, and, at each start, every venue still held brought into line with its round (the
floor keeper, bot/actions/floor, does the work)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.actions.floor.keeper import FloorKeeper
from bot.client import MootBot
from bot.domain import Side
from bot.errors import MootError
from cogs.debate.floor import RoundFloor

log = logging.getLogger("moot.floor")


class RoundVenue(commands.Cog):
    def __init__(self, bot: MootBot, keeper: FloorKeeper, floor: RoundFloor) -> None:
        self.bot = bot
        self.keeper = keeper
        self.floor = floor

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # A start, or a new gateway session: whatever happened meanwhile is looked at again.
        self.bot.spawn(self._reconcile(), "floor-reconcile")

    async def _reconcile(self) -> None:
        try:
            await self.keeper.reconcile()
        except Exception:
            log.exception("could not bring the rounds' venues into line")

    @commands.Cog.listener()
    async def on_stage_instance_delete(self, instance: discord.StageInstance) -> None:
        self.keeper.stage_closed(instance.guild.id, instance.channel_id)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        await self.keeper.voice_changed(member, before, after)
        # A raised hand: still in the audience, asking. (Brought up, a member also shows a
        # request time, Discord's invitation to speak: that is moot's own doing.)
        if (
            after.channel is not None
            and after.suppress
            and after.requested_to_speak_at is not None
            and before.requested_to_speak_at is None
        ):
            await self.hand_raised(member, after.channel.id)

    async def hand_raised(self, member: discord.Member, channel_id: int) -> None:
        """A debater asking to speak on the round's Stage offers the speaker a point of
        information, as the thread's Offer a point button does. Refused, they are told why
        in the thread and their hand is lowered; anyone else's hand is left to the Stage's
        moderators."""
        view = self.keeper.round_held_in(member.guild.id, channel_id)
        if view is None or view.role_of(member.id) not in {s.value for s in Side}:
            return
        try:
            changes = await self.floor.offer(view.id, member.id)
        except MootError as refused:
            if view.thread_id is not None:
                try:
                    await self.bot.post(
                        view.thread_id,
                        content=f"{view.name_of(member.id)} asked to speak: {refused}",
                    )
                except discord.HTTPException:
                    log.info("round %s: could not say why a point was refused", view.id)
            try:
                await member.edit(suppress=True)  # lowers the hand
            except discord.HTTPException:
                log.info("round %s: could not lower %s's hand", view.id, member.id)
            return
        await self.floor.runner.after(changes)
