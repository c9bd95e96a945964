"""/quote: essay quote lookup with autocomplete, random quotes, members' saved quotes."""

from __future__ import annotations

import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_mentions

from bot.autocomplete import essay_suggestions
from bot.checks import is_moderator, moderator_status
from bot.client import MootBot
from bot.domain import Side
from bot.embeds import LABEL_NOTE, MOOT_COLOUR, SIDE_COLOURS
from bot.errors import MootError
from bot.provenance import essay_author, essay_date, essay_title
from bot.replies import reporting
from bot.services.quotes import (
    MessageToSave,
    QuoteHit,
    QuotePage,
    QuoteView,
    as_csv,
    as_json,
    check_essay,
    delete_quote,
    export_quotes,
    get_quote,
    import_quotes,
    page_of,
    paragraph_count,
    parse_import,
    pick_member_quote,
    random_essay_quote,
    recall_search,
    remember_search,
    save_message,
    search_member_quotes,
    sentence_hit,
)
from bot.services.search import SearchHit, mark_matches, suggest

PICKED = re.compile(r"^sentence:(\d+)$")
SIDES = [app_commands.Choice(name=s.label, value=s.value) for s in Side]
SCOPES = [
    app_commands.Choice(name="Essays", value="essays"),
    app_commands.Choice(name="Members' quotes", value="members"),
    app_commands.Choice(name="Both", value="all"),
]


def essay_embed(hit: SearchHit, paragraphs: int | None) -> discord.Embed:
    """A verbatim essay sentence or passage, matches in bold, with its attribution."""
    embed = discord.Embed(
        title=essay_title(hit.essay_title, hit.title_is_label),
        description=escape_mentions(hit.snippet(width=3900)),
        colour=SIDE_COLOURS[hit.side],
        url=hit.source_url,
    )
    embed.add_field(name="Side", value=hit.side.label)
    embed.add_field(name="Author", value=essay_author(hit.author, hit.author_attributed))
    if hit.published is not None:
        embed.add_field(name="Published", value=essay_date(hit.published, hit.published_inferred))
    where = f"Paragraph {hit.paragraph}" + (f" of {paragraphs}" if paragraphs else "")
    embed.add_field(name="Where", value=where)
    if hit.title_is_label:
        embed.set_footer(text=LABEL_NOTE)
    return embed


def member_embed(quote: QuoteView, matches: tuple[tuple[int, int], ...] = ()) -> discord.Embed:
    """A member's saved quote; mentions inside it are shown as plain text."""
    text = mark_matches(quote.text, matches, width=3900) if matches else quote.text
    embed = discord.Embed(
        title=f"Quote #{quote.id}",
        description=escape_mentions(text),
        colour=MOOT_COLOUR,
        url=quote.jump_url,
        timestamp=quote.said_at,
    )
    embed.add_field(name="Said by", value=escape_mentions(quote.author_name))
    embed.add_field(name="Saved by", value=f"<@{quote.saved_by_id}>")
    return embed


