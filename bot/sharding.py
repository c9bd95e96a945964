"""Which servers belong to this process: a guild's shard is (guild_id >> 22) % shard_count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal_column, true


def on_shards(
    guild_id: Any, shard_count: int | None, shard_ids: Sequence[int] | None
) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of servers on `shard_ids`; all rows when unset."""
    if not shard_count or shard_ids is None or len(shard_ids) >= shard_count:
        return true()
    # A literal shift: PostgreSQL has bigint >> integer but no bigint >> bigint.
    shard = guild_id.op(">>")(literal_column("22")) % shard_count
    return shard.in_(list(shard_ids))  # type: ignore[no-any-return]
