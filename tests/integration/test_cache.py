"""The cache adapter against the real Redis, and against none at all."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from domain.catalogue import Product, StockLevel
from domain.money import Money
from domain.pricing import BookRates
from infrastructure.cache import create_cache
from infrastructure.cache.guarded import (
    GuardedCache,
    Marked,
    RedisGuardedCache,
    create_guarded_cache,
)
from infrastructure.cache.products import ProductCache
from infrastructure.cache.resilient import ResilientCache
from tests.conftest import REDIS_URL

ROOMY_TIMEOUT = 10.0
"""Seconds a Redis call may take here: these tests are of the round trip, and the service's
0.5 s would fail them open (a miss, no write) whenever two test workers load the machine."""


async def test_redis_round_trip_of_bytes_with_expiry_and_delete(cache_prefix: str) -> None:
    cache = create_cache(REDIS_URL, f"{cache_prefix}-adapter", ROOMY_TIMEOUT)
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


@pytest.fixture(params=["redis", "memory"])
async def guarded(request: pytest.FixtureRequest, cache_prefix: str) -> AsyncIterator[GuardedCache]:
    url = REDIS_URL if request.param == "redis" else "memory://"
    cache = create_guarded_cache(
        url, f"{cache_prefix}-{request.node.name}", ttl=60, call_timeout=ROOMY_TIMEOUT
    )
    yield cache
    await cache.close()


BOOK = Product(1, "9788936434120", "채식주의자", "한강", None, Money(15_000), StockLevel(3, 0))


async def test_a_cached_book_keeps_its_rates_and_an_entry_of_the_earlier_shape_is_a_miss(
    guarded: GuardedCache,
) -> None:
    books = ProductCache(guarded)
    lawful = dataclasses.replace(BOOK, id=2, rates=BookRates(discount=1000, points=500))
    earlier_shape = orjson.dumps([3, BOOK.isbn, BOOK.title, "한강", None, 9, "KRW", 1, 0])
    mark = (await guarded.get_many(["product:3"])).mark
    assert mark is not None
    await books.put_many([BOOK, lawful], since=mark)
    await guarded.put_many({"product:3": earlier_shape}, since=mark)

    found, missing, _ = await books.get_many([1, 2, 3])

    assert found == [BOOK, lawful]
    assert missing == [3]


async def test_redis_answers_a_read_of_many_books_as_one_json_array(cache_prefix: str) -> None:
    """redis-py parses a reply element by element in Python: the values come as one string,
    whatever their text (quotes, backslashes, slashes, Korean, an emoji), a missing one false."""
    cache = RedisGuardedCache(REDIS_URL, f"{cache_prefix}-one-array", 60, ROOMY_TIMEOUT)
    books = ProductCache(cache)
    odd = dataclasses.replace(BOOK, id=2, title='"채식주의자" \\ a/b 😀', author="한강 \u2028")
    mark = (await cache.get_many(["product:1"])).mark
    assert mark is not None
    await books.put_many([BOOK, odd], since=mark)
    try:
        values, _ = await cache._get(keys=[f"{cache_prefix}-one-array:product:{i}" for i in (2, 9)])
        assert isinstance(values, bytes)
        assert orjson.loads(values)[1] is False
        found, missing, _ = await books.get_many([2, 9, 1])
        assert found == [odd, BOOK]
        assert missing == [9]
    finally:
        await books.forget([1, 2])
        await cache.close()


async def test_a_book_read_before_it_changed_is_not_written_back_after(
    guarded: GuardedCache,
) -> None:
    """The refill race: a reader misses and reads the database; a writer commits a new stock
    and drops the book; the reader's write-back, arriving last, must not bring the old stock
    back for the entry's whole lifetime."""
    books = ProductCache(guarded)
    _, missing, read_before = await books.get_many([1])
    assert missing == [1]
    assert read_before is not None
    await books.forget([1])

    await books.put_many([BOOK], since=read_before)

    assert (await books.get_many([1]))[1] == [1]
    _, _, read_after = await books.get_many([1])
    assert read_after is not None
    await books.put_many([BOOK], since=read_after)
    assert (await books.get_many([1]))[0] == [BOOK]


async def test_an_unreachable_redis_reads_misses_with_no_mark_and_drops_without_raising() -> None:
    cache = create_guarded_cache("redis://127.0.0.1:1/0", "nowhere", ttl=60)
    try:
        assert await cache.get_many(["a", "b"]) == Marked([None, None], None)
        await cache.drop_many(["a"])
    finally:
        await cache.close()
