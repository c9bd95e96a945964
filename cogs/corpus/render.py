"""What /corpus shows: the preview of an upload with its proposed cleaning edits and their
buttons, an essay's description, and the server's reading list. Pure functions of the
services' read models."""

from __future__ import annotations

import discord
from discord.utils import escape_mentions

from bot.corpus import is_inferred
from bot.embeds import LABEL_NOTE, MOOT_COLOUR, SIDE_COLOURS
from bot.provenance import essay_author, essay_date, essay_title, fit
from bot.services.excerpts import SideOutlook
from bot.services.reading_list import MAX_ESSAYS, MAX_TOTAL_CHARS, EssayEntry, Preview

# A preview shows this much of its first and last paragraph.
PARAGRAPH_SHOWN = 700


def _quoted(text: str) -> str:
    return "\n".join(
        f"> {line}" for line in escape_mentions(fit(text, PARAGRAPH_SHOWN)).split("\n")
    )


def preview_embed(preview: Preview) -> discord.Embed:
    """The essay as it would be added, and every proposed cleaning edit, accepted or not."""
    title = preview.title or preview.filename
    embed = discord.Embed(
        title=f"Preview: {essay_title(title, preview.title_is_label, limit=240)}",
        colour=SIDE_COLOURS[preview.side],
    )
    lines = [
        f"**First paragraph**\n{_quoted(preview.first)}",
        f"**Last paragraph**\n{_quoted(preview.last)}",
    ]
    if preview.edits:
        lines.append("**Proposed cleaning** (made only if accepted; no sentence is ever rewritten)")
        for number, edit in enumerate(preview.edits, start=1):
            mark = "✅ accepted" if edit.accepted else "❌ refused"
            lines.append(
                f"{number}. {mark}: {edit.describe()}: “{escape_mentions(fit(edit.text, 80))}”"
            )
    else:
        lines.append("**Proposed cleaning**: none; the text is added as read.")
    embed.description = fit("\n".join(lines), 4096)
    read_as = {"html": "HTML (article extracted)", "markdown": "Markdown", "text": "plain text"}
    embed.add_field(name="File", value=f"{fit(preview.filename, 80)} · {read_as[preview.kind]}")
    embed.add_field(name="Paragraphs", value=f"{preview.paragraphs:,}")
    embed.add_field(name="Characters", value=f"{preview.characters:,}")
    embed.add_field(name="Side", value=preview.side.label)
    embed.add_field(name="Complete", value="yes" if preview.complete else "no, an excerpt")
    if preview.described:
        embed.add_field(
            name="Author",
            value=escape_mentions(essay_author(preview.author, is_inferred(preview.author_note))),
        )
        if preview.published:
            embed.add_field(
                name="Published",
                value=essay_date(preview.published, is_inferred(preview.published_note)),
            )
        if preview.source_url:
            embed.add_field(name="Source", value=fit(preview.source_url, 500), inline=False)
        embed.set_footer(text="Press Add to put it on the reading list.")
    else:
        embed.set_footer(text="Press Describe: title, author, date and source first.")
    return embed


def preview_buttons(preview: Preview) -> list[tuple[str, str, discord.ButtonStyle, bool]]:
    """(label, custom id, style, disabled) of the preview's buttons, in rows of five: one
    per proposed edit, then Describe, Add and Cancel."""
    upload = preview.id
    buttons = []
    for number, edit in enumerate(preview.edits, start=1):
        label = f"Refuse edit {number}" if edit.accepted else f"Accept edit {number}"
        style = discord.ButtonStyle.secondary if edit.accepted else discord.ButtonStyle.primary
        buttons.append((label, f"corpus:edit:{upload}:{number - 1}", style, False))
    buttons.append(("Describe", f"corpus:describe:{upload}", discord.ButtonStyle.primary, False))
    buttons.append(
        ("Add", f"corpus:add:{upload}", discord.ButtonStyle.success, not preview.described)
    )
    buttons.append(("Cancel", f"corpus:cancel:{upload}", discord.ButtonStyle.danger, False))
    return buttons


