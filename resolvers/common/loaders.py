"""Per-request DataLoaders: every relation of the graph is one batched read per tree level.

A loader is made fresh for each request: shared across requests it would leak one member's
data to another and bind to the wrong event loop.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader, DefaultCache

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member
from domain.order import Order, OrderEvent, OrderItem
from domain.order_return import OrderReturn, ReturnScan
from domain.paging import OrderCriteria, OrderPosition, Page
from domain.payment import Payment, PaymentEvent
from resolvers.ports import ReadStore

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one_each(
    fetch: Callable[[Sequence[K]], Awaitable[list[V]]], key_of: Callable[[V], K]
) -> Callable[[list[K]], Awaitable[list[V | None]]]:
    async def load(keys: list[K]) -> list[V | None]:
        by_key = {key_of(value): value for value in await fetch(keys)}
        return [by_key.get(key) for key in keys]

    return load


def _many_each(
    fetch: Callable[[Sequence[K]], Awaitable[list[V]]], key_of: Callable[[V], K]
) -> Callable[[list[K]], Awaitable[list[list[V]]]]:
    async def load(keys: list[K]) -> list[list[V]]:
        grouped: dict[K, list[V]] = defaultdict(list)
        for value in await fetch(keys):
            grouped[key_of(value)].append(value)
        return [grouped.get(key, []) for key in keys]

    return load


class AheadLoader(DataLoader[K, V]):
    """A DataLoader that also holds the values a page's look-ahead loaded for its fields, by key.
    The look-ahead loads them in one call of the batch function (`load_ahead`), and a field
    reads its value from there without a future: through `load_many`, a page of 50 orders made
    about 420 futures, each with its callbacks and its turn of the event loop, for values that
    were all there by the time the fields resolved."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        super().__init__(fetch)
        self._fetch = fetch
        self.ahead: dict[K, V] = {}
        assert isinstance(self.cache_map, DefaultCache)
        self._futures = self.cache_map.cache_map
        """The futures `load` cached, by key (the default cache's own dict: keys as they are)."""

    async def load_ahead(self, keys: Iterable[K]) -> list[V]:
        """The values of `keys`, those not held yet (ahead, or loaded through a future) in one
        batch. The futures are looked at only when `load` made some: on a page's first
        look-ahead there are none (three calls a key saved, about 1,000 on a page of 50 nested
        orders)."""
        keys = list(keys)
        ahead = self.ahead
        missing = [key for key in dict.fromkeys(keys) if key not in ahead]
        if self._futures:
            missing = [key for key in missing if not self._loaded(key)]
        if missing:
            ahead.update(zip(missing, await self._fetch(missing), strict=True))
        return [ahead[key] for key in keys]

    def _loaded(self, key: K) -> bool:
        """Whether `load` has the key's value already: then it is held ahead from now on."""
        future = self._futures.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return False
        self.ahead[key] = future.result()
        return True

    def load(self, key: K) -> Awaitable[V]:
        if key in self.ahead:
            future: asyncio.Future[V] = self.loop.create_future()
            future.set_result(self.ahead[key])
            return future
        return super().load(key)


@dataclass(frozen=True, slots=True)
class OrderPaging:
    criteria: OrderCriteria
    first: int
    after: OrderPosition | None


@dataclass(frozen=True, slots=True)
class MemberOrdersKey:
    """One member's page of orders; keys with the same paging batch into one statement."""

    member_id: str
    paging: OrderPaging


