"""The value of one option of a command a member runs, as Discord's client sends it:
checked against what the option was registered with, and with what it names (a member, a
channel, a role, an uploaded file) added to the interaction's `resolved`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.state import Channel, Guild, Member, Role, User

if TYPE_CHECKING:
    from emulator.server import Emulator


class CommandUnavailable(Exception):
    """Discord would not let this member run this command (unknown, hidden or malformed)."""


# Option types: 1 subcommand, 2 group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel,
# 8 role, 9 mentionable, 10 number, 11 attachment.
_SCALARS = {3: str, 4: int, 5: bool, 10: float}


def option_value(
    emulator: Emulator, guild: Guild, option: dict[str, Any], value: Any, resolved: dict[str, Any]
) -> Any:
    kind = option["type"]
    if kind in _SCALARS:
        caster = _SCALARS[kind]
        if (kind == 4 and isinstance(value, bool)) or not isinstance(
            value, (str, int, float, bool)
        ):
            raise CommandUnavailable(f"option {option['name']!r} takes a {caster.__name__}")
        if kind == 3:
            value = str(value).strip()  # Discord's client trims string options
        if kind == 5 and isinstance(value, str):
            # A client offers True and False; typed text is one of those two words.
            if value.lower() not in ("true", "false"):
                raise CommandUnavailable(f"{option['name']!r} takes True or False")
            value = value.lower() == "true"
        try:
            typed = caster(value)
        except (TypeError, ValueError):
            raise CommandUnavailable(
                f"Discord's client refuses {value!r} for {option['name']!r}"
            ) from None
        choices = option.get("choices")
        if choices and typed not in [c["value"] for c in choices]:
            raise CommandUnavailable(f"{value!r} is not one of the choices of {option['name']!r}")
        if kind == 3:
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            if not low <= len(str(typed)) <= high:
                raise CommandUnavailable(f"{option['name']!r} must be {low}-{high} characters")
        if kind in (4, 10):
            if "min_value" in option and typed < option["min_value"]:
                raise CommandUnavailable(f"{option['name']!r} is below its minimum")
            if "max_value" in option and typed > option["max_value"]:
                raise CommandUnavailable(f"{option['name']!r} is above its maximum")
        return typed
    if kind == 6:
        user = value.user if isinstance(value, Member) else value
        if not isinstance(user, User):
            raise CommandUnavailable(f"option {option['name']!r} takes a member")
        resolved.setdefault("users", {})[str(user.id)] = user.to_json()
        member = guild.members.get(user.id)
        if member is not None:
            stub = member.to_json()
            stub["permissions"] = str(guild.base_permissions(member))
            resolved.setdefault("members", {})[str(user.id)] = stub
        return str(user.id)
    if kind == 7:
        if not isinstance(value, Channel):
            raise CommandUnavailable(f"option {option['name']!r} takes a channel")
        types = option.get("channel_types")
        if types and value.type not in types:
            raise CommandUnavailable(f"{option['name']!r} does not take that kind of channel")
        member = guild.members[emulator.bot_user.id]
        channel_json = value.to_json() | {"permissions": str(guild.permissions_in(member, value))}
        resolved.setdefault("channels", {})[str(value.id)] = channel_json
        return str(value.id)
    if kind == 8:
        if not isinstance(value, Role):
            raise CommandUnavailable(f"option {option['name']!r} takes a role")
        resolved.setdefault("roles", {})[str(value.id)] = value.to_json()
        return str(value.id)
    if kind == 11:
        if not (isinstance(value, tuple) and len(value) == 2):
            raise CommandUnavailable(f"option {option['name']!r} takes (filename, bytes)")
        filename, data = value
        attachment = emulator.upload(str(filename), bytes(data))
        resolved.setdefault("attachments", {})[attachment["id"]] = attachment
        return attachment["id"]
    raise CommandUnavailable(f"option type {kind} is not supported by the emulator")
