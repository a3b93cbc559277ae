"""The Redis token bucket: what a request did not use comes back with the client's next one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from infrastructure.rate_limit import RedisRateLimiter
from infrastructure.settings import Settings


@pytest.fixture
async def limiter(settings: Settings) -> AsyncIterator[RedisRateLimiter]:
    prefix = f"{settings.cache_prefix}-limit-{uuid.uuid4().hex[:8]}"
    # a call past the service's 0.5 s lets the request through unmetered: on a machine loaded
    # by two test workers that would pass a request these tests expect refused
    limiter = RedisRateLimiter(
        settings.redis_url, prefix, capacity=1000, restore_rate=0.001, call_timeout=10.0
    )
    try:
        yield limiter
    finally:
        await limiter.close()


async def test_points_given_back_are_there_for_the_next_request(limiter: RedisRateLimiter) -> None:
    first = await limiter.take("member:kim", 600)
    refused = await limiter.take("member:kim", 500)
    await limiter.give_back("member:kim", 300)
    await limiter.give_back("member:lee", 300)  # another client's points are not kim's

    after = await limiter.take("member:kim", 500)

    assert (first.allowed, refused.allowed, after.allowed) == (True, False, True)
    assert first.available == pytest.approx(400, abs=1)
    assert after.available == pytest.approx(200, abs=1)


async def test_points_given_back_count_even_when_the_next_request_is_refused(
    limiter: RedisRateLimiter,
) -> None:
    await limiter.take("member:kim", 900)
    await limiter.give_back("member:kim", 50)

    refused = await limiter.take("member:kim", 500)
    allowed = await limiter.take("member:kim", 150)

    assert (refused.allowed, allowed.allowed) == (False, True)
    assert allowed.available == pytest.approx(0, abs=1)
