"""How the daily excerpt looks in Discord: pure functions from the excerpt service's read
models to embeds, views and sentences."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain import ScheduleStatus, Side, Tally
from bot.embeds import LABEL_NOTE, MOOT_COLOUR, SIDE_COLOURS
from bot.names import Names, as_name
from bot.provenance import essay_author, essay_date, essay_title
from bot.services.excerpts import Claim, ExcerptView, ScheduleView, StatusView, describe_next
from bot.times import discord_time
from cogs.excerpts.buttons import VoteButton

# Discord's longest thread name.
THREAD_NAME_LIMIT = 100

PROMPT = (
    "Which side does this passage support, **Realist** or **Values**? "
    "Argue your case here, then vote below. One vote each; you can change it."
)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """A link that opens the message in Discord."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def excerpt_embed(excerpt: ExcerptView, footer: str) -> discord.Embed:
    """The excerpt, verbatim, with its essay, author, side and place in the essay."""
    embed = discord.Embed(
        title=essay_title(excerpt.essay_title, excerpt.title_is_label),
        description=excerpt.text,
        colour=SIDE_COLOURS[excerpt.side],
        url=excerpt.source_url,
    )
    author = essay_author(excerpt.author, excerpt.author_attributed)
    if excerpt.published:
        author += f" · {essay_date(excerpt.published, excerpt.published_inferred)}"
    embed.set_author(name=author[:256])
    embed.add_field(name="Side", value=excerpt.side.label)
    embed.add_field(name="Where", value=excerpt.place.capitalize())
    if excerpt.title_is_label:
        footer += f" · {LABEL_NOTE}"
    embed.set_footer(text=footer[:2048])
    return embed


def post_footer(claim: Claim) -> str:
    """The post's footer: its day, and why it is late if it is (`is_post` reads it back)."""
    footer = "Daily excerpt"
    if claim.day is not None:
        footer += f" · {claim.day.isoformat()}"
    if claim.late and claim.scheduled_for is not None:
        footer += f" · late: due at {claim.schedule.local_time}, the bot was offline"
    return footer


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


def thread_name(excerpt: ExcerptView, names: Names) -> str:
    """The discussion thread's name: the essay's title, a label still marked as one, and
    any mention in it shown by name (a thread name shows mentions raw)."""
    prefix = "Discuss: "
    title = as_name(excerpt.essay_title, names, limit=THREAD_NAME_LIMIT)
    return prefix + essay_title(
        title, excerpt.title_is_label, limit=THREAD_NAME_LIMIT - len(prefix)
    )


def vote_view(post_id: int, tally: Tally) -> discord.ui.View:
    """The side votes with their counts so far."""
    view = discord.ui.View(timeout=None)
    for side in Side:
        view.add_item(VoteButton(post_id, side, tally.of(side)))
    return view


def setup_embed(view: ScheduleView) -> discord.Embed:
    """What /excerpt setup answers: where, when, and how the posts will be made."""
    embed = discord.Embed(title="Daily excerpt set", colour=MOOT_COLOUR)
    embed.add_field(name="Channel", value=f"<#{view.channel_id}>")
    embed.add_field(name="Time", value=f"{view.local_time} {view.timezone}")
    embed.add_field(name="Next post", value=describe_next(view), inline=False)
    embed.add_field(name="Rotation", value=view.rotation.value)
    embed.add_field(name="Discussion thread", value="on" if view.thread else "off")
    embed.add_field(name="Ping", value=f"<@&{view.ping_role_id}>" if view.ping_role_id else "none")
    return embed


def status_line(view: ScheduleView) -> str:
    """What /excerpt pause, resume and disable answer."""
    if view.status is ScheduleStatus.ACTIVE:
        return f"The daily excerpt is running again. Next post: {describe_next(view)}."
    if view.status is ScheduleStatus.PAUSED:
        return "The daily excerpt is paused. /excerpt resume starts it again."
    return (
        "The daily excerpt is disabled. Its history is kept: /excerpt setup turns it "
        "on again and the rotation carries on where it stopped."
    )


def status_embed(view: StatusView) -> discord.Embed:
    """What /excerpt status shows: next and last post, rotation, options and errors."""
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
    embed.add_field(name="Next post", value=describe_next(schedule), inline=False)
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
