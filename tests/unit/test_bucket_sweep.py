"""discord.py's walk over its rate-limit buckets for idle ones runs at most once a period,
and still drops them when it runs."""

from __future__ import annotations

import asyncio

from discord.http import HTTPClient

from bot.pacing import throttle_bucket_sweep


def fill_then_idle(http: HTTPClient, count: int) -> None:
    for number in range(count):
        http.get_ratelimit(f"POST /channels/{number}/messages")
    for bucket in http._buckets.values():
        bucket._last_request -= 600  # untouched for ten minutes: idle


async def test_the_walk_for_idle_buckets_runs_once_a_period() -> None:
    loop = asyncio.get_running_loop()
    plain = HTTPClient(loop)
    fill_then_idle(plain, 300)
    plain.get_ratelimit("another")
    assert len(plain._buckets) == 1  # discord.py's own walk drops the 300 idle buckets

    throttled = HTTPClient(loop)
    throttle_bucket_sweep(throttled, every=3600)
    fill_then_idle(throttled, 300)  # the walk ran once, at the 256th bucket
    throttled.get_ratelimit("another")
    assert len(throttled._buckets) == 301  # not again within the period

    every_time = HTTPClient(loop)
    throttle_bucket_sweep(every_time, every=0)
    fill_then_idle(every_time, 300)
    every_time.get_ratelimit("another")
    assert len(every_time._buckets) == 1  # once the period is over, it walks and drops
    await plain.close()
    await throttled.close()
    await every_time.close()
