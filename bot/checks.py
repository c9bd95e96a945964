"""Who may do what: moderators are members with Manage Server or the server's moderator
role. One check for moderator commands, and the same rule for buttons and forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.services.guild_config import get_settings

if TYPE_CHECKING:
    from bot.client import MootBot

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member ran a moderator command without being a moderator."""


class CheckError(app_commands.CheckFailure):
    """A check that failed unexpectedly (say, the database); `original` is the cause."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


async def moderator_status(interaction: discord.Interaction) -> tuple[bool, int | None]:
    """(is the member a moderator, the server's moderator role id if one is set). Members
    with Manage Server are moderators without a look at the settings (the role id is then
    None): it is what a refusal names."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    if interaction.permissions.manage_guild:
        return True, None
    bot = cast("MootBot", interaction.client)
    async with bot.db.session() as session:
        settings = await get_settings(interaction.guild.id, session=session)
    role_id = settings.moderator_role_id
    has_role = role_id is not None and any(r.id == role_id for r in interaction.user.roles)
    return has_role, role_id


async def require_moderator(interaction: discord.Interaction, to: str = "do that") -> None:
    """NotModerator unless the member is a moderator; the refusal says what `to` needed
    and what makes a moderator here. For buttons and forms; commands use is_moderator."""
    allowed, role_id = await moderator_status(interaction)
    if not allowed:
        raise NotModerator(
            f"Only moderators can {to}: it needs {_what_makes_a_moderator(interaction, role_id)}."
        )


def _what_makes_a_moderator(interaction: discord.Interaction, role_id: int | None) -> str:
    """Manage Server, and the moderator role when the server has one. The role is named
    by a mention, which members see as the role's name (it pings nobody: the bot's
    allowed_mentions). A role deleted since it was set would show as "@deleted-role", a
    role nobody can be given: then the refusal says so instead of naming it."""
    if role_id is None:
        return "Manage Server"
    guild = interaction.guild
    if guild is not None and guild.get_role(role_id) is None:
        return "Manage Server (the moderator role set with /config moderator-role was deleted)"
    return f"Manage Server or the <@&{role_id}> role"


async def _moderators_only(interaction: discord.Interaction) -> bool:
    if interaction.permissions.manage_guild:
        return True
    try:
        await require_moderator(interaction)
    except app_commands.AppCommandError:
        raise
    except Exception as exc:
        # discord.py passes only AppCommandErrors from checks to the tree's on_error.
        raise CheckError(exc) from exc
    return True


def is_moderator() -> Callable[[T], T]:
    """A check for moderator commands: Manage Server, or the server's moderator role."""
    return app_commands.check(_moderators_only)


def moderators_only(command: app_commands.Command[Any, ..., Any]) -> bool:
    """Is `command` one only moderators may use (it has the is_moderator check)?"""
    return _moderators_only in command.checks
