"""The emulator refuses what Discord refuses, so the bot's tests fail where Discord would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest

from emulator import CommandUnavailable, Emulator, World
from emulator.server import Interaction
from emulator.state import SEND_MESSAGES

# These calls are the test's own, not moot's: the mention rule is not theirs to keep.
pytestmark = pytest.mark.raw_calls


@pytest.fixture
async def http(emulator: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession(base_url=emulator.base_url, headers=headers) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, "/api/v10" + path, json=body) as response:
        assert response.status == 204 or response.headers["Content-Type"] == "application/json"
        return response.status, (await response.json() if response.status != 204 else None)


def breaches(emulator: Emulator) -> set[str]:
    """Where the calls so far broke Discord's OpenAPI document, as "side where"; then
    forgets them (the fixture fails a test that leaves any)."""
    found = {f"{v.side} {v.where}" for v in emulator.violations}
    emulator.violations.clear()
    return found


async def interaction(emulator: Emulator, world: World, kind: int = 2) -> Interaction:
    member = world.member("alice")
    return await emulator._create_interaction(
        kind, world.guild, world.general, member, {"name": "x"}
    )


async def test_message_limits(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    path = f"/channels/{world.general.id}/messages"
    assert (await call(http, "POST", path, {"content": "x" * 2000}))[0] == 200
    status, body = await call(http, "POST", path, {"content": "x" * 2001})
    assert status == 400 and body["code"] == 50035
    for embed in (
        {"title": "t" * 257},
        {"description": "d" * 4097},
        {"fields": [{"name": "n", "value": "v"}] * 26},
        {"description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1000}] * 3},
    ):
        assert (await call(http, "POST", path, {"embeds": [embed]}))[0] == 400, embed
    assert (await call(http, "POST", path, {}))[0] == 400
    # Discord's document refuses the same embeds by field; the total of 6,000 characters,
    # the 2,001-character content and the empty message are Discord's server's rules.
    assert breaches(emulator) == {
        "request $.embeds[0].title",
        "request $.embeds[0].description",
        "request $.embeds[0].fields",
    }


async def test_posting_needs_permission(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    bot_role = next(r for r in world.guild.roles.values() if r.name == "moot")
    quiet = emulator.add_channel(world.guild, "quiet", overwrites={bot_role.id: (0, SEND_MESSAGES)})
    status, body = await call(http, "POST", f"/channels/{quiet.id}/messages", {"content": "hi"})
    assert status == 403 and body["code"] == 50013


async def test_command_registration_rules(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    path = f"/applications/{emulator.application_id}/commands"
    good = {"name": "ok", "description": "fine", "type": 1}
    assert (await call(http, "PUT", path, [good]))[0] == 200
    for bad in (
        [{"name": "Bad Name", "description": "d", "type": 1}],
        [{"name": "x", "description": "", "type": 1}],
        [good, good],
        [good | {"options": [{"name": f"o{i}", "description": "d", "type": 3} for i in range(26)]}],
        [
            good
            | {
                "options": [
                    {
                        "name": "o",
                        "description": "d",
                        "type": 3,
                        "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
                    }
                ]
            }
        ],
        [
            good
            | {
                "options": [
                    {"name": "a", "description": "d", "type": 3},
                    {"name": "b", "description": "d", "type": 3, "required": True},
                ]
            }
        ],
    ):
        assert (await call(http, "PUT", path, bad))[0] == 400, bad
    assert breaches(emulator) == {"request $[0].options", "request $[0].options[0].choices"}


async def test_interaction_answer_rules(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    first = await interaction(emulator, world)
    callback = f"/interactions/{first.id}/{first.token}/callback"
    assert (await call(http, "POST", callback, {"type": 4, "data": {"content": "hi"}}))[0] == 200
    status, body = await call(http, "POST", callback, {"type": 4, "data": {"content": "again"}})
    assert status == 400 and body["code"] == 40060  # already acknowledged

    # Discord's 3 seconds are the clock's: they pass only when the test moves it.
    in_time = await interaction(emulator, world)
    emulator.advance(2.9)
    status, _ = await call(
        http, "POST", f"/interactions/{in_time.id}/{in_time.token}/callback", {"type": 5}
    )
    assert status == 200
    late = await interaction(emulator, world)
    emulator.advance(3.5)  # more than Discord's 3 seconds without a deferral
    status, body = await call(
        http, "POST", f"/interactions/{late.id}/{late.token}/callback", {"type": 5}
    )
    assert status == 404 and body["code"] == 10062

    deferred = await interaction(emulator, world)
    cb = f"/interactions/{deferred.id}/{deferred.token}/callback"
    assert (await call(http, "POST", cb, {"type": 5, "data": {"flags": 64}}))[0] == 200
    followup = f"/webhooks/{emulator.application_id}/{deferred.token}"
    assert (await call(http, "PATCH", followup + "/messages/@original", {"content": "done"}))[
        0
    ] == 200
    assert deferred.reply is not None and deferred.reply.ephemeral
    emulator.advance(15 * 60 - 1)  # followups are taken for 15 minutes
    assert (await call(http, "POST", followup, {"content": "still in time"}))[0] == 200
    emulator.advance(2)  # and not after
    assert (await call(http, "POST", followup, {"content": "too late"}))[0] == 401

    chooser = await interaction(emulator, world, kind=4)
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    status, _ = await call(
        http,
        "POST",
        f"/interactions/{chooser.id}/{chooser.token}/callback",
        {"type": 8, "data": {"choices": choices}},
    )
    assert status == 400
    assert breaches(emulator) == {"request $.data"}  # 26 choices, where 25 is the most


async def test_the_spec_judges_every_request_and_answer(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """A request the document does not allow, or an answer it does not describe, is a
    violation with its field path, and the emulator fixture fails the test on it."""
    messages = f"/channels/{world.general.id}/messages"
    await call(http, "POST", messages, {"content": 5})
    await call(http, "GET", messages + "?limit=many")
    await call(http, "GET", messages + "?newest_first=true")
    await http.post("/api/v10" + messages + "/pin-all")
    assert breaches(emulator) == {
        "request $.content",
        "request ?limit",
        "request ?newest_first",
        "request $",  # no such route
    }
    assert [str(v) for v in emulator.violations] == []

    # Ids as integers are a tolerated deviation in what the bot sends, and only there.
    status, sent = await call(
        http, "POST", messages, {"content": "x", "allowed_mentions": {"users": [1], "parse": []}}
    )
    assert status == 200 and not breaches(emulator)

    # An answer missing what Discord always sends is the emulator's own breach.
    del emulator.messages[int(sent["id"])].data["author"]
    status, _ = await call(http, "GET", f"{messages}/{sent['id']}")
    assert status == 200
    [violation] = emulator.violations
    assert (violation.side, violation.what, violation.where) == (
        "response",
        "GET /channels/{channel_id}/messages/{message_id}",
        "$",
    )
    assert "'author' is a required property" in violation.problem
    emulator.violations.clear()


async def test_rate_limits_have_real_headers(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    # A window far longer than the three requests take, however loaded the machine.
    emulator.rate_limits.per_route = 2
    emulator.rate_limits.window = 60.0
    path = f"/api/v10/channels/{world.general.id}/messages"
    statuses = []
    for _ in range(3):
        async with http.post(path, json={"content": "x"}) as response:
            statuses.append(response.status)
            headers = response.headers
            body = await response.json()
    assert statuses == [200, 200, 429]
    assert 0 < body["retry_after"] <= 60 and body["global"] is False
    assert headers["Via"] and headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Bucket" in headers and "X-RateLimit-Reset-After" in headers
    # The window passes on the clock: then the route takes messages again.
    emulator.advance(60)
    async with http.post(path, json={"content": "x"}) as response:
        assert response.status == 200


async def test_the_global_limit_is_the_tokens_and_invalid_requests_are_counted(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """50 requests a second for the token, whatever routes they go to; the 51st gets a
    global 429 as Discord sends it, which counts as an invalid request (as 401 and 403
    do) toward Discord's 10,000 in 10 minutes."""
    channels = [emulator.add_channel(world.guild, f"c{i}") for i in range(5)]
    statuses = []
    for i in range(emulator.rate_limits.global_per_second + 1):
        channel = channels[i % len(channels)]
        async with http.post(
            f"/api/v10/channels/{channel.id}/messages", json={"content": "x"}
        ) as response:
            statuses.append(response.status)
            headers, body = response.headers, await response.json()
    assert statuses.count(200) == emulator.rate_limits.global_per_second
    assert statuses[-1] == 429 and body["global"] is True and body["code"] == 0
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    async with http.get("/api/v10/users/@me", headers={"Authorization": "Bot wrong"}) as response:
        assert response.status == 401
    assert emulator.invalid_requests() == 2
    emulator.advance(601)  # the window is the clock's
    assert emulator.invalid_requests() == 0


