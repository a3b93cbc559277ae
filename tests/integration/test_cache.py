"""The cache adapter against the real Redis, and against none at all."""

from __future__ import annotations

from typing import Any

from infrastructure.cache import create_cache
from infrastructure.cache.resilient import ResilientCache
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


class CountedCalls:
    """A cache backend's calls counted on their way to the real one."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._backend, name)
        if name in {"multi_get", "multi_set", "delete", "multi_delete"}:
            self.calls.append(name)
        return attribute


async def test_an_unreachable_redis_answers_misses_without_raising_and_is_left_alone() -> None:
    backend = CountedCalls(create_cache("redis://127.0.0.1:1/0", "nowhere")._backend)
    cache = ResilientCache(backend)
    try:
        assert await cache.get_many(["a", "b"]) == [None, None]
        # after the first failure the cache is left alone for a cool-down: no read, no write
        await cache.set_many({"a": b"1"}, ttl=60)
        assert await cache.get_many(["a"]) == [None]
        assert backend.calls == ["multi_get"]
        # an invalidation is still tried: a stale entry is worse than a wait
        await cache.delete_many(["a"])
        assert len(backend.calls) == 2
    finally:
        await cache.close()


async def test_the_in_memory_backend_behaves_alike() -> None:
    cache = create_cache("memory://", "mem")
    await cache.set_many({"k": b"v"}, ttl=60)
    assert await cache.get_many(["k", "z"]) == [b"v", None]
    await cache.delete_many(["k"])
    assert await cache.get_many(["k"]) == [None]
    await cache.close()
