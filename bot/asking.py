"""The server whose interaction is being handled, for code that needs to know which
server's essays to offer but is reached through a call that does not pass it.

The command tree sets it before any command or autocomplete runs. discord.py runs each
interaction in a task of its own, and a task works on its own copy of the context, so the
value never leaks from one interaction into another. Code that knows the server passes it
explicitly; this is only the fallback.
"""

from __future__ import annotations

from contextvars import ContextVar

_ASKING_SERVER: ContextVar[int | None] = ContextVar("asking_server", default=None)


def asking_server() -> int | None:
    """The server of the interaction this task handles; None outside one (or in a DM)."""
    return _ASKING_SERVER.get()


def set_asking_server(guild_id: int | None) -> None:
    """Say which server the interaction this task handles comes from."""
    _ASKING_SERVER.set(guild_id)
