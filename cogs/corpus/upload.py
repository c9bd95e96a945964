"""The steps of /corpus add after the file is read: the preview's buttons (one per
proposed cleaning edit, Describe, Add, Cancel) and the form that describes the essay.

The upload lives in the database and every button's custom id names it, so the buttons
work after a restart; the form's submission is found by its custom id too.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.checks import require_moderator
from bot.client import MootBot
from bot.corpus import is_inferred
from bot.errors import MootError
from bot.replies import reporting
from bot.services import reading_list
from bot.services.reading_list import Description, Preview, note
from cogs.corpus.render import essay_embed, preview_buttons, preview_embed

FORM_ID = re.compile(r"corpus-describe:(?P<upload>\d+)")


class UploadButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"corpus:(?P<action>describe|edit|add|cancel):(?P<upload>\d+)(?::(?P<index>\d+))?",
):
    """A preview's button; what it does and to which upload is all in its custom id."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> UploadButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, MootBot)
        await on_button(client, interaction, self.item.custom_id or "")


def preview_view(preview: Preview) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for number, (label, custom_id, style, disabled) in enumerate(preview_buttons(preview)):
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, custom_id=custom_id, style=style, disabled=disabled, row=number // 5
        )
        view.add_item(UploadButton(button))
    return view


class DescribeForm(discord.ui.Modal):
    """What the file cannot tell (Discord allows five fields; the side, completeness, and
    whether the title is a label and the author and date stated come with the command)."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(title="Describe the essay", custom_id=f"corpus-describe:{preview.id}")
        fields = (
            ("title", "Title (or the descriptive label)", preview.title, True, 300),
            ("author", "Author (empty if unknown)", preview.author or "", False, 200),
            ("author_note", "Where the name comes from", _detail(preview.author_note), False, 400),
            (
                "published",
                "Published (2023, 2023-05 or 2023-05-01)",
                preview.published or "",
                False,
                32,
            ),
            ("source_url", "Source URL", preview.source_url or "", False, 500),
        )
        for custom_id, label, default, required, limit in fields:
            self.add_item(
                discord.ui.TextInput(
                    label=label,
                    custom_id=custom_id,
                    default=default[:limit] or None,
                    required=required,
                    max_length=limit,
                )
            )


def _detail(stored: str | None) -> str:
    """What the moderator wrote after "Stated: " or "Inferred: " (the rest is ours)."""
    if stored is None or ": " not in stored:
        return ""
    return stored.split(": ", 1)[1]


async def on_button(bot: MootBot, interaction: discord.Interaction, custom_id: str) -> None:
    """A press on a preview's button, found by its custom id."""
    parts = custom_id.split(":")
    action, upload = parts[1], int(parts[2])
    assert interaction.guild_id is not None
    async with reporting(interaction):
        await require_moderator(interaction, "add essays to the reading list")
        guild, user = interaction.guild_id, interaction.user.id
        if action == "describe":
            async with bot.db.session() as session:
                row = await reading_list.uploads.pending(upload, guild, user, session)
                preview = reading_list.preview_of(row)
            form = DescribeForm(preview)
            await interaction.response.send_modal(form)
            form.stop()  # its submission is found by custom id (see on_form)
            return
        if action == "edit":
            async with bot.db.session() as session:
                preview = await reading_list.toggle_edit(
                    upload, guild, user, int(parts[3]), session=session
                )
            await interaction.response.edit_message(
                embed=preview_embed(preview), view=preview_view(preview)
            )
            return
        if action == "cancel":
            async with bot.db.session() as session:
                await reading_list.cancel(upload, guild, user, session=session)
            await interaction.response.edit_message(
                content="Cancelled: nothing was added.", embed=None, view=None
            )
            return
        async with bot.db.session() as session:
            entry = await reading_list.confirm(upload, guild, user, session=session)
        await interaction.response.edit_message(
            content=(
                f"Added to this server's reading list: {entry.paragraphs} paragraphs, "
                f"{entry.excerpts} excerpts in the {entry.side.label} rotation."
            ),
            embed=essay_embed(entry),
            view=None,
        )


async def on_form(bot: MootBot, interaction: discord.Interaction, upload: int) -> None:
    """The describe form, submitted: the preview shows the description and can be added."""
    data: dict[str, Any] = dict(interaction.data or {})
    values = {
        str(field.get("custom_id")): str(field.get("value") or "").strip()
        for row in data.get("components") or []
        for field in row.get("components") or []
    }
    assert interaction.guild_id is not None
    async with reporting(interaction):
        await require_moderator(interaction, "add essays to the reading list")
        guild, user = interaction.guild_id, interaction.user.id
        async with bot.db.session() as session:
            row = await reading_list.uploads.pending(upload, guild, user, session)
            author = values.get("author") or None
            published = values.get("published") or None
            described = Description(
                side=row.side,
                title=values.get("title", ""),
                title_is_label=row.title_is_label,
                author=author,
                # Kept even while the author or date is empty: they hold whether the
                # command said it is stated or inferred (confirm drops them if unused).
                author_note=note(not is_inferred(row.author_note), values.get("author_note")),
                published=published,
                published_note=note(not is_inferred(row.published_note), None),
                source_url=values.get("source_url") or None,
                complete=row.complete,
            )
            preview = await reading_list.describe(upload, guild, user, described, session=session)
        if interaction.message is None:
            raise MootError("Described. Run /corpus add again to see the preview.")
        await interaction.response.edit_message(
            embed=preview_embed(preview), view=preview_view(preview)
        )
