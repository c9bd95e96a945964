"""A local Discord API and gateway emulator for tests, benchmarks and the sandbox."""

from emulator.clock import FileClock, ManualClock
from emulator.members import NoReply
from emulator.options import CommandUnavailable
from emulator.server import Emulator, Faults, Interaction, RateLimits
from emulator.state import Channel, Guild, Member, Message, Role, User
from emulator.world import World, seed_world

__all__ = [
    "Channel",
    "CommandUnavailable",
    "Emulator",
    "Faults",
    "FileClock",
    "Guild",
    "Interaction",
    "ManualClock",
    "Member",
    "Message",
    "NoReply",
    "RateLimits",
    "Role",
    "User",
    "World",
    "seed_world",
]
