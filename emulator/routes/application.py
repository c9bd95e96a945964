"""Routes for start-up (who the bot is, where the gateway is) and application commands."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import rules
from emulator.rules import DiscordError

if TYPE_CHECKING:
    from emulator.rest import Route
    from emulator.server import Emulator

# --- start-up ------------------------------------------------------------------------


async def get_me(emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any) -> Any:
    return emulator.bot_user.to_json() | {"verified": True, "mfa_enabled": False, "locale": "en-US"}


async def get_application(emulator: Emulator, *_: Any) -> Any:
    return {
        "id": str(emulator.application_id),
        "name": "moot",
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": emulator.bot_user.to_json(),
        "summary": "",
        "verify_key": "0" * 64,
        "team": None,
        "type": None,
        "flags": 0,
        "flags_new": "0",
        "bot": emulator.bot_user.to_json(),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": len(emulator.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["applications.commands", "bot"],
    }


async def get_gateway_bot(emulator: Emulator, *_: Any) -> Any:
    return {
        "url": emulator.gateway_url.rstrip("/"),
        "shards": 1,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 14400000,
            "max_concurrency": 1,
        },
    }


# --- application commands --------------------------------------------------------


async def put_commands(
    emulator: Emulator, request: web.Request, match: re.Match[str], payload: Any, _: Any
) -> Any:
    if int(match["app"]) != emulator.application_id:
        raise DiscordError(403, rules.MISSING_ACCESS, "Missing Access")
    commands = list(payload or [])
    rules.check_commands(commands)
    guild = match.groupdict().get("guild")
    registered = []
    for command in commands:
        # A global command has no guild_id at all; integration_types defaults to
        # guild install ([0]), as Discord answers.
        where = {"guild_id": guild} if guild else {}
        registered.append(
            command
            | where
            | {
                "id": str(emulator.ids.next()),
                "application_id": str(emulator.application_id),
                "version": str(emulator.ids.next()),
                "type": command.get("type", 1),
                "description": command.get("description", ""),
                "integration_types": command.get("integration_types") or [0],
                "default_member_permissions": _permission_string(
                    command.get("default_member_permissions")
                ),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
            }
        )
    if guild:
        emulator.guild_commands[int(guild)] = registered
    else:
        emulator.global_commands = registered
    emulator.command_puts += 1
    return registered


async def get_commands(
    emulator: Emulator, request: web.Request, match: re.Match[str], *_: Any
) -> Any:
    guild = match.groupdict().get("guild")
    return emulator.guild_commands.get(int(guild), []) if guild else emulator.global_commands


def _permission_string(value: Any) -> str | None:
    return None if value is None else str(value)


ROUTES: list[Route] = [
    ("GET", r"/users/@me", get_me),
    ("GET", r"/oauth2/applications/@me", get_application),
    ("GET", r"/gateway/bot", get_gateway_bot),
    ("GET", r"/gateway", get_gateway_bot),
    ("PUT", r"/applications/(?P<app>\d+)/commands", put_commands),
    ("GET", r"/applications/(?P<app>\d+)/commands", get_commands),
    ("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", put_commands),
    ("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", get_commands),
]