def essay_embed(entry: EssayEntry) -> discord.Embed:
    """One essay's description, as /corpus show and the end of /corpus add give it."""
    embed = discord.Embed(
        title=essay_title(entry.title, entry.title_is_label),
        colour=SIDE_COLOURS[entry.side],
        url=entry.source_url,
    )
    embed.add_field(name="Side", value=entry.side.label)
    embed.add_field(
        name="Author", value=escape_mentions(essay_author(entry.author, entry.author_attributed))
    )
    if entry.published:
        embed.add_field(
            name="Published", value=essay_date(entry.published, entry.published_inferred)
        )
    embed.add_field(name="Complete", value="yes" if entry.complete else "no, an excerpt")
    embed.add_field(name="Paragraphs", value=f"{entry.paragraphs:,}")
    embed.add_field(name="Excerpts", value=f"{entry.excerpts:,}")
    embed.add_field(name="Characters", value=f"{entry.characters:,}")
    if entry.shipped:
        where = "Ships with moot: every server reads it."
    else:
        where = "This server's reading list"
        if entry.source_file:
            where += f", from {escape_mentions(fit(entry.source_file, 100))}"
        if entry.added_by:
            where += f", added by <@{entry.added_by}>"
    embed.add_field(name="Where it comes from", value=where, inline=False)
    embed.set_footer(
        text=f"Essay id: {entry.slug}" + (f" · {LABEL_NOTE}" if entry.title_is_label else "")
    )
    return embed


def _outlook_line(outlook: SideOutlook) -> str:
    line = (
        f"**{outlook.side.label}**: {outlook.excerpts} excerpts, "
        f"{outlook.left} not yet posted this cycle"
    )
    if outlook.posts_until_repeat is None:
        return line + "; no daily excerpt is running."
    if outlook.posts_until_repeat == 0:
        return line + "; the next post starts a new cycle."
    return (
        line
        + f"; the first repeat comes after {outlook.posts_until_repeat} more posts (one a day)."
    )


# What the list's essays may take of an embed's 6,000 characters (Discord's limit across
# its fields), leaving room for the rotation and the footer.
LIST_BUDGET = 4000


def _essay_line(e: EssayEntry) -> str:
    return (
        f"• {escape_mentions(essay_title(e.title, e.title_is_label, limit=80))} — "
        f"{escape_mentions(essay_author(e.author, e.author_attributed))} · {e.side.label} · "
        f"{e.excerpts} excerpts · `{e.slug}`"
    )


def _packed(lines: list[str], budget: int) -> tuple[list[str], int]:
    """The lines as field values of at most 1,024 characters, within `budget` characters
    in all, and how many lines did not fit."""
    fields: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        line = fit(line, 1024)
        if used + len(line) + 1 > budget:
            return fields, len(lines) - index
        if fields and len(fields[-1]) + 1 + len(line) <= 1024:
            fields[-1] += "\n" + line
        else:
            fields.append(line)
        used += len(line) + 1
    return fields, 0


def list_text(entries: list[EssayEntry]) -> str:
    """The whole reading list, one essay a line, for a file when the embed cannot hold it."""
    own = [e for e in entries if not e.shipped]
    shipped = [e for e in entries if e.shipped]
    return (
        f"This server's essays ({len(own)} of {MAX_ESSAYS})\n"
        + "".join(_essay_line(e) + "\n" for e in own)
        + "\nShipped with moot (every server)\n"
        + "".join(_essay_line(e) + "\n" for e in shipped)
    )


def list_embed(entries: list[EssayEntry], outlook: list[SideOutlook]) -> tuple[discord.Embed, bool]:
    """The server's reading list (its own essays, then the shipped ones), with each
    essay's excerpt count, and when each side's rotation will next repeat; and whether
    essays were left out for room (the whole list then goes in a file: `list_text`)."""
    own = [e for e in entries if not e.shipped]
    shipped = [e for e in entries if e.shipped]
    used = sum(e.characters for e in own)
    embed = discord.Embed(title="Reading list", colour=MOOT_COLOUR)
    budget = LIST_BUDGET
    left_out = 0
    for name, items, empty in (
        (
            f"This server's essays ({len(own)} of {MAX_ESSAYS})",
            own,
            "None yet: add one with /corpus add.",
        ),
        ("Shipped with moot (every server)", shipped, "None."),
    ):
        values, missing = _packed([_essay_line(e) for e in items], budget)
        budget -= sum(len(v) for v in values)
        left_out += missing
        for number, value in enumerate(values or [empty]):
            embed.add_field(name=name if number == 0 else "\u200b", value=value, inline=False)
    if left_out:
        embed.add_field(
            name="More",
            value=f"…and {left_out} more: the whole list is in the attached file.",
            inline=False,
        )
    embed.add_field(
        name="Rotation", value="\n".join(_outlook_line(o) for o in outlook), inline=False
    )
    embed.set_footer(
        text=f"Text used: {used:,} of {MAX_TOTAL_CHARS:,} characters · /corpus show for one essay"
    )
    return embed, left_out > 0
