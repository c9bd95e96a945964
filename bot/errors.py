"""Failures a member can act on. Their message is shown as is, ephemerally."""

from __future__ import annotations

# Discord's error code for a second thread on a message: "A thread has already been
# created for this message". Retries after a crash meet it, and reuse that thread.
THREAD_ALREADY_EXISTS = 160004
# "Thread is archived": nothing in an archived (or locked) thread can be edited.
THREAD_ARCHIVED = 50083


class MootError(Exception):
    """A domain error raised by services: a sentence the member can act on."""
