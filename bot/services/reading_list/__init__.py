"""A server's reading list: essays its moderators add from Discord (or an operator from
the command line), beside the shipped essays every server reads."""

from __future__ import annotations

from bot.services.reading_list.cleaning import Edit, apply_edits, propose_edits
from bot.services.reading_list.essays import (
    INFERRED,
    STATED,
    Description,
    EssayEntry,
    add_essay,
    edit_essay,
    list_essays,
    note,
    remove_essay,
    show_essay,
    visible_to,
)
from bot.services.reading_list.limits import (
    MAX_ESSAY_CHARS,
    MAX_ESSAYS,
    MAX_FILE_BYTES,
    MAX_TOTAL_CHARS,
    PENDING_HOURS,
)
from bot.services.reading_list.reading import ReadFile, check_size, kind_of, read_file
from bot.services.reading_list.uploads import (
    Preview,
    cancel,
    confirm,
    describe,
    preview_of,
    start_upload,
    toggle_edit,
)

__all__ = [
    "INFERRED",
    "MAX_ESSAYS",
    "MAX_ESSAY_CHARS",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_CHARS",
    "PENDING_HOURS",
    "STATED",
    "Description",
    "Edit",
    "EssayEntry",
    "Preview",
    "ReadFile",
    "add_essay",
    "apply_edits",
    "cancel",
    "check_size",
    "confirm",
    "describe",
    "edit_essay",
    "kind_of",
    "list_essays",
    "note",
    "preview_of",
    "propose_edits",
    "read_file",
    "remove_essay",
    "show_essay",
    "start_upload",
    "toggle_edit",
    "visible_to",
]
