"""The limits of a server's reading list, each named in the message that refuses it."""

from __future__ import annotations

# An attached file (a web page saved with its markup is much larger than its text).
MAX_FILE_BYTES = 2 * 1024 * 1024
# One essay's text, after extraction: a long magazine essay is 30,000-60,000 characters.
MAX_ESSAY_CHARS = 200_000
# Essays a server may have on its reading list at once (removed ones do not count).
MAX_ESSAYS = 50
# All the text of a server's essays together.
MAX_TOTAL_CHARS = 2_000_000
# How long an upload waits for the moderator to confirm it.
PENDING_HOURS = 24
