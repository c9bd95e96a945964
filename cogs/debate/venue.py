"""A round's voice venue on Discord's side: members joining and leaving its Stage or voice
channel, and, at each start, every venue still held brought into line with its round (the
floor keeper, bot/actions/floor, does the work)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.actions.floor.keeper import FloorKeeper
from bot.client import MootBot

log = logging.getLogger("moot.floor")


class RoundVenue(commands.Cog):
    def __init__(self, bot: MootBot, keeper: FloorKeeper) -> None:
        self.bot = bot
        self.keeper = keeper

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
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        await self.keeper.voice_changed(member, before, after)
