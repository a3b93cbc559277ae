"""The response store on the real Redis and in memory: filed by tag, dropped by tag, bounded,
and never storing an answer read before a drop of what it holds."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisError

from domain.answers import AnswerStore
from infrastructure.response_cache.memory_store import MemoryAnswerStore
from infrastructure.response_cache.redis_store import RedisAnswerStore
from infrastructure.response_cache.store import Bounds
from tests.conftest import REDIS_URL

BOUNDS = Bounds(entries=3, entry_bytes=1024)


@pytest.fixture(params=["redis", "memory"])
async def store(request: pytest.FixtureRequest, cache_prefix: str) -> AsyncIterator[AnswerStore]:
    built: AnswerStore
    if request.param == "redis":
        built = RedisAnswerStore(
            REDIS_URL, f"{cache_prefix}-responses-{secrets.token_hex(3)}", BOUNDS
        )
    else:
        built = MemoryAnswerStore(BOUNDS)
    yield built
    await built.close()


async def _store(store: AnswerStore, key: str, body: bytes, tags: list[str]) -> bool:
    looked = await store.lookup(key)
    assert looked is not None
    return await store.put(key, body, max_age=60, tags=tags, since=looked.mark)


async def _body(store: AnswerStore, key: str) -> bytes | None:
    looked = await store.lookup(key)
    assert looked is not None
    return looked.cached.body if looked.cached else None


async def test_an_answer_is_kept_with_its_age_and_dropped_by_any_of_its_tags(
    store: AnswerStore,
) -> None:
    assert await _store(store, "a", '{"data":{"title":"소년이 온다"}}'.encode(), ["order:1", "x"])
    assert await _store(store, "b", b"b", ["order:2"])
    looked = await store.lookup("a")
    assert looked is not None
    assert looked.cached is not None
    assert looked.cached.body == '{"data":{"title":"소년이 온다"}}'.encode()
    assert 0 <= looked.now_ms - looked.cached.stored_at_ms < 60_000

    assert await store.invalidate(["order:1", "nothing"]) == 1
    assert await _body(store, "a") is None
    assert await _body(store, "b") == b"b"
    assert await store.invalidate(["order:1"]) == 0  # again: nothing left to drop


async def test_an_answer_read_before_a_drop_of_its_tags_is_not_stored(
    store: AnswerStore,
) -> None:
    """The read began, the change committed and its event dropped the tag, then the read
    ended: what it read may be from before the change."""
    before = await store.lookup("page")
    assert before is not None
    await store.invalidate(["order:1"])
    kept = await store.put("page", b"old", max_age=60, tags=["order:1"], since=before.mark)
    assert not kept
    assert await _body(store, "page") is None
    # a read that began after the drop is kept
    assert await _store(store, "page", b"new", ["order:1"])
    assert await _body(store, "page") == b"new"


async def test_the_bound_evicts_the_oldest_and_refuses_what_is_too_large(
    store: AnswerStore,
) -> None:
    for key in ("1", "2", "3", "4"):
        assert await _store(store, key, key.encode(), [f"order:{key}"])
    assert [await _body(store, key) for key in ("1", "2", "3", "4")] == [None, b"2", b"3", b"4"]
    assert not await _store(store, "big", b"x" * (BOUNDS.entry_bytes + 1), ["order:big"])
    assert await _body(store, "big") is None


async def test_an_unreachable_redis_answers_nothing_stores_nothing_and_raises_on_a_drop() -> None:
    store = RedisAnswerStore("redis://127.0.0.1:1/0", "nowhere", BOUNDS)
    try:
        assert await store.lookup("a") is None
        assert not await store.put("a", b"a", max_age=60, tags=["t"], since=0)
        with pytest.raises(RedisError):
            await store.invalidate(["t"])
    finally:
        await store.close()
