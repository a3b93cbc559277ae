"""The embedded default's rate limiter, in memory: what it holds is bounded."""

from __future__ import annotations

from infrastructure.rate_limit import MemoryRateLimiter


async def test_a_stream_of_new_clients_pushes_out_the_least_recently_seen() -> None:
    limiter = MemoryRateLimiter(capacity=100, restore_rate=0.001, max_clients=50)
    assert (await limiter.take("first", 100)).allowed
    assert not (await limiter.take("first", 1)).allowed  # its bucket is empty, and remembered

    for n in range(200):
        await limiter.take(f"scan-{n}", 1)

    # forgotten, it starts again from a full bucket: the limiter did not grow with the stream
    assert (await limiter.take("first", 100)).allowed


async def test_a_bucket_refills_at_its_rate_on_the_limiters_clock() -> None:
    now = [1_000.0]
    limiter = MemoryRateLimiter(capacity=100, restore_rate=10.0, clock=lambda: now[0])
    assert (await limiter.take("kim", 100)).allowed

    now[0] += 5.0  # half refilled: 50 points, not 100
    half = await limiter.take("kim", 60)
    assert not half.allowed
    assert half.available == 50

    now[0] += 11.0  # past the time a full refill takes
    assert (await limiter.take("kim", 100)).allowed


async def test_a_refusal_is_remembered_until_its_retry_after_on_the_limiters_clock() -> None:
    now = [1_000.0]
    limiter = MemoryRateLimiter(capacity=10, restore_rate=1.0, clock=lambda: now[0])
    refused = await limiter.take("kim", 20)
    assert not refused.allowed

    now[0] += refused.retry_after / 2
    lately = limiter.refused_lately("kim")
    assert lately is not None
    assert lately.retry_after == refused.retry_after / 2

    now[0] += refused.retry_after
    assert limiter.refused_lately("kim") is None
