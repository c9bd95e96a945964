"""A seeded server to play in: a moderator, a few members, #general and #debates."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.server import Emulator
from emulator.state import MANAGE_GUILD, Channel, Guild, Member, Role

MEMBER_NAMES = ("alice", "bob", "carol", "dave")


@dataclass
class World:
    emulator: Emulator
    guild: Guild
    general: Channel
    debates: Channel
    moderator_role: Role
    members: dict[str, Member]

    def member(self, name: str) -> Member:
        try:
            return self.members[name]
        except KeyError:
            raise KeyError(f"no member {name!r}; there are {sorted(self.members)}") from None

    def channel(self, name: str) -> Channel:
        for channel in self.guild.channels.values():
            if channel.name == name.lstrip("#"):
                return channel
        raise KeyError(f"no channel {name!r}")


def seed_world(emulator: Emulator, name: str = "Debate Club") -> World:
    """One server: owner, `mod` (Manage Server), alice, bob, carol, dave; two channels."""
    owner = emulator.add_user("owner")
    guild = emulator.add_guild(name, owner)
    moderator_role = emulator.add_role(guild, "Moderators", MANAGE_GUILD)
    members = {"owner": guild.members[owner.id]}
    members["mod"] = emulator.add_member(guild, emulator.add_user("mod"), [moderator_role])
    for member_name in MEMBER_NAMES:
        members[member_name] = emulator.add_member(guild, emulator.add_user(member_name))
    general = emulator.add_channel(guild, "general")
    debates = emulator.add_channel(guild, "debates")
    return World(emulator, guild, general, debates, moderator_role, members)
