"""/scores: leaderboards with paging, members' records with a rating chart, the sides'
standings with a chart, and moderators' adjustments and seasons."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import rating_chart, sides_chart
from bot.checks import is_moderator
from bot.client import MootBot
from bot.embeds import MOOT_COLOUR
from bot.errors import MootError
from bot.models import MemberScore
from bot.replies import reporting
from bot.services import scores
from bot.services.scores import PAGE, Standing

PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="This season", value="season"),
    app_commands.Choice(name="All time", value="all"),
]
BY_CHOICES = [
    app_commands.Choice(name="Rating", value="rating"),
    app_commands.Choice(name="Wins", value="wins"),
    app_commands.Choice(name="Speaker points", value="points"),
]
PERIOD_NAMES = {c.value: c.name for c in PERIOD_CHOICES}
BY_NAMES = {c.value: c.name for c in BY_CHOICES}


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"scores:(?P<period>week|month|season|all):(?P<by>rating|wins|points):(?P<page>\d+)",
):
    """Previous / Next on a leaderboard: the page to show is in the button itself."""

    def __init__(
        self, period: str, by: str, page: int, *, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or str(page + 1),
                custom_id=f"scores:{period}:{by}:{page}",
                disabled=disabled,
            )
        )
        self.period, self.by, self.page = period, by, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["period"], match["by"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, MootBot)
        cog = client.get_cog("Scores")
        async with reporting(interaction):
            if not isinstance(cog, Scores):
                raise MootError("Scores are not available right now; try again in a moment.")
            embed, view = await cog.board(interaction, self.period, self.by, self.page)
            await interaction.response.edit_message(embed=embed, view=view)


def shown(by: str, value: float) -> str:
    return str(int(value)) if by == "wins" else f"{value:.1f}"


def board_embed(
    standings: list[Standing], period: str, by: str, page: int, pages: int
) -> discord.Embed:
    embed = discord.Embed(
        title=f"Leaderboard: {PERIOD_NAMES[period]}, by {BY_NAMES[by].lower()}",
        colour=MOOT_COLOUR,
    )
    rows = standings[page * PAGE : (page + 1) * PAGE]
    embed.description = (
        "\n".join(
            f"**{s.rank}.** {discord.utils.escape_markdown(s.name)} · {shown(by, s.value)} "
            f"· {s.wins} won of {s.rounds}"
            for s in rows
        )
        or "Nobody has debated in that period yet."
    )
    embed.set_footer(text=f"Page {page + 1} of {pages}")
    return embed


def record_lines(score: MemberScore | None, rating: float | None) -> str:
    if score is None or rating is None:
        return "No decided rounds yet."
    points = (
        f"{score.points_total / score.points_count:.1f}" if score.points_count else "no ballots"
    )
    streak = (
        f"{score.streak} won in a row"
        if score.streak > 0
        else f"{-score.streak} lost in a row"
        if score.streak < 0
        else "none"
    )
    return "\n".join(
        [
            f"Rating **{rating:.1f}** (μ {score.mu:.1f}, σ {score.sigma:.1f})",
            f"{score.rounds} rounds: {score.wins} won, {score.losses} lost, {score.draws} drawn",
            f"As Realist {score.realist_wins}/{score.realist_rounds} · "
            f"as Values {score.values_wins}/{score.values_rounds}",
            f"Average speaker points: {points} · streak: {streak}",
        ]
    )


def balance_line(balance: scores.Balance) -> str:
    flag = f" · ⚠ {balance.lopsided.label} wins it too often" if balance.lopsided else ""
    return (
        f"{discord.utils.escape_markdown(balance.label[:80])}: Realist {balance.realist} · "
        f"Values {balance.values} · drawn {balance.draws} · "
        f"for the motion {balance.for_motion}{flag}"
    )


@app_commands.guild_only()
class Scores(commands.GroupCog, group_name="scores", group_description="Results and ratings"):
    season_group = app_commands.Group(name="season", description="Scoring seasons")

    def __init__(self, bot: MootBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)

    async def board(
        self, interaction: discord.Interaction, period: str, by: str, page: int
    ) -> tuple[discord.Embed, discord.ui.View]:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            standings = await scores.leaderboard(
                interaction.guild_id, period, by, now=self.bot.clock.now(), session=session
            )
        pages = max(1, -(-len(standings) // PAGE))
        page = min(max(page, 0), pages - 1)
        ui = discord.ui.View(timeout=None)
        ui.add_item(PageButton(period, by, max(0, page - 1), label="Previous", disabled=page == 0))
        ui.add_item(PageButton(period, by, page + 1, label="Next", disabled=page >= pages - 1))
        return board_embed(standings, period, by, page, pages), ui

    @app_commands.command(name="leaderboard", description="The server's debaters, ranked")
    @app_commands.describe(period="Which results count (default: this season)", by="Rank by")
    @app_commands.choices(period=PERIOD_CHOICES, by=BY_CHOICES)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: app_commands.Choice[str] | None = None,
        by: app_commands.Choice[str] | None = None,
    ) -> None:
        embed, view = await self.board(
            interaction, period.value if period else "season", by.value if by else "rating", 0
        )
        await interaction.response.send_message(embed=embed, view=view)

    @app_commands.command(name="member", description="A member's record and rating")
    @app_commands.describe(user="Whose (default: yours)")
    async def member(
        self, interaction: discord.Interaction, user: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        who = user or interaction.user
        async with self.bot.db.session() as session:
            stats = await scores.member_stats(interaction.guild_id, who.id, session=session)
        embed = discord.Embed(title=f"{who.display_name}: record", colour=MOOT_COLOUR)
        embed.add_field(
            name=stats.season_name,
            value=record_lines(stats.season, stats.season_rating),
            inline=False,
        )
        embed.add_field(
            name="All time", value=record_lines(stats.all_time, stats.all_time_rating), inline=False
        )
        if stats.adjustments:
            embed.add_field(
                name="Adjustments",
                value="\n".join(
                    f"{a.points:+g} by {discord.utils.escape_markdown(a.by_name)}: "
                    f"{discord.utils.escape_markdown(a.reason)}"
                    for a in stats.adjustments
                )[:1024],
                inline=False,
            )
        if len(stats.history) < 1:
            await interaction.response.send_message(embed=embed)
            return
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(rating_chart, who.display_name, stats.history)
        embed.set_image(url="attachment://rating.png")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename="rating.png")
        )

    @app_commands.command(name="sides", description="Realist against Values: rounds won")
    async def sides(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            standing = await scores.side_standings(interaction.guild_id, session=session)
        embed = discord.Embed(title="Realist against Values", colour=MOOT_COLOUR)
        embed.description = (
            f"Realist **{standing.realist}** · Values **{standing.values}** · "
            f"drawn {standing.draws}\n"
            f"Won for the motion {standing.for_motion} · "
            f"against it {standing.against_motion}"
        )
        for title, balances in (("By motion", standing.motions), ("By essay", standing.essays)):
            lines = [balance_line(b) for b in balances[:8]]
            empty = (
                "No decided rounds yet."
                if title == "By motion"
                else "No decided round was started with an essay (/debate start essay)."
            )
            embed.add_field(name=title, value="\n".join(lines)[:1024] or empty, inline=False)
        if not standing.over_time:
            await interaction.response.send_message(embed=embed)
            return
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(sides_chart, standing.over_time)
        embed.set_image(url="attachment://sides.png")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename="sides.png")
        )

    @app_commands.command(name="adjust", description="Change a member's rating, with a reason")
    @app_commands.describe(
        member="Whose rating", points="Points to add (negative to take away)", reason="Why"
    )
    @is_moderator()
    async def adjust(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        points: app_commands.Range[float, -scores.ADJUST_LIMIT, scores.ADJUST_LIMIT],
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            await scores.adjust(
                interaction.guild_id,
                member.id,
                points,
                reason,
                by_id=interaction.user.id,
                by_name=interaction.user.display_name,
                now=self.bot.clock.now(),
                session=session,
            )
        await interaction.response.send_message(
            f"{member.display_name}'s rating is adjusted by {points:+g}: {reason[:200]}",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @season_group.command(name="new", description="End this season and start the next")
    @app_commands.describe(name="The new season's name (default: Season N)")
    @is_moderator()
    async def season_new(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            ended, started = await scores.new_season(
                interaction.guild_id, name, now=self.bot.clock.now(), session=session
            )
        top = scores.archived(ended)[:3]
        podium = ", ".join(f"{t['rank']}. {t['name']}" for t in top) or "nobody debated"
        await interaction.response.send_message(
            f"{ended.name} is over ({podium}). {started.name} starts now: ratings begin again; "
            "all-time ratings go on.",
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Scores(bot))