class Loaders:
    """Each loader is made on first use: a mutation or a product page needs one or two."""

    def __init__(self, store: ReadStore, viewer: Member | None = None) -> None:
        self._store = store
        self._viewer = viewer
        self.products_read: set[int] = set()
        """Every book this request read (all go through `product`): an answer that shows
        stock is filed under each one's stock (`schema/response_cache/extension.py`)."""

    @cached_property
    def product(self) -> AheadLoader[int, Product | None]:
        async def fetch(ids: Sequence[int]) -> list[Product]:
            self.products_read.update(ids)
            return await self._store.products_by_ids(ids)

        return AheadLoader(_one_each(fetch, lambda p: p.id))

    @cached_property
    def member(self) -> AheadLoader[str, Member | None]:
        loader: AheadLoader[str, Member | None] = AheadLoader(
            _one_each(self._store.members_by_ids, lambda m: m.id)
        )
        if self._viewer is not None:  # the signed-in member is known without a statement
            loader.prime(self._viewer.id, self._viewer)
        return loader

    @cached_property
    def points_balance(self) -> DataLoader[str, int]:
        async def load(member_ids: list[str]) -> list[int]:
            balances = await self._store.points_balances(member_ids)
            return [balances[member_id] for member_id in member_ids]

        return DataLoader(load)

    @cached_property
    def order(self) -> DataLoader[UUID, Order | None]:
        return DataLoader(_one_each(self._store.orders_by_ids, lambda o: o.id))

    @cached_property
    def items(self) -> AheadLoader[UUID, list[OrderItem]]:
        return AheadLoader(_many_each(self._store.items_by_order_ids, lambda i: i.order_id))

    @cached_property
    def history(self) -> AheadLoader[UUID, list[OrderEvent]]:
        return AheadLoader(_many_each(self._store.history_by_order_ids, lambda e: e.order_id))

    @cached_property
    def payment(self) -> AheadLoader[UUID, Payment | None]:
        return AheadLoader(_one_each(self._store.payments_by_order_ids, lambda p: p.order_id))

    @cached_property
    def payment_events(self) -> DataLoader[UUID, list[PaymentEvent]]:
        return DataLoader(_many_each(self._store.payment_events_by_order_ids, lambda e: e.order_id))

    @cached_property
    def return_scans(self) -> DataLoader[UUID, list[ReturnScan]]:
        return DataLoader(_many_each(self._store.return_scans_by_order_ids, lambda s: s.order_id))

    @cached_property
    def returns(self) -> AheadLoader[UUID, list[OrderReturn]]:
        return AheadLoader(_many_each(self._store.returns_by_order_ids, lambda r: r.order_id))

    @cached_property
    def delivery(self) -> AheadLoader[UUID, Delivery | None]:
        return AheadLoader(_one_each(self._store.deliveries_by_order_ids, lambda d: d.order_id))

    @cached_property
    def delivery_events(self) -> AheadLoader[UUID, list[DeliveryEvent]]:
        return AheadLoader(
            _many_each(self._store.delivery_events_by_delivery_ids, lambda e: e.delivery_id)
        )

    @cached_property
    def member_orders(self) -> DataLoader[MemberOrdersKey, Page[Order]]:
        return DataLoader(self._load_member_orders)

    @cached_property
    def member_order_count(self) -> DataLoader[MemberOrdersKey, int]:
        return DataLoader(self._count_member_orders)

    async def _load_member_orders(self, keys: list[MemberOrdersKey]) -> list[Page[Order]]:
        groups: dict[OrderPaging, list[str]] = defaultdict(list)
        for key in keys:
            groups[key.paging].append(key.member_id)
        pages: dict[MemberOrdersKey, Page[Order]] = {}
        for paging, member_ids in groups.items():
            found = await self._store.member_order_pages(
                paging.criteria, member_ids, first=paging.first, after=paging.after
            )
            for member_id, page in found.items():
                pages[MemberOrdersKey(member_id, paging)] = page
        return [pages[key] for key in keys]

    async def _count_member_orders(self, keys: list[MemberOrdersKey]) -> list[int]:
        groups: dict[OrderCriteria, list[str]] = defaultdict(list)
        for key in keys:
            groups[key.paging.criteria].append(key.member_id)
        counts: dict[tuple[str, OrderCriteria], int] = {}
        for criteria, member_ids in groups.items():
            found = await self._store.count_member_orders(criteria, member_ids)
            for member_id, count in found.items():
                counts[(member_id, criteria)] = count
        return [counts[(key.member_id, key.paging.criteria)] for key in keys]


R = TypeVar("R")


def now_or_later(loader: AheadLoader[K, V], key: K, shape: Callable[[V], R]) -> R | Awaitable[R]:
    """The shaped value at once when this request has loaded it already (the resolver stays
    synchronous: no task, no await), or an awaitable that loads it through the batch.

    A key loaded ahead is read from there; `DataLoader.load` answers a key it holds with the
    future it cached, already done; a key it does not hold joins the next batch."""
    if key in loader.ahead:
        return shape(loader.ahead[key])
    future = loader.load(key)
    if not isinstance(future, asyncio.Future) or not future.done() or future.cancelled():
        return _later(future, shape)
    if future.exception() is not None:
        return _later(future, shape)  # raises it where the field awaits
    return shape(future.result())


async def _later(future: Awaitable[V], shape: Callable[[V], R]) -> R:
    return shape(await future)
