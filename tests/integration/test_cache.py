"""The cache adapter against the real Redis, and against none at all."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from domain.catalogue import Product, StockLevel
from domain.money import Money
from domain.pricing import BookRates
from infrastructure.cache import create_cache
from infrastructure.cache.products import ProductCache
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


async def test_a_cached_book_keeps_its_rates_and_an_entry_of_the_earlier_shape_is_a_miss() -> None:
    cache = create_cache("memory://", "books")
    books = ProductCache(cache, ttl=60)
    book = Product(1, "9788936434120", "채식주의자", "한강", None, Money(15_000), StockLevel(3, 0))
    lawful = dataclasses.replace(book, id=2, rates=BookRates(discount=1000, points=500))
    await books.put_many([book, lawful])
    await cache.set_many(
        {"product:3": orjson.dumps([3, book.isbn, book.title, "한강", None, 9, "KRW", 1, 0])},
        ttl=60,
    )

    found, missing = await books.get_many([1, 2, 3])

    assert found == [book, lawful]
    assert missing == [3]
    await cache.close()