async def answered_by_hand(
    emulator: Emulator,
    http: aiohttp.ClientSession,
    act: Awaitable[Any],
    answer: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Run a member's action with no bot connected: the test answers the interaction it
    creates (`answer`, or a short reply), and returns the action's result with the
    payload the bot would have been sent."""
    sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def watch(event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            sent.put_nowait(data)

    emulator.gateway.watchers.append(watch)
    try:
        acting = asyncio.ensure_future(act)
        receiving = asyncio.ensure_future(sent.get())
        await asyncio.wait([acting, receiving], return_when=asyncio.FIRST_COMPLETED)
        if acting.done():  # refused before anything was sent
            receiving.cancel()
            await acting
        payload = receiving.result()
        callback = f"/interactions/{payload['id']}/{payload['token']}/callback"
        answer = answer or {"type": 4, "data": {"content": "ok"}}
        assert (await call(http, "POST", callback, answer))[0] == 200
        return await acting, payload
    finally:
        emulator.gateway.watchers.remove(watch)


async def test_a_field_left_as_pre_filled_is_submitted_with_its_value(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """As the ballot's points field: a text input's `value` is what the field holds when
    the form opens, and what Discord submits for it if the member leaves it alone."""
    template = "Alice (Realist): \nBob (Values): "
    fields = [
        {"type": 4, "custom_id": "winner", "label": "Winner", "style": 1},
        {"type": 4, "custom_id": "points", "label": "Points", "style": 2, "value": template},
    ]
    modal = {
        "custom_id": "round-ballot:1",
        "title": "Ballot",
        "components": [{"type": 1, "components": [field]} for field in fields],
    }
    shown = await interaction(emulator, world)
    callback = f"/interactions/{shown.id}/{shown.token}/callback"
    assert (await call(http, "POST", callback, {"type": 9, "data": modal}))[0] == 200
    alice = world.member("alice")
    _, payload = await answered_by_hand(
        emulator, http, emulator.submit_modal(alice, shown, {"winner": "Realist"})
    )
    submitted = {
        child["custom_id"]: child["value"]
        for row in payload["data"]["components"]
        for child in row["components"]
    }
    assert submitted == {"winner": "Realist", "points": template}
    assert not breaches(emulator)


async def test_autocomplete_is_asked_only_for_options_registered_with_it(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """Discord's client never sends an autocomplete interaction for an option without
    `autocomplete: true`: it lists that option's fixed choices itself."""
    side = {
        "name": "side",
        "description": "d",
        "type": 3,
        "choices": [{"name": "Realist", "value": "realist"}, {"name": "Values", "value": "values"}],
    }
    query = {"name": "query", "description": "d", "type": 3, "autocomplete": True}
    command = {"name": "find", "description": "d", "type": 1, "options": [query, side]}
    path = f"/applications/{emulator.application_id}/guilds/{world.guild.id}/commands"
    assert (await call(http, "PUT", path, [command]))[0] == 200
    alice = world.member("alice")
    with pytest.raises(CommandUnavailable, match="side has no autocomplete: its choices are"):
        await emulator.autocomplete(alice, world.general, "find", "side", "real", timeout=1)
    assert not emulator.interactions  # nothing was sent to the bot
    asked = emulator.autocomplete(alice, world.general, "find", "query", "off", side="realist")
    offered = {"type": 8, "data": {"choices": [{"name": "offshore", "value": "offshore"}]}}
    choices, payload = await answered_by_hand(emulator, http, asked, offered)
    assert choices == offered["data"]["choices"] and payload["type"] == 4
    assert {"name": "query", "type": 3, "value": "off", "focused": True} in payload["data"][
        "options"
    ]


async def test_deleting_an_interaction_reply_everyone_saw_is_dispatched(
    emulator: Emulator, world: World, http: aiohttp.ClientSession
) -> None:
    """A reply or followup deleted through the interaction's webhook is gone for every
    client: Discord sends MESSAGE_DELETE, except for an ephemeral one nobody else saw."""
    deleted: list[dict[str, Any]] = []

    def watch(event: str, data: dict[str, Any]) -> None:
        if event == "MESSAGE_DELETE":
            deleted.append(data)

    emulator.gateway.watchers.append(watch)
    webhook = f"/webhooks/{emulator.application_id}"
    public, private = await interaction(emulator, world), await interaction(emulator, world)
    for shown, flags in ((public, 0), (private, 64)):
        callback = f"/interactions/{shown.id}/{shown.token}/callback"
        answer = {"type": 4, "data": {"content": "soon gone", "flags": flags}}
        assert (await call(http, "POST", callback, answer))[0] == 200
    status, followup = await call(http, "POST", f"{webhook}/{public.token}", {"content": "too"})
    assert status == 200
    for path in (
        f"{webhook}/{public.token}/messages/@original",
        f"{webhook}/{public.token}/messages/{followup['id']}",
        f"{webhook}/{private.token}/messages/@original",
    ):
        assert (await call(http, "DELETE", path))[0] == 204
    assert public.original is not None
    place = {"channel_id": str(world.general.id), "guild_id": str(world.guild.id)}
    assert deleted == [
        {"id": str(public.original.id)} | place,
        {"id": followup["id"]} | place,
    ]
    assert not breaches(emulator)
