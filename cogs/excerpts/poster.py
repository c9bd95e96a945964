"""Bringing claimed excerpts to Discord: an alarm per server for its next post, a sweep for
anything overdue or left half-done by a stopped process, and the post itself with its
discussion thread. The database decides what is due and who posts it
(bot.services.excerpts); the alarms only wake this process up to ask."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.alarms import AlarmDesk
from bot.domain import ScheduleStatus, Tally
from bot.errors import THREAD_ALREADY_EXISTS, MootError
from bot.names import names_in
from bot.services import excerpts
from bot.services.excerpts import Claim
from cogs.excerpts.render import (
    PROMPT,
    excerpt_embed,
    is_post,
    post_footer,
    thread_name,
    vote_view,
)

if TYPE_CHECKING:
    from bot.client import MootBot

log = logging.getLogger("moot.excerpts")

# How many servers' posts are worked on at once; the post limiter sets the pace.
CONCURRENT_POSTS = 8


class PostLater(Exception):
    """Discord could not take the post for now (rate limited past discord.py's retries, a
    server error, no answer): worth sending again, unlike a refusal."""


def missing_permissions(channel: discord.abc.GuildChannel, *, thread: bool) -> list[str]:
    """What the bot lacks in `channel` to post the excerpt (and open its thread)."""
    me = channel.guild.me
    have = channel.permissions_for(me)
    needed = [
        ("View Channel", have.view_channel),
        ("Send Messages", have.send_messages),
        ("Embed Links", have.embed_links),
    ]
    if thread:
        needed += [
            ("Create Public Threads", have.create_public_threads),
            ("Send Messages in Threads", have.send_messages_in_threads),
        ]
    return [label for label, ok in needed if not ok]


class ExcerptPoster:
    """The daily excerpts of this process's shards, posted when they are due."""

    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.slots = asyncio.Semaphore(CONCURRENT_POSTS)
        self.desk: AlarmDesk[int] = AlarmDesk(
            bot.clock, "excerpt", due=self.due, ring_each=self.run_due
        )
        bot.track(self.desk)

    def start(self) -> None:
        """Sweep from now on; the first sweep sets every server's alarm."""
        self.desk.start(self.bot.settings.sweep_seconds)

    async def close(self) -> None:
        """Stop the alarms, letting a post under way finish."""
        await self.desk.close()

    # --- timers ------------------------------------------------------------------------

    @property
    def grace(self) -> timedelta:
        """How late a scheduled post may still go out; a later one is skipped."""
        return timedelta(hours=self.bot.settings.excerpt_grace_hours)

    def set_timer(self, guild_id: int, at: datetime | None) -> None:
        """Ring for `guild_id` at `at` (by the bot's clock); None removes its alarm."""
        self.desk.set(guild_id, at)

    async def due(self) -> list[tuple[int, datetime]]:
        """Every server's next post (the desk arms them; an overdue one rings at once),
        after taking over the posts a stopped process claimed but never finished."""
        now = self.bot.clock.now()
        shard_count, shard_ids = self.bot.shard_count, self.bot.shard_ids
        async with self.bot.db.session() as session:
            upcoming = await excerpts.upcoming(
                shard_count=shard_count, shard_ids=shard_ids, session=session
            )
            interrupted = await excerpts.reclaim_interrupted(
                now=now,
                grace=self.grace,
                shard_count=shard_count,
                shard_ids=shard_ids,
                session=session,
            )
        if not self.desk.armed:
            log.info("daily excerpts: %d schedules on this process's shards", len(upcoming))
        await asyncio.gather(*(self.resend(claim) for claim in interrupted))
        return upcoming

    async def resend(self, claim: Claim) -> None:
        """Finish a post whose process died after claiming it (same nonce: never doubled)."""
        log.warning("resending interrupted excerpt post %s", claim.post_id)
        async with self.slots:
            try:
                await self.post_claimed(claim, recovering=True)
            except Exception:
                log.exception("resending excerpt post %s failed", claim.post_id)

    async def run_due(self, guild_id: int) -> None:
        """The alarm for one server: claim its post if due, send it, set the next alarm."""
        async with self.slots:
            if self.desk.closing:
                return  # shutting down: the next start's sweep picks it up
            try:
                try:
                    async with self.bot.db.session() as session:
                        due = await excerpts.claim_due(
                            guild_id, now=self.bot.clock.now(), grace=self.grace, session=session
                        )
                except excerpts.ClaimedElsewhere:
                    log.info("another process claimed server %s's excerpt first", guild_id)
                    async with self.bot.db.session() as session:
                        schedule = await excerpts.get_schedule(guild_id, session=session)
                    if schedule is not None and schedule.status is ScheduleStatus.ACTIVE:
                        self.set_timer(guild_id, schedule.next_post_at)
                    return
                if due.claim is not None:
                    await self.post_claimed(due.claim)
                self.set_timer(guild_id, due.next_post_at)
            except Exception:
                log.exception("daily excerpt for server %s failed unexpectedly", guild_id)

    # --- posting -----------------------------------------------------------------------

    async def post_now(self, claim: Claim) -> str | None:
        """Send a post claimed by /excerpt now, in turn with the posts already going out;
        the failure's sentence, or None."""
        async with self.slots:
            return await self.post_claimed(claim)

    async def post_claimed(self, claim: Claim, *, recovering: bool = False) -> str | None:
        """Send a claimed post and record how it went; the failure's sentence, or None.
        `recovering`: a claim a stopped process left, which may have gone out already."""
        now = self.bot.clock.now()
        try:
            message, thread_id, warning = await self.send(claim, recovering=recovering)
        except PostLater as trouble:
            # Left claimed: the sweeper takes it over once its lease runs out and sends it
            # again with the same nonce, inside the grace window.
            log.warning("excerpt post %s: %s; it will be retried", claim.post_id, trouble)
            return (
                f"Discord is having trouble ({trouble}): the post will be retried in a few minutes."
            )
        except MootError as problem:
            async with self.bot.db.session() as session:
                view = await excerpts.record_failure(
                    claim.post_id, reason=str(problem), now=now, session=session
                )
            if view is not None and view.status is ScheduleStatus.DISABLED:
                log.warning("daily excerpt disabled in server %s: %s", view.guild_id, problem)
                self.set_timer(view.guild_id, None)
            return str(problem)
        log.info(
            "posted excerpt %s in server %s (post %s)",
            claim.excerpt.id,
            claim.schedule.guild_id,
            claim.post_id,
        )
        async with self.bot.db.session() as session:
            await excerpts.record_posted(
                claim.post_id,
                message_id=message.id,
                thread_id=thread_id,
                warning=warning,
                now=self.bot.clock.now(),
                session=session,
            )
        return None

    async def send(
        self, claim: Claim, *, recovering: bool = False
    ) -> tuple[discord.Message | discord.PartialMessage, int | None, str | None]:
        """Post the excerpt (and its thread); MootError says why it could not be posted.
        `recovering`: if it already went out (longer ago than Discord keeps the nonce),
        the message found in the channel is the post."""
        schedule = claim.schedule
        guild = self.bot.get_guild(schedule.guild_id)
        if guild is None:
            raise MootError("I am not in this server any more, or it is unavailable.")
        channel = guild.get_channel(schedule.channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise MootError(
                f"The excerpt channel (<#{schedule.channel_id}>) no longer exists. "
                "Pick another with /excerpt setup."
            )
        missing = missing_permissions(channel, thread=False)
        if missing:
            raise MootError(
                f"I can't post in {channel.mention}: I'm missing {', '.join(missing)} there."
            )
        content = None
        mentions = discord.AllowedMentions.none()
        warning = None
        if schedule.ping_role_id is not None:
            role = guild.get_role(schedule.ping_role_id)
            if role is None:
                warning = "The ping role no longer exists; posted without a ping."
            else:
                content = role.mention
                mentions = discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role.id)]
                )
        embed = excerpt_embed(claim.excerpt, post_footer(claim))
        message: discord.Message | discord.PartialMessage
        try:
            found = None
            if recovering:
                found = await self.bot.find_posted(channel.id, functools.partial(is_post, claim))
            if found is not None:
                message = channel.get_partial_message(found)
            else:
                message = await channel.send(
                    content=content, embed=embed, allowed_mentions=mentions, nonce=claim.nonce
                )
        except discord.Forbidden:
            raise MootError(
                f"Discord refused my post in {channel.mention}: check my permissions there."
            ) from None
        except discord.NotFound:
            raise MootError(
                f"The excerpt channel (<#{schedule.channel_id}>) no longer exists. "
                "Pick another with /excerpt setup."
            ) from None
        except discord.HTTPException as error:
            if error.status == 429 or error.status >= 500:
                raise PostLater(f"{error.status} from Discord") from None
            raise MootError(f"Discord could not take the post ({error.status}).") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise PostLater(f"no answer from Discord: {type(error).__name__}") from None
        thread_id = None
        if schedule.thread:
            try:
                thread_id = await self.open_thread(claim, message, recovering=recovering)
            except discord.HTTPException as error:
                warning = f"Posted, but I could not open the discussion thread ({error.text})."
        return message, thread_id, warning

    async def open_thread(
        self,
        claim: Claim,
        message: discord.Message | discord.PartialMessage,
        *,
        recovering: bool = False,
    ) -> int:
        """Open the post's discussion thread with the prompt and the vote buttons."""
        name = thread_name(claim.excerpt, names_in(message.guild))
        reused = False
        try:
            await message.create_thread(name=name, auto_archive_duration=1440)
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_EXISTS:
                raise
            reused = True  # a resent post whose thread was opened before the crash
        # The thread's id is the post's. In a reused thread the prompt may be there
        # already, from longer ago than Discord remembers its nonce: look first.
        await self.bot.post(
            message.id,
            content=PROMPT,
            view=vote_view(claim.post_id, Tally(0, 0)),
            nonce=f"{claim.nonce}t",
            recover=reused and recovering,
        )
        return message.id
