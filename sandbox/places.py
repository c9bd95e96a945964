"""Where a member can be: the server's channels and the threads under them, found by
number, by name (quoted when it has spaces) or by the start of a name."""

from __future__ import annotations

from emulator import Channel, World
from emulator.state import STAGE_CHANNEL


class PlaceError(Exception):
    """No channel or thread answers to that name."""


def places(world: World) -> list[Channel]:
    """Text channels in server order, each followed by its threads, oldest first: the
    order (and numbers) of the `channels` line."""
    channels = world.guild.channels.values()
    found: list[Channel] = []
    for channel in sorted(
        (c for c in channels if not c.is_thread), key=lambda c: (c.position, c.id)
    ):
        found.append(channel)
        found += sorted(
            (c for c in channels if c.is_thread and c.parent_id == channel.id), key=lambda c: c.id
        )
    return found


def listing(world: World) -> list[str]:
    """One line per place: `1. #debates`, `3.    › Round 1: This house… (archived)`."""
    lines = []
    for number, place in enumerate(places(world), 1):
        if place.is_thread:
            state = " (locked)" if place.locked else " (archived)" if place.archived else ""
            lines.append(f"{number}.   › {place.name}{state}")
        elif place.is_vocal:
            lines.append(f"{number}. #{place.name} {who_is_there(world, place)}")
        else:
            lines.append(f"{number}. #{place.name}")
    return lines


def who_is_there(world: World, channel: Channel) -> str:
    """A voice or Stage channel's people: on a Stage who speaks (or is invited to) and
    who listens (hand raised or not); in a voice channel who is there, muted or not."""
    states = [s for s in world.guild.voice_states.values() if s.channel_id == channel.id]
    if channel.type != STAGE_CHANNEL:
        names = [s.member.user.username + (" (muted)" if s.mute else "") for s in states]
        return f"(voice): {', '.join(names) or 'nobody'}"
    speaking = [
        s.member.user.username + (" (invited)" if s.request_to_speak_timestamp else "")
        for s in states
        if not s.suppress
    ]
    listening = [
        s.member.user.username + (" (hand raised)" if s.request_to_speak_timestamp else "")
        for s in states
        if s.suppress
    ]
    live = world.guild.stage_instances.get(channel.id)
    topic = f" “{live.topic}”" if live else ""
    return (
        f"(Stage{', live' if live else ''}{topic}): speaking {', '.join(speaking) or 'nobody'}; "
        f"audience {', '.join(listening) or 'nobody'}"
    )


def find(world: World, wanted: str) -> Channel:
    """The place `wanted` names: its number in `channels`, its whole name, or the start of
    exactly one name (case does not matter; a leading # is optional)."""
    known = places(world)
    text = wanted.strip().removeprefix("#").strip()
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(known):
            return known[number - 1]
        raise PlaceError(f"there is no place {number}; `channels` lists 1 to {len(known)}")
    folded = text.casefold()
    if not folded:
        raise PlaceError('in where? Give a channel or thread: in #debates, in 3, in "Round 1"')
    exact = [p for p in known if p.name.casefold() == folded]
    if exact:
        return exact[0]
    starting = [p for p in known if p.name.casefold().startswith(folded)]
    if len(starting) == 1:
        return starting[0]
    if starting:
        names = ", ".join(f"“{p.name}”" for p in starting)
        raise PlaceError(f"“{text}” could be {names}: type more of the name, or its number")
    raise PlaceError(f"no channel or thread called “{text}”; `channels` lists them")
