"""A server's quotes out and back in: export to JSON or CSV, and import the same files,
skipping quotes already saved and saying why a row is rejected."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MootError
from bot.models import MemberQuote
from bot.services.quotes.member_quotes import MAX_QUOTE_CHARS

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
EXPORT_FIELDS = (
    "id",
    "text",
    "author_id",
    "author_name",
    "channel_id",
    "message_id",
    "jump_url",
    "saved_by_id",
    "said_at",
    "saved_at",
)


async def export_quotes(guild_id: int, *, session: AsyncSession) -> list[dict[str, Any]]:
    """Every quote of the server as plain rows, oldest first."""
    rows = (
        await session.exec(
            select(MemberQuote)
            .where(MemberQuote.guild_id == guild_id)
            .order_by(col(MemberQuote.id))
        )
    ).all()
    return [
        {
            "id": r.id,
            "text": r.text,
            "author_id": str(r.author_id) if r.author_id is not None else None,
            "author_name": r.author_name,
            "channel_id": str(r.channel_id) if r.channel_id is not None else None,
            "message_id": str(r.message_id) if r.message_id is not None else None,
            "jump_url": r.jump_url,
            "saved_by_id": str(r.saved_by_id),
            "said_at": r.said_at.isoformat() if r.said_at else None,
            "saved_at": r.saved_at.isoformat(),
        }
        for r in rows
    ]


def as_json(rows: list[dict[str, Any]]) -> bytes:
    """An export as a JSON file, the form `parse_import` reads back."""
    return json.dumps({"quotes": rows}, ensure_ascii=False, indent=2).encode()


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    """An export as a CSV file with a header row, the form `parse_import` reads back."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in EXPORT_FIELDS})
    return buffer.getvalue().encode()


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0
    rejected: list[str] = field(default_factory=list)


def _snowflake(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise ValueError(f"{name} is not a Discord id") from None
    if not 0 < number < 2**63:
        raise ValueError(f"{name} is not a Discord id")
    return number


def _when(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} is not an ISO date") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} has no time zone")
    return moment


def _text_fingerprint(author_id: int | None, quote: str) -> str:
    digest = hashlib.sha256(f"{author_id}|{' '.join(quote.split())}".encode()).hexdigest()
    return f"t:{digest[:64]}"


def parse_import(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of an export file (JSON or CSV), or a MootError if the file itself is bad."""
    if len(data) > MAX_IMPORT_BYTES:
        raise MootError(
            f"That file is {len(data) / 1024:,.0f} KiB; imports are limited to "
            f"{MAX_IMPORT_BYTES // 1024:,} KiB."
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MootError(
            "That file is not UTF-8 text. Export it again with /quote export."
        ) from None
    name = filename.lower()
    rows: Any
    if name.endswith(".json"):
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise MootError(f"That JSON file is malformed (line {exc.lineno}).") from None
        rows = parsed.get("quotes") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MootError(
                'That JSON file needs a "quotes" list of objects, as /quote export writes.'
            )
    elif name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(content))
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise MootError("That CSV file needs a header row with at least a text column.")
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise MootError(f"That CSV file is malformed: {exc}.") from None
    else:
        raise MootError("Import a .json or .csv file, as /quote export writes.")
    if len(rows) > MAX_IMPORT_ROWS:
        raise MootError(
            f"That file has {len(rows):,} quotes; imports take at most {MAX_IMPORT_ROWS:,}."
        )
    return list(rows)


async def import_quotes(
    guild_id: int, rows: list[dict[str, Any]], *, saved_by: int, session: AsyncSession
) -> ImportReport:
    """Add the valid rows, skip duplicates, report rejected rows with their reasons."""
    report = ImportReport()
    existing = set(
        (
            await session.exec(
                select(MemberQuote.fingerprint).where(MemberQuote.guild_id == guild_id)
            )
        ).all()
    )
    prepared: list[MemberQuote] = []
    for number, row in enumerate(rows, start=1):
        try:
            quote = str(row.get("text") or "").strip()
            if not quote:
                raise ValueError("text is empty")
            if len(quote) > MAX_QUOTE_CHARS:
                raise ValueError(f"text is longer than {MAX_QUOTE_CHARS:,} characters")
            author_id = _snowflake(row.get("author_id"), "author_id")
            message_id = _snowflake(row.get("message_id"), "message_id")
            author_name = str(row.get("author_name") or "unknown")[:100]
            jump_url = str(row.get("jump_url") or "") or None
            if jump_url and not jump_url.startswith("https://discord.com/channels/"):
                raise ValueError("jump_url is not a Discord message link")
            item = MemberQuote(
                guild_id=guild_id,
                text=quote,
                author_id=author_id,
                author_name=author_name,
                channel_id=_snowflake(row.get("channel_id"), "channel_id"),
                message_id=message_id,
                jump_url=jump_url[:200] if jump_url else None,
                saved_by_id=_snowflake(row.get("saved_by_id"), "saved_by_id") or saved_by,
                said_at=_when(row.get("said_at"), "said_at"),
                fingerprint=(
                    f"m:{message_id}" if message_id else _text_fingerprint(author_id, quote)
                ),
            )
        except ValueError as exc:
            report.rejected.append(f"row {number}: {exc}")
            continue
        if item.fingerprint in existing:
            report.skipped += 1
            continue
        existing.add(item.fingerprint)
        prepared.append(item)
    session.add_all(prepared)
    await session.flush()
    report.added = len(prepared)
    return report