class Pager(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quote:(?P<search>\d+):(?P<index>\d+):(?P<way>[pn])",
):
    """Previous/Next on a search result; the search lives in the database, so restarts are fine."""

    def __init__(self, search_id: int, index: int, way: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if way == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"quote:{search_id}:{index}:{way}",
                disabled=disabled,
            )
        )
        self.search_id = search_id
        self.index = index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Pager:
        return cls(int(match["search"]), int(match["index"]), match["way"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async with reporting(interaction):
            await self.turn(interaction)

    async def turn(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, MootBot) and interaction.guild_id is not None
        async with client.db.session() as session:
            saved = await recall_search(self.search_id, interaction.guild_id, session=session)
            page = await page_of(saved, self.index, session=session)
            embed = render(page) if page else None
        if page is None or embed is None:
            await interaction.response.send_message(
                "There are no more results that way.", ephemeral=True
            )
            return
        await interaction.response.edit_message(embed=embed, view=pager_view(saved.id, page))


def pager_view(search_id: int, page: QuotePage) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(Pager(search_id, max(0, page.index - 1), "p", disabled=not page.has_previous))
    view.add_item(Pager(search_id, page.index + 1, "n", disabled=not page.has_next))
    return view


def render(page: QuotePage) -> discord.Embed:
    """One result of a search, as its page shows it."""
    if page.essay_hit is not None:
        embed = essay_embed(page.essay_hit, page.paragraphs)
    else:
        assert page.member_hit is not None
        embed = member_embed(page.member_hit.quote, page.member_hit.matches)
    note = f"Result {page.index + 1} of {page.total.number:,}" + ("+" if page.total.capped else "")
    if page.widened:
        note += " · no quote has every word; showing those with some"
    embed.set_author(name=note)
    return embed


@app_commands.guild_only()
class Quotes(commands.GroupCog, group_name="quote", group_description="Essay and member quotes"):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot
        self.save_menu = app_commands.ContextMenu(name="Save as quote", callback=self.save)
        self.save_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.save_menu)
        self.bot.add_dynamic_items(Pager)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.save_menu.name, type=self.save_menu.type)
        self.bot.remove_dynamic_items(Pager)

    # --- essays ----------------------------------------------------------------------

    @app_commands.command(
        name="search", description="Find a quote in the essays or members' quotes"
    )
    @app_commands.describe(
        query="Words to look for; pick a suggestion or press enter",
        side="Only this side's essays",
        essay="Only this essay",
        scope="Essays (default), members' saved quotes, or both",
    )
    @app_commands.choices(side=SIDES, scope=SCOPES)
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 6000],
        side: app_commands.Choice[str] | None = None,
        essay: str | None = None,
        scope: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        picked = PICKED.match(query.strip())
        if picked:
            async with self.bot.db.session() as session:
                hit = await sentence_hit(
                    int(picked[1]), session=session, guild_id=interaction.guild_id
                )
                total = await paragraph_count(hit.essay_id, session=session)
            await interaction.response.send_message(embed=essay_embed(hit, total))
            return
        async with self.bot.db.session() as session:
            if essay is not None:
                essay = await check_essay(essay, session=session, guild_id=interaction.guild_id)
            saved = await remember_search(
                interaction.guild_id,
                query,
                side=Side(side.value) if side else None,
                essay=essay,
                scope=scope.value if scope else "essays",
                session=session,
            )
            page = await page_of(saved, 0, session=session)
            embed = render(page) if page else None
        if page is None or embed is None:
            shortened = " (only its beginning was searched)" if len(query) > 300 else ""
            await interaction.response.send_message(
                f"No quote matches “{escape_mentions(query[:80])}”{shortened}. "
                "Try fewer or more general words, or drop the side and essay filters.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(embed=embed, view=pager_view(saved.id, page))

    @search.autocomplete("query")
    async def query_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        namespace = interaction.namespace
        side = Side(namespace.side) if namespace.side in ("realist", "values") else None
        async with self.bot.db.session() as session:
            if namespace.scope == "members" and interaction.guild_id is not None:
                hits, _ = await search_member_quotes(
                    current, interaction.guild_id, session=session, limit=25
                )
                return [
                    app_commands.Choice(name=quote_label(h), value=h.quote.text[:100]) for h in hits
                ]
            found = await suggest(
                current,
                session=session,
                side=side,
                essay=namespace.essay,
                guild_id=interaction.guild_id,
            )
        return [app_commands.Choice(name=s.label, value=f"sentence:{s.sentence_id}") for s in found]

    async def essays_like(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await essay_suggestions(self.bot.db, current, interaction.guild_id)

    @search.autocomplete("essay")
    async def search_essay_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.essays_like(interaction, current)

    @app_commands.command(name="random", description="A random quote from the essays")
    @app_commands.describe(side="Only this side's essays", essay="Only this essay")
    @app_commands.choices(side=SIDES)
    async def random(
        self,
        interaction: discord.Interaction,
        side: app_commands.Choice[str] | None = None,
        essay: str | None = None,
    ) -> None:
        async with self.bot.db.session() as session:
            if essay is not None:
                essay = await check_essay(essay, session=session, guild_id=interaction.guild_id)
            hit = await random_essay_quote(
                session=session,
                side=Side(side.value) if side else None,
                essay=essay,
                guild_id=interaction.guild_id,
            )
            total = await paragraph_count(hit.essay_id, session=session)
        await interaction.response.send_message(embed=essay_embed(hit, total))

    @random.autocomplete("essay")
    async def random_essay_suggestions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.essays_like(interaction, current)

    # --- members' quotes -------------------------------------------------------------

    async def save(self, interaction: discord.Interaction, message: discord.Message) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            quote = await save_message(
                interaction.guild_id,
                MessageToSave(
                    text=message.content,
                    has_attachments=bool(message.attachments),
                    author_id=message.author.id,
                    author_name=message.author.display_name,
                    channel_id=message.channel.id,
                    message_id=message.id,
                    jump_url=message.jump_url,
                    said_at=message.created_at,
                ),
                saved_by=interaction.user.id,
                session=session,
            )
        await interaction.response.send_message(
            f"Saved as quote #{quote.id}.", embed=member_embed(quote)
        )

    @app_commands.command(name="member", description="A member's saved quote")
    @app_commands.describe(user="Whose quotes (anyone's if empty)", pick="Random or latest")
    @app_commands.choices(
        pick=[
            app_commands.Choice(name="Random", value="random"),
            app_commands.Choice(name="Latest", value="latest"),
        ]
    )
    async def member(
        self,
        interaction: discord.Interaction,
        user: discord.User | None = None,
        pick: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            quote = await pick_member_quote(
                interaction.guild_id,
                session=session,
                author_id=user.id if user else None,
                latest=bool(pick and pick.value == "latest"),
            )
        await interaction.response.send_message(embed=member_embed(quote))

    @app_commands.command(name="show", description="Show a saved quote by its number")
    async def show(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            quote = await get_quote(interaction.guild_id, id, session=session)
        await interaction.response.send_message(embed=member_embed(quote))

    @app_commands.command(
        name="delete", description="Delete a saved quote (its saver or a moderator)"
    )
    async def delete(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        assert interaction.guild_id is not None
        moderator, _ = await moderator_status(interaction)
        async with self.bot.db.session() as session:
            quote = await delete_quote(
                interaction.guild_id,
                id,
                by=interaction.user.id,
                is_moderator=moderator,
                session=session,
            )
        await interaction.response.send_message(f"Deleted quote #{quote.id}.", ephemeral=True)

    # --- moderation and portability --------------------------------------------------

    @app_commands.command(
        name="export", description="Download this server's saved quotes (moderators)"
    )
    @is_moderator()
    async def export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            rows = await export_quotes(interaction.guild_id, session=session)
        files = [
            discord.File(io.BytesIO(as_json(rows)), filename="quotes.json"),
            discord.File(io.BytesIO(as_csv(rows)), filename="quotes.csv"),
        ]
        await interaction.response.send_message(
            f"{len(rows)} saved quote(s), as JSON and CSV.", files=files, ephemeral=True
        )

    @app_commands.command(
        name="import", description="Import saved quotes from an export file (moderators)"
    )
    @app_commands.describe(file="A .json or .csv file as /quote export writes it")
    @is_moderator()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        if file.size > 1024 * 1024:
            raise MootError(
                f"That file is {file.size / 1024:,.0f} KiB; imports are limited to 1,024 KiB."
            )
        rows = parse_import(file.filename, await file.read())
        async with self.bot.db.session() as session:
            report = await import_quotes(
                interaction.guild_id, rows, saved_by=interaction.user.id, session=session
            )
        lines = [
            f"Added {report.added}, skipped {report.skipped} already saved, "
            f"rejected {len(report.rejected)}."
        ]
        lines += [f"• {escape_mentions(reason)}" for reason in report.rejected[:10]]
        if len(report.rejected) > 10:
            lines.append(f"…and {len(report.rejected) - 10} more rejected rows.")
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True)


def quote_label(hit: QuoteHit) -> str:
    text = " ".join(hit.quote.text.split())
    label = f"#{hit.quote.id} {text}"
    return label if len(label) <= 100 else label[:99] + "…"


async def setup(bot: MootBot) -> None:
    await bot.add_cog(Quotes(bot))
