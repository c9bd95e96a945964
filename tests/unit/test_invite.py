"""The permissions moot asks for are Discord's, by name and bit, and the README's."""

from __future__ import annotations

import re

import discord

from bot.invite import NEEDED, invite_permissions
from tests.conftest import PROJECT_ROOT

PAGE = PROJECT_ROOT / "emulator" / "discord-docs" / "permissions.mdx"


def documented_bits() -> dict[str, int]:
    """Discord's permissions page: each permission's name and bit."""
    rows = re.findall(
        r"^\| ([A-Z_]+)(?: \\\*)? +\| `0x[0-9A-F]+` `\(1 << (\d+)\)`", PAGE.read_text(), re.M
    )
    return {name: 1 << int(bit) for name, bit in rows}


def readme_names() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text()
    found = re.search(r"and the permissions: (.*?)\.\n", text, re.S)
    assert found, "the README's invite list"
    names = re.sub(r"\s*\([^)]*\)", "", " ".join(found[1].split()))
    return [n.strip() for n in names.split(",")]


def test_every_permission_moot_asks_for_has_discords_bit() -> None:
    documented = documented_bits()
    assert len(documented) >= 50 and documented["CREATE_EVENTS"] == 1 << 44
    for name in NEEDED:
        flag = getattr(discord.Permissions, name).flag
        constant = name.upper()
        assert documented[constant] == flag, name


def test_the_readme_lists_exactly_those_permissions_and_their_sum() -> None:
    # The names as Discord's invite page shows them.
    shown = {n.lower().replace(" ", "_") for n in readme_names()}
    aliases = {"view_channels": "view_channel"}
    assert {aliases.get(n, n) for n in shown} == set(NEEDED)
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert f"`{invite_permissions().value}`" in readme
    assert "create_events" in NEEDED and "manage_events" not in NEEDED
