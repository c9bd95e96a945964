"""/excerpt: a daily excerpt from the essays, posted on each server's own schedule.

The database decides what is due and who posts it (bot.services.excerpts); this cog keeps
an APScheduler alarm per server for its next post, sweeps for anything overdue, and does
the Discord side: the embed, the discussion thread, and the vote buttons.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator
from bot.client import MootBot
from bot.embeds import LABEL_NOTE, MOOT_COLOUR, SIDE_COLOURS, essay_title
from bot.errors import THREAD_ALREADY_EXISTS, THREAD_ARCHIVED, MootError
from bot.models import Rotation, ScheduleStatus, Side, Tally
from bot.replies import report_error
from bot.schedule import discord_time, parse_time_of_day
from bot.services import excerpts
from bot.services.excerpts import Claim, ExcerptView, ScheduleView, StatusView
from bot.services.guild_config import check_timezone, get_settings, timezone_suggestions
from bot.timers import TimerWork

log = logging.getLogger("moot.excerpts")

# How many servers' posts are worked on at once; the post limiter sets the pace.
CONCURRENT_POSTS = 8
# Discord's error when a message already has a thread: a resent post's thread exists.
ROTATIONS = [
    app_commands.Choice(name="Alternate realist and values (default)", value="alternate"),
    app_commands.Choice(name="Balanced: the side posted less often goes next", value="balanced"),
    app_commands.Choice(name="Random side each day", value="random"),
]
PROMPT = (
    "Which side does this passage support, **Realist** or **Values**? "
    "Argue your case here, then vote below. One vote each; you can change it."
)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def excerpt_embed(excerpt: ExcerptView, footer: str) -> discord.Embed:
    """The excerpt, verbatim, with its essay, author, side and place in the essay."""
    embed = discord.Embed(
        title=essay_title(excerpt.essay_title, excerpt.title_is_label),
        description=excerpt.text,
        colour=SIDE_COLOURS[excerpt.side],
        url=excerpt.source_url,
    )
    author = excerpt.author or "author unknown"
    if excerpt.published:
        author += f" · {excerpt.published}"
    embed.set_author(name=author[:256])
    embed.add_field(name="Side", value=excerpt.side.label)
    embed.add_field(name="Where", value=excerpt.place.capitalize())
    if excerpt.title_is_label:
        footer += f" · {LABEL_NOTE}"
    embed.set_footer(text=footer[:2048])
    return embed


class PostLater(Exception):
    """Discord could not take the post for now (rate limited past discord.py's retries, a
    server error, no answer): worth sending again, unlike a refusal."""


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"excerpt-vote:(?P<post>\d+):(?P<side>realist|values)",
):
    """ "Which side does it support?" One vote per member, changeable; works after restarts."""

    def __init__(self, post_id: int, side: Side, count: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{side.label} · {count}",
                style=discord.ButtonStyle.primary
                if side is Side.REALIST
                else discord.ButtonStyle.success,
                custom_id=f"excerpt-vote:{post_id}:{side.value}",
            )
        )
        self.post_id = post_id
        self.side = side

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["post"]), Side(match["side"]), 0)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            client = interaction.client
            assert isinstance(client, MootBot)
            async with client.db.session() as session:
                tally = await excerpts.vote(
                    self.post_id,
                    interaction.user.id,
                    self.side,
                    now=client.clock.now(),
                    session=session,
                )
            said = (
                f"You said the passage supports **{self.side.label}**. "
                "Click the other button to change your vote."
            )
            try:
                await interaction.response.edit_message(view=vote_view(self.post_id, tally))
            except discord.HTTPException as error:
                if error.code != THREAD_ARCHIVED:
                    raise
                # The discussion thread archived itself (nobody can edit a message in an
                # archived thread): the vote is counted and answered all the same.
                await interaction.response.send_message(said, ephemeral=True)
                locked = isinstance(interaction.channel, discord.Thread) and (
                    interaction.channel.locked
                )
                if interaction.message is not None and not locked:
                    await show_tally_in_archived_thread(
                        client, interaction.message, vote_view(self.post_id, tally)
                    )
                return
            await interaction.followup.send(said, ephemeral=True)
        except Exception as error:
            await report_error(interaction, error)


async def show_tally_in_archived_thread(
    client: MootBot, message: discord.Message, view: discord.ui.View
) -> None:
    """Unarchive the bot's own thread (its creator may) and update the tally, once. (A
    thread a moderator locked is left as it is: the count is kept in the database and
    shows the next time the tally can be edited; nothing is retried.)"""
    try:
        await client.http.edit_channel(message.channel.id, archived=False)
        await client.edit(message.channel.id, message.id, view=view)
    except discord.HTTPException as error:
        log.info(
            "excerpt vote in archived thread %s: tally not updated (%s)",
            message.channel.id,
            error.text or error.status,
        )


def vote_view(post_id: int, tally: Tally) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for side in Side:
        view.add_item(VoteButton(post_id, side, tally.of(side)))
    return view


def is_post(claim: Claim, data: Any) -> bool:
    """Whether a message's data is `claim`'s post: its excerpt, on its day (a resend may
    have marked itself late, the first sending not)."""
    embeds = data.get("embeds") or []
    if not embeds:
        return False
    footer = str((embeds[0].get("footer") or {}).get("text") or "")
    if embeds[0].get("description") != claim.excerpt.text:
        return False
    if claim.day is None:  # posted with /excerpt now: no day, perhaps marked late
        return footer == "Daily excerpt" or footer.startswith("Daily excerpt · late")
    return footer.startswith(f"Daily excerpt · {claim.day.isoformat()}")


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


def status_embed(view: StatusView) -> discord.Embed:
    schedule = view.schedule
    state = {
        ScheduleStatus.ACTIVE: "Running",
        ScheduleStatus.PAUSED: "Paused (/excerpt resume to restart)",
        ScheduleStatus.DISABLED: "Disabled (/excerpt setup to turn it on again)",
    }[schedule.status]
    embed = discord.Embed(title="Daily excerpt", colour=MOOT_COLOUR)
    embed.add_field(name="Status", value=state, inline=False)
    embed.add_field(name="Channel", value=f"<#{schedule.channel_id}>")
    embed.add_field(name="Time", value=f"{schedule.local_time} {schedule.timezone}")
    embed.add_field(name="Next post", value=excerpts.describe_next(schedule), inline=False)
    if view.last_post is not None:
        post = view.last_post
        when = discord_time(post.posted_at, "f") if post.posted_at else "?"
        link = (
            f" · [jump]({jump_url(schedule.guild_id, post.channel_id, post.message_id)})"
            if post.channel_id and post.message_id
            else ""
        )
        side = post.side.label if post.side else "?"
        embed.add_field(name="Last post", value=f"{when} · {side}{link}", inline=False)
    else:
        embed.add_field(name="Last post", value="none yet", inline=False)
    progress = "\n".join(
        f"{p.side.label}: {p.posted} of {p.total} excerpts posted (cycle {p.cycle})"
        for p in view.progress
    )
    embed.add_field(name=f"Rotation: {schedule.rotation.value}", value=progress, inline=False)
    extras = [f"Discussion thread: {'on' if schedule.thread else 'off'}"]
    extras.append(f"Ping: <@&{schedule.ping_role_id}>" if schedule.ping_role_id else "Ping: none")
    embed.add_field(name="Options", value="\n".join(extras), inline=False)
    if view.last_skipped is not None and view.last_skipped.reason:
        day = view.last_skipped.day.isoformat() if view.last_skipped.day else "?"
        embed.add_field(
            name=f"Last skipped day: {day}", value=view.last_skipped.reason, inline=False
        )
    if schedule.last_error:
        when = f" ({discord_time(schedule.last_error_at, 'R')})" if schedule.last_error_at else ""
        failures = (
            f"\n{schedule.consecutive_failures} failed post(s) in a row."
            if schedule.consecutive_failures
            else ""
        )
        embed.add_field(
            name="Last error", value=f"{schedule.last_error}{when}{failures}"[:1024], inline=False
        )
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Excerpts(
    commands.GroupCog, group_name="excerpt", group_description="Daily excerpts from the essays"
):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.slots = asyncio.Semaphore(CONCURRENT_POSTS)
        self.timers_built = False
        self.timers = TimerWork(bot.clock, "excerpt")
        bot.track(self.timers)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Sweep only once the servers are in the cache; on_ready also follows reconnects.
        self.timers.every("sweep", self.bot.settings.sweep_seconds, self.sweep)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(VoteButton)
        await self.timers.close()

    # --- timers ------------------------------------------------------------------------

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.bot.settings.excerpt_grace_hours)

    def set_timer(self, guild_id: int, at: datetime | None) -> None:
        """Ring for `guild_id` at `at` (by the bot's clock); None removes its alarm."""
        self.timers.ring(guild_id, at, self.run_due, guild_id)

    async def sweep(self) -> None:
        """Start overdue posts, take over interrupted ones, and (once) build every alarm."""
        try:
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
            overdue = [guild_id for guild_id, at in upcoming if at <= now]
            if not self.timers_built:
                for guild_id, at in upcoming:
                    if at > now:
                        self.set_timer(guild_id, at)
                self.timers_built = True
                log.info("daily excerpts: %d schedules on this process's shards", len(upcoming))
            await asyncio.gather(
                *(self.resend(claim) for claim in interrupted),
                *(self.run_due(guild_id) for guild_id in overdue),
            )
        except Exception:
            log.exception("the excerpt sweep failed; the next one will try again")

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
            if self.timers.closing:
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
        footer = "Daily excerpt"
        if claim.day is not None:
            footer += f" · {claim.day.isoformat()}"
        if claim.late and claim.scheduled_for is not None:
            footer += f" · late: due at {schedule.local_time}, the bot was offline"
        embed = excerpt_embed(claim.excerpt, footer)
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
        name = f"Discuss: {claim.excerpt.essay_title}"[:100]
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

    # --- commands ----------------------------------------------------------------------

    @app_commands.command(name="setup", description="Post a daily excerpt in a channel")
    @app_commands.describe(
        channel="Where the excerpt is posted",
        time="Local time of day, such as 08:00, 8am or 20:30",
        timezone="IANA time zone; defaults to the server's (/config timezone)",
        ping_role="A role to mention with each post (never @everyone)",
        thread="Open a discussion thread with side votes under each post",
        rotation="How the side of each day's excerpt is chosen",
    )
    @app_commands.choices(rotation=ROTATIONS)
    @is_moderator()
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str | None = None,
        ping_role: discord.Role | None = None,
        thread: bool = False,
        rotation: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        minute_of_day = parse_time_of_day(time)
        async with self.bot.db.session() as session:
            server = await get_settings(interaction.guild.id, session=session)
        zone = check_timezone(timezone) if timezone else server.timezone
        if ping_role is not None and ping_role.is_default():
            raise MootError(
                "I won't ping @everyone with the daily excerpt. Pick a role members can "
                "opt into, or leave ping_role empty."
            )
        missing = missing_permissions(channel, thread=thread)
        if missing:
            raise MootError(
                f"I can't post excerpts in {channel.mention}: I'm missing "
                f"{', '.join(missing)} there. Grant them, or pick another channel."
            )
        chosen = Rotation(rotation.value) if rotation else Rotation.ALTERNATE
        async with self.bot.db.session() as session:
            view = await excerpts.setup_schedule(
                interaction.guild.id,
                channel_id=channel.id,
                minute_of_day=minute_of_day,
                timezone=zone,
                ping_role_id=ping_role.id if ping_role else None,
                thread=thread,
                rotation=chosen,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        self.set_timer(view.guild_id, view.next_post_at)
        embed = discord.Embed(title="Daily excerpt set", colour=MOOT_COLOUR)
        embed.add_field(name="Channel", value=channel.mention)
        embed.add_field(name="Time", value=f"{view.local_time} {view.timezone}")
        embed.add_field(name="Next post", value=excerpts.describe_next(view), inline=False)
        embed.add_field(name="Rotation", value=view.rotation.value)
        embed.add_field(name="Discussion thread", value="on" if view.thread else "off")
        embed.add_field(name="Ping", value=ping_role.mention if ping_role else "none")
        if ping_role is not None and not ping_role.mentionable:
            me = interaction.guild.me
            if not channel.permissions_for(me).mention_everyone:
                embed.add_field(
                    name="Note",
                    value=f"{ping_role.mention} is not mentionable and I lack Mention "
                    "@everyone, so the ping will not notify anyone. Make the role "
                    "mentionable in Server Settings → Roles.",
                    inline=False,
                )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @setup.autocomplete("timezone")
    async def timezone_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_suggestions(current)]

    @app_commands.command(name="now", description="Post the next excerpt right away")
    @is_moderator()
    async def now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            claim = await excerpts.claim_now(
                interaction.guild_id,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        async with self.slots:
            problem = await self.post_claimed(claim)
        if problem is not None:
            raise MootError(f"The excerpt was not posted: {problem}")
        await interaction.followup.send(
            f"Posted {claim.excerpt.side.label} excerpt ({claim.excerpt.place}) in "
            f"<#{claim.schedule.channel_id}>. It counts toward the rotation.",
            ephemeral=True,
        )

    @app_commands.command(name="preview", description="See the next excerpt (only you see it)")
    @is_moderator()
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            excerpt = await excerpts.preview(interaction.guild_id, session=session)
        await interaction.response.send_message(
            content="Preview of the next post. Nothing was posted or changed.",
            embed=excerpt_embed(excerpt, "Daily excerpt · preview"),
            ephemeral=True,
        )

    async def _set_status(self, interaction: discord.Interaction, status: ScheduleStatus) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await excerpts.set_status(
                interaction.guild_id,
                status,
                by=interaction.user.id,
                now=self.bot.clock.now(),
                session=session,
            )
        self.set_timer(view.guild_id, view.next_post_at)
        await interaction.response.send_message(self._status_line(view), ephemeral=True)

    @staticmethod
    def _status_line(view: ScheduleView) -> str:
        if view.status is ScheduleStatus.ACTIVE:
            return f"The daily excerpt is running again. Next post: {excerpts.describe_next(view)}."
        if view.status is ScheduleStatus.PAUSED:
            return "The daily excerpt is paused. /excerpt resume starts it again."
        return (
            "The daily excerpt is disabled. Its history is kept: /excerpt setup turns it "
            "on again and the rotation carries on where it stopped."
        )

    @app_commands.command(name="pause", description="Pause the daily excerpt")
    @is_moderator()
    async def pause(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.PAUSED)

    @app_commands.command(name="resume", description="Resume a paused daily excerpt")
    @is_moderator()
    async def resume(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.ACTIVE)

    @app_commands.command(name="disable", description="Turn the daily excerpt off")
    @is_moderator()
    async def disable(self, interaction: discord.Interaction) -> None:
        await self._set_status(interaction, ScheduleStatus.DISABLED)

    @app_commands.command(name="status", description="Next post, last post, rotation, errors")
    @is_moderator()
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            view = await excerpts.status(interaction.guild_id, session=session)
        await interaction.response.send_message(embed=status_embed(view), ephemeral=True)


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Excerpts(bot))
