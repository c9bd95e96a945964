"""Routes for answering interactions: the callback, followups, and the webhook messages
of an interaction token (its original response and followups)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.messages import announce
from emulator.rules import DiscordError
from emulator.state import EPHEMERAL, LOADING, Interaction, Message

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator


def _interaction(emulator: Emulator, interaction_id: int, token: str) -> Interaction:
    interaction = emulator.interactions.get(interaction_id)
    if interaction is None or interaction.token != token:
        raise DiscordError(404, rules.UNKNOWN_INTERACTION, "Unknown interaction")
    return interaction


def _by_token(emulator: Emulator, token: str) -> Interaction:
    for interaction in emulator.interactions.values():
        if interaction.token == token:
            if emulator.now() - interaction.created > emulator.followup_ttl:
                raise DiscordError(401, 50027, "Invalid Webhook Token")
            return interaction
    raise DiscordError(404, rules.UNKNOWN_WEBHOOK, "Unknown Webhook")


async def interaction_callback(
    emulator: Emulator,
    request: web.Request,
    match: re.Match[str],
    payload: Any,
    files: dict[str, bytes],
) -> Any:
    interaction = _interaction(emulator, int(match["interaction"]), match["token"])
    payload = payload or {}
    kind = int(payload.get("type", 0))
    data = payload.get("data") or {}
    try:
        if interaction.response_type is not None:
            raise DiscordError(
                400, rules.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
            )
        if emulator.now() - interaction.created > emulator.interaction_deadline:
            raise DiscordError(404, rules.UNKNOWN_INTERACTION, "Unknown interaction")
        result = await _answer(emulator, interaction, kind, data, files)
    except DiscordError as exc:
        interaction.errors.append(exc.message)
        interaction.changed.set()
        raise
    interaction.changed.set()
    return result


async def _answer(
    emulator: Emulator,
    interaction: Interaction,
    kind: int,
    data: dict[str, Any],
    files: dict[str, bytes],
) -> dict[str, Any]:
    # A channel deleted meanwhile: 404 Unknown Channel, as Discord answers (not a 500).
    guild, channel = emulator.guild_of_channel(interaction.channel_id)
    response: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
    resource: dict[str, Any] = {"type": kind}
    if kind == 4:
        rules.check_message(data)
        message = emulator.store_message(
            guild, channel, emulator.bot_user, data, files, interaction=interaction
        )
        interaction.original = message
        if not message.ephemeral:
            await emulator.dispatch("MESSAGE_CREATE", message.data, guild.id)
        await announce(emulator, message)
        resource["message"] = message.data
        response |= {
            "response_message_id": str(message.id),
            "response_message_loading": False,
            "response_message_ephemeral": message.ephemeral,
        }
    elif kind == 5:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        message = emulator.store_message(
            guild,
            channel,
            emulator.bot_user,
            {"content": "", "flags": flags},
            {},
            interaction=interaction,
            validate=False,
        )
        interaction.original = message
        if not message.ephemeral:
            await emulator.dispatch("MESSAGE_CREATE", message.data, guild.id)
        response |= {
            "response_message_id": str(message.id),
            "response_message_loading": True,
            "response_message_ephemeral": message.ephemeral,
        }
    elif kind in (6, 7):
        if interaction.message is None:
            raise rules.invalid("type: UPDATE_MESSAGE needs a component or modal interaction")
        interaction.original = interaction.message
        if kind == 7:
            await emulator.update_message(interaction.message, data, files)
            resource["message"] = interaction.message.data
    elif kind == 8:
        if interaction.type != 4:
            raise rules.invalid("type: autocomplete results answer autocomplete only")
        choices = list(data.get("choices") or [])
        rules.check_choices(choices)
        interaction.choices = choices
    elif kind == 9:
        if interaction.type == 5:
            raise rules.invalid("type: a modal cannot answer a modal")
        rules.check_modal(data)
        interaction.modal = data
    else:
        raise rules.invalid(f"type: unknown interaction callback type {kind}")
    interaction.response_type = kind
    # Only an answer that is a message (4, or 7 editing one) names it as the resource.
    if "message" not in resource:
        return {"interaction": response}
    return {"interaction": response, "resource": resource}


async def followup(
    emulator: Emulator,
    request: web.Request,
    match: re.Match[str],
    payload: Any,
    files: dict[str, bytes],
) -> Any:
    interaction = _by_token(emulator, match["token"])
    if interaction.response_type is None:
        raise DiscordError(404, rules.UNKNOWN_WEBHOOK, "Unknown Webhook")
    payload = payload or {}
    rules.check_message(payload)
    # A channel deleted meanwhile: 404 Unknown Channel, as Discord answers (not a 500).
    guild, channel = emulator.guild_of_channel(interaction.channel_id)
    message = emulator.store_message(
        guild, channel, emulator.bot_user, payload, files, interaction=interaction
    )
    interaction.followups.append(message)
    if not message.ephemeral:
        await emulator.dispatch("MESSAGE_CREATE", message.data, guild.id)
    await announce(emulator, message)
    interaction.changed.set()
    return message.data


def _webhook_message(interaction: Interaction, ref: str) -> Message:
    if ref == "@original":
        if interaction.original is None:
            raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")
        return interaction.original
    for message in interaction.followups:
        if message.id == int(ref):
            return message
    raise DiscordError(404, rules.UNKNOWN_MESSAGE, "Unknown Message")


async def edit_webhook_message(
    emulator: Emulator,
    request: web.Request,
    match: re.Match[str],
    payload: Any,
    files: dict[str, bytes],
) -> Any:
    interaction = _by_token(emulator, match["token"])
    message = _webhook_message(interaction, match["message"])
    await emulator.update_message(message, payload or {}, files)
    interaction.changed.set()
    return message.data


async def get_webhook_message(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    interaction = _by_token(emulator, match["token"])
    return _webhook_message(interaction, match["message"]).data


async def delete_webhook_message(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    interaction = _by_token(emulator, match["token"])
    message = _webhook_message(interaction, match["message"])
    message.deleted = True
    if not message.ephemeral:
        # Everyone saw it: Discord tells every client it is gone, as for any deletion.
        guild, channel = emulator.guild_of_channel(message.channel_id)
        await emulator.dispatch(
            "MESSAGE_DELETE",
            {"id": str(message.id), "channel_id": str(channel.id), "guild_id": str(guild.id)},
            guild.id,
        )
    interaction.changed.set()
    return None


WEBHOOK = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
WEBHOOK_MESSAGE = WEBHOOK + r"/messages/(?P<message>@original|\d+)"
ROUTES: list[Route] = [
    (
        "POST",
        r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback",
        interaction_callback,
    ),
    ("POST", WEBHOOK, followup),
    ("PATCH", WEBHOOK_MESSAGE, edit_webhook_message),
    ("GET", WEBHOOK_MESSAGE, get_webhook_message),
    ("DELETE", WEBHOOK_MESSAGE, delete_webhook_message),
]
