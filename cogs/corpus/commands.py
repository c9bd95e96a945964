"""/corpus: a server's reading list. Moderators add essays (a file, a form, a preview
whose cleaning edits they accept or refuse), list, show, edit and remove them."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.autocomplete import essay_suggestions
from bot.checks import is_moderator
from bot.client import MootBot
from bot.domain import Side
from bot.services import excerpts, reading_list
from bot.services.reading_list import check_size, kind_of, note
from cogs.corpus.render import essay_embed, list_embed, list_text, preview_embed
from cogs.corpus.upload import FORM_ID, UploadButton, on_form, preview_view

SIDES = [app_commands.Choice(name=s.label, value=s.value) for s in Side]
COMPLETE = [
    app_commands.Choice(name="Complete text", value="complete"),
    app_commands.Choice(name="An excerpt of a longer piece", value="excerpt"),
]
TITLE_IS = [
    app_commands.Choice(name="The essay's own title", value="title"),
    app_commands.Choice(name="A descriptive label I give it (shown in [brackets])", value="label"),
]
AUTHOR_FROM = [
    app_commands.Choice(name="Named in the essay", value="stated"),
    app_commands.Choice(
        name="Inferred, e.g. from the source address (attributed)", value="inferred"
    ),
]
DATE_FROM = [
    app_commands.Choice(name="Stated in the essay", value="stated"),
    app_commands.Choice(name="Inferred from the text (inferred)", value="inferred"),
]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Corpus(commands.GroupCog, group_name="corpus", group_description="The server's reading list"):
    def __init__(self, bot: MootBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UploadButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UploadButton)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """The describe form, submitted: found by its custom id (it survives a restart)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, object] = dict(interaction.data or {})
        found = FORM_ID.fullmatch(str(data.get("custom_id", "")))
        if found is not None:
            await on_form(self.bot, interaction, int(found["upload"]))

    @app_commands.command(name="add", description="Add an essay to this server's reading list")
    @app_commands.describe(
        file="The essay: plain text (.txt), Markdown (.md) or a web page saved as HTML",
        side="The side the essay argues for",
        complete="Whether the file holds the whole essay (default) or an excerpt of it",
        title_is="Whether the title you give is the author's or a label of yours",
        author_from="Where the author's name comes from (default: named in the essay)",
        date_from="Where the date comes from (default: stated in the essay)",
    )
    @app_commands.choices(
        side=SIDES,
        complete=COMPLETE,
        title_is=TITLE_IS,
        author_from=AUTHOR_FROM,
        date_from=DATE_FROM,
    )
    @is_moderator()
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        side: app_commands.Choice[str],
        complete: app_commands.Choice[str] | None = None,
        title_is: app_commands.Choice[str] | None = None,
        author_from: app_commands.Choice[str] | None = None,
        date_from: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        # Refused before anything is downloaded.
        kind_of(file.filename)
        check_size(file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        async with self.bot.db.session() as session:
            preview = await reading_list.start_upload(
                interaction.guild_id,
                interaction.user.id,
                file.filename,
                data,
                side=Side(side.value),
                complete=complete is None or complete.value == "complete",
                title_is_label=title_is is not None and title_is.value == "label",
                author_stated=author_from is None or author_from.value == "stated",
                date_stated=date_from is None or date_from.value == "stated",
                session=session,
            )
        await interaction.followup.send(
            f"Read {file.filename[:100]}: {preview.paragraphs} paragraphs with the cleaning "
            "accepted. Accept or refuse each proposed edit, describe the essay, then add it.",
            embed=preview_embed(preview),
            view=preview_view(preview),
            ephemeral=True,
        )

    @app_commands.command(name="list", description="The essays this server reads")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            entries = await reading_list.list_essays(interaction.guild_id, session=session)
            outlook = await excerpts.rotation_outlook(interaction.guild_id, session=session)
        embed, partial = list_embed(entries, outlook)
        files = (
            [discord.File(io.BytesIO(list_text(entries).encode()), filename="reading-list.txt")]
            if partial
            else []
        )
        await interaction.response.send_message(embed=embed, files=files, ephemeral=True)

    @app_commands.command(name="show", description="One essay of the reading list")
    @app_commands.describe(essay="The essay (pick one as you type)")
    async def show(self, interaction: discord.Interaction, essay: str) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            entry = await reading_list.show_essay(interaction.guild_id, essay, session=session)
        await interaction.response.send_message(embed=essay_embed(entry), ephemeral=True)

    @app_commands.command(
        name="edit", description="Change an added essay's description (moderators)"
    )
    @app_commands.describe(
        essay="The essay (pick one as you type)",
        title="Its title, or a label for it",
        title_is="Whether the title is the author's or a label of yours",
        author="Its author; “-” for unknown",
        author_from="Where the author's name comes from",
        author_note="More on where the name comes from; “-” to clear",
        published="When it was published (2023, 2023-05, 2023-05-01); “-” for unknown",
        date_from="Where the date comes from",
        source_url="Where it was published; “-” to clear",
        side="The side it argues for (its excerpts move to that side's rotation)",
        complete="Whether the text is the whole essay",
    )
    @app_commands.choices(
        title_is=TITLE_IS,
        author_from=AUTHOR_FROM,
        date_from=DATE_FROM,
        side=SIDES,
        complete=COMPLETE,
    )
    @is_moderator()
    async def edit(
        self,
        interaction: discord.Interaction,
        essay: str,
        title: app_commands.Range[str, 1, 300] | None = None,
        title_is: app_commands.Choice[str] | None = None,
        author: app_commands.Range[str, 1, 200] | None = None,
        author_from: app_commands.Choice[str] | None = None,
        author_note: app_commands.Range[str, 1, 400] | None = None,
        published: app_commands.Range[str, 1, 32] | None = None,
        date_from: app_commands.Choice[str] | None = None,
        source_url: app_commands.Range[str, 1, 500] | None = None,
        side: app_commands.Choice[str] | None = None,
        complete: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            current = await reading_list.show_essay(interaction.guild_id, essay, session=session)
            changes: dict[str, object] = {}
            if title is not None:
                changes["title"] = title
            if title_is is not None:
                changes["title_is_label"] = title_is.value == "label"
            if author is not None:
                changes["author"] = None if author.strip() == "-" else author.strip()
            if author_from is not None or author_note is not None:
                stated = (
                    author_from.value == "stated"
                    if author_from is not None
                    else not current.author_attributed
                )
                detail = None if author_note is None or author_note.strip() == "-" else author_note
                changes["author_note"] = note(stated, detail)
            if published is not None:
                changes["published"] = None if published.strip() == "-" else published.strip()
            if date_from is not None:
                changes["published_note"] = note(date_from.value == "stated", None)
            if source_url is not None:
                changes["source_url"] = None if source_url.strip() == "-" else source_url.strip()
            if side is not None:
                changes["side"] = Side(side.value)
            if complete is not None:
                changes["complete"] = complete.value == "complete"
            entry = await reading_list.edit_essay(
                interaction.guild_id, essay, changes, session=session
            )
        said = "Nothing to change: give at least one option." if not changes else "Changed."
        await interaction.response.send_message(said, embed=essay_embed(entry), ephemeral=True)

    @app_commands.command(
        name="remove", description="Take an added essay off the reading list (moderators)"
    )
    @app_commands.describe(essay="The essay (pick one as you type)")
    @is_moderator()
    async def remove(self, interaction: discord.Interaction, essay: str) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            entry = await reading_list.remove_essay(interaction.guild_id, essay, session=session)
        await interaction.response.send_message(
            f"Removed “{entry.title[:200]}” from the reading list: its {entry.excerpts} "
            "excerpts leave the rotation and its sentences leave search. Rounds and quotes "
            "that came from it keep their text and where it came from.",
            ephemeral=True,
        )

    @show.autocomplete("essay")
    @edit.autocomplete("essay")
    @remove.autocomplete("essay")
    async def essay_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await essay_suggestions(self.bot.db, current, interaction.guild_id)
