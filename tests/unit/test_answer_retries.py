"""A server error in answer to an interaction is retried within Discord's 3-second window;
other requests are left to discord.py's own retries."""

from __future__ import annotations

import time

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.pacing import retry_answers_quickly


async def test_interaction_answers_are_retried_quickly_and_nothing_else() -> None:
    tries: dict[str, int] = {}

    async def flaky(request: web.Request) -> web.Response:
        tries[request.path] = tries.get(request.path, 0) + 1
        return web.Response(status=500 if tries[request.path] < 3 else 204)

    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", flaky)
    app.router.add_post("/api/v10/channels/{id}/messages", flaky)
    async with (
        TestServer(app) as server,
        aiohttp.ClientSession(middlewares=(retry_answers_quickly,)) as session,
    ):
        started = time.monotonic()
        answer = await session.post(server.make_url("/api/v10/interactions/1/tok/callback"))
        took = time.monotonic() - started
        post = await session.post(server.make_url("/api/v10/channels/1/messages"))
    assert answer.status == 204 and took < 1.5  # two quick retries, well inside 3 seconds
    assert post.status == 500  # one try: discord.py decides about the rest
    assert tries == {"/api/v10/interactions/1/tok/callback": 3, "/api/v10/channels/1/messages": 1}
