"""Remembering which command tree was last synced, so global sync happens only on change."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import upsert
from bot.models import CommandSync, utcnow


def tree_hash(payload: list[dict[str, Any]]) -> str:
    """A stable fingerprint of the commands as they would be sent to Discord."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def needs_sync(scope: str, fingerprint: str, *, session: AsyncSession) -> bool:
    """True when `scope` ("global" or a guild id) last synced a different tree, or never."""
    row = await session.get(CommandSync, scope)
    return row is None or row.tree_hash != fingerprint


async def record_sync(scope: str, fingerprint: str, *, session: AsyncSession) -> None:
    """Remember that `scope` now has the tree with this fingerprint. One statement: two
    processes starting together both sync, and both must be able to say so."""
    await upsert(
        session,
        CommandSync,
        {"scope": scope, "tree_hash": fingerprint, "synced_at": utcnow()},
        ["scope"],
    )
