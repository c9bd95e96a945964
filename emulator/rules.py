"""Discord's limits, checked on what the bot sends, so a test fails where Discord would."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# Error codes and messages as Discord returns them.
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_VOICE_STATE = 10065
UNKNOWN_STAGE_INSTANCE = 10067
UNKNOWN_SCHEDULED_EVENT = 10070
NOT_CONNECTED_TO_VOICE = 40032
WRONG_CHANNEL_TYPE = 50024
STAGE_ALREADY_OPEN = 150006
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060
CANNOT_SEND_EMPTY = 50006
THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVED = 50083
THREAD_LOCKED = 160005

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$", re.UNICODE)


class DiscordError(Exception):
    """An error response: HTTP status, Discord's JSON error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def invalid(message: str) -> DiscordError:
    return DiscordError(400, INVALID_FORM_BODY, f"Invalid Form Body: {message}")


def check_message(payload: dict[str, Any], *, require_content: bool = True) -> None:
    """Content, embeds, components and allowed_mentions as Discord validates them."""
    content = payload.get("content")
    if content is not None and len(str(content)) > 2000:
        raise invalid("content: Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        raise invalid("embeds: Must be 10 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        total += check_embed(embed, index)
    if total > 6000:
        raise invalid("embeds: Embed size exceeds maximum size of 6000")
    check_components(payload.get("components") or [])
    has_body = bool(content) or embeds or payload.get("components") or payload.get("attachments")
    if require_content and not has_body and not payload.get("poll"):
        raise DiscordError(400, CANNOT_SEND_EMPTY, "Cannot send an empty message")


def check_nonce(nonce: Any) -> None:
    """A nonce is an integer or a string of at most 25 characters."""
    if len(str(nonce)) > 25:
        raise invalid("nonce: Must be 25 or fewer in length.")


def check_embed(embed: dict[str, Any], index: int) -> int:
    where = f"embeds.{index}"
    size = 0
    limits = {"title": 256, "description": 4096}
    for key, limit in limits.items():
        value = embed.get(key) or ""
        if len(value) > limit:
            raise invalid(f"{where}.{key}: Must be {limit} or fewer in length.")
        size += len(value)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        raise invalid(f"{where}.fields: Must be 25 or fewer in length.")
    for number, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        if not name or not value:
            raise invalid(f"{where}.fields.{number}: name and value are required.")
        if len(name) > 256:
            raise invalid(f"{where}.fields.{number}.name: Must be 256 or fewer in length.")
        if len(value) > 1024:
            raise invalid(f"{where}.fields.{number}.value: Must be 1024 or fewer in length.")
        size += len(name) + len(value)
    footer = (embed.get("footer") or {}).get("text") or ""
    if len(footer) > 2048:
        raise invalid(f"{where}.footer.text: Must be 2048 or fewer in length.")
    author = (embed.get("author") or {}).get("name") or ""
    if len(author) > 256:
        raise invalid(f"{where}.author.name: Must be 256 or fewer in length.")
    return size + len(footer) + len(author)


def check_components(rows: list[dict[str, Any]]) -> None:
    if len(rows) > 5:
        raise invalid("components: Must be 5 or fewer in length.")
    seen: set[str] = set()
    for row in rows:
        children = row.get("components") or []
        if row.get("type") == 1 and not 1 <= len(children) <= 5:
            raise invalid("components: an action row holds 1 to 5 components.")
        for child in children:
            custom_id = child.get("custom_id")
            if custom_id is not None:
                if len(custom_id) > 100:
                    raise invalid("custom_id: Must be 100 or fewer in length.")
                if custom_id in seen:
                    raise invalid("custom_id: Component custom id cannot be duplicated")
                seen.add(custom_id)
            label = child.get("label") or ""
            if len(label) > 80:
                raise invalid("label: Must be 80 or fewer in length.")
            if child.get("type") == 3 and len(child.get("options") or []) > 25:
                raise invalid("options: Must be 25 or fewer in length.")


def check_choices(choices: list[dict[str, Any]]) -> None:
    if len(choices) > 25:
        raise invalid("data.choices: Must be 25 or fewer in length.")
    for number, choice in enumerate(choices):
        name = str(choice.get("name", ""))
        if not 1 <= len(name) <= 100:
            raise invalid(f"data.choices.{number}.name: Must be between 1 and 100 in length.")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            raise invalid(f"data.choices.{number}.value: Must be 100 or fewer in length.")


def check_modal(data: dict[str, Any]) -> None:
    title = data.get("title") or ""
    if not 1 <= len(title) <= 45:
        raise invalid("data.title: Must be between 1 and 45 in length.")
    if not data.get("custom_id"):
        raise invalid("data.custom_id: This field is required")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        raise invalid("data.components: Must be between 1 and 5 in length.")


def check_commands(commands: list[dict[str, Any]]) -> None:
    """Application command registration: names, descriptions, options, choices."""
    if len(commands) > 100:
        raise invalid("Must be 100 or fewer in length.")
    names: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = command.get("type", 1)
        name = command.get("name", "")
        where = f"{index}.name"
        if kind == 1:
            if not COMMAND_NAME.match(name) or name != name.lower():
                raise invalid(f"{where}: Command name is invalid")
            _check_description(command, str(index))
        elif not 1 <= len(name) <= 32:
            raise invalid(f"{where}: Must be between 1 and 32 in length.")
        if (kind, name) in names:
            raise invalid(f"{where}: Application command names must be unique")
        names.add((kind, name))
        _check_options(command.get("options") or [], f"{index}.options")


def _check_description(item: dict[str, Any], where: str) -> None:
    description = item.get("description", "")
    if not 1 <= len(description) <= 100:
        raise invalid(f"{where}.description: Must be between 1 and 100 in length.")


def _check_options(options: list[dict[str, Any]], where: str) -> None:
    if len(options) > 25:
        raise invalid(f"{where}: Must be 25 or fewer in length.")
    required_done = False
    seen: set[str] = set()
    for index, option in enumerate(options):
        here = f"{where}.{index}"
        name = option.get("name", "")
        if not COMMAND_NAME.match(name) or name != name.lower():
            raise invalid(f"{here}.name: Command name is invalid")
        if name in seen:
            raise invalid(f"{here}.name: Option names must be unique")
        seen.add(name)
        _check_description(option, here)
        if option.get("required"):
            if required_done:
                raise invalid(f"{here}: Required options must be placed before non-required")
        else:
            required_done = True
        choices = option.get("choices") or []
        if choices:
            check_choices(choices)
        if option.get("autocomplete") and choices:
            raise invalid(f"{here}: Autocomplete options cannot have choices")
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], f"{here}.options")


# Scheduled event statuses and the changes Discord allows between them.
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELLED = 1, 2, 3, 4
EVENT_MOVES = {(1, 2), (1, 4), (2, 3)}


def check_event_times(event: dict[str, Any], *, external: bool) -> None:
    """An external event needs an end, after its start."""
    start, end = event.get("scheduled_start_time"), event.get("scheduled_end_time")
    if not start:
        raise invalid("scheduled_start_time: required")
    if external and not end:
        raise invalid("scheduled_end_time: required for external events")
    if end and datetime.fromisoformat(str(end)) <= datetime.fromisoformat(str(start)):
        raise invalid("scheduled_end_time: must be after the start")


def check_event_status(current: int, new: int) -> None:
    """Discord's transitions: SCHEDULED to ACTIVE or CANCELED, ACTIVE to COMPLETED; a
    completed or cancelled event's status can no longer be updated."""
    if current in (3, 4) or (current != new and (current, new) not in EVENT_MOVES):
        raise invalid(f"status: cannot change an event from {current} to {new}")
