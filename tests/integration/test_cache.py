"""The cache adapter against the real Redis, and against none at all."""

from __future__ import annotations

import time

from infrastructure.cache import create_cache
from tests.conftest import REDIS_URL


async def test_redis_round_trip_of_bytes_with_expiry_and_delete(cache_prefix: str) -> None:
    cache = create_cache(REDIS_URL, f"{cache_prefix}-adapter")
    try:
        await cache.set_many({"a": b"\x00\xff", "b": "한강".encode()}, ttl=60)
        assert await cache.get_many(["a", "b", "missing"]) == [b"\x00\xff", "한강".encode(), None]
        await cache.delete_many(["a"])
        assert await cache.get_many(["a", "b"]) == [None, "한강".encode()]
    finally:
        await cache.close()


async def test_an_unreachable_redis_answers_misses_quickly_without_raising() -> None:
    cache = create_cache("redis://127.0.0.1:1/0", "nowhere")
    try:
        started = time.monotonic()
        assert await cache.get_many(["a", "b"]) == [None, None]
        await cache.set_many({"a": b"1"}, ttl=60)
        await cache.delete_many(["a"])
        # after the first failure the cache is left alone for a cool-down
        assert await cache.get_many(["a"]) == [None]
        assert time.monotonic() - started < 5
    finally:
        await cache.close()


async def test_the_in_memory_backend_behaves_alike() -> None:
    cache = create_cache("memory://", "mem")
    await cache.set_many({"k": b"v"}, ttl=60)
    assert await cache.get_many(["k", "z"]) == [b"v", None]
    await cache.delete_many(["k"])
    assert await cache.get_many(["k"]) == [None]
    await cache.close()
