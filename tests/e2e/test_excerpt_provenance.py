"""What the corpus says about where an essay's title, author and date come from, shown
wherever the daily excerpt shows them: a descriptive label stays marked as a label in the
discussion thread's name, an author taken from the source address is "attributed", a year
read from the text's events is "inferred"."""

from __future__ import annotations

from emulator import Emulator, Message, World
from tests.e2e.conftest import Bots
from tests.e2e.test_excerpts import posts, setup

SLAUGHTER = "[Response to Walt (Boston Review forum)]"


async def post_until_each_essay_is_seen(emulator: Emulator, world: World) -> dict[str, Message]:
    """/excerpt now until a post of each of the three essays went out, by embed title."""
    seen: dict[str, Message] = {}
    for _ in range(12):
        await emulator.slash(world.member("mod"), world.general, "excerpt now", timeout=10)
        latest = posts(emulator, world.debates)[-1]
        seen.setdefault(latest.embeds[0]["title"], latest)
        if len(seen) == 3:
            break
    return seen


async def test_labels_attributed_authors_and_inferred_dates_are_marked_as_such(
    bots: Bots, emulator: Emulator, world: World
) -> None:
    await bots.start()
    await setup(emulator, world, time="8am", thread=True)
    seen = await post_until_each_essay_is_seen(emulator, world)
    bylines = {title: post.embeds[0]["author"]["name"] for title, post in seen.items()}
    assert bylines == {
        SLAUGHTER: "Anne-Marie Slaughter (attributed) · 2005 (inferred)",
        "A Values-Based Approach to Foreign Policy": "author unknown · 2023 (inferred)",
        "Socialists and Libertarians Need An Alliance Against the Establishment": (
            "Stephen M. Walt · 2018-09-24"
        ),
    }
    label_post = seen[SLAUGHTER]
    assert "descriptive label" in label_post.embeds[0]["footer"]["text"]
    thread = world.guild.channels[label_post.id]
    assert thread.name == f"Discuss: {SLAUGHTER}"
    names = {world.guild.channels[post.id].name for post in seen.values()}
    assert all(len(name) <= 100 for name in names)
    walt = "Socialists and Libertarians Need An Alliance Against the Establishment"
    assert f"Discuss: {walt}" in names
