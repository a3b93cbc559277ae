"""Per-request DataLoaders: every relation of the graph is one batched read per tree level.

A loader is made fresh for each request: shared across requests it would leak one member's
data to another and bind to the wrong event loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member
from domain.order import Order, OrderEvent, OrderItem
from domain.paging import OrderCriteria, OrderPosition, Page
from domain.payment import Payment
from domain.ports import ReadStore

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
    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self.product: DataLoader[int, Product | None] = DataLoader(
            _one_each(store.products_by_ids, lambda p: p.id)
        )
        self.member: DataLoader[str, Member | None] = DataLoader(
            _one_each(store.members_by_ids, lambda m: m.id)
        )
        self.order: DataLoader[UUID, Order | None] = DataLoader(
            _one_each(store.orders_by_ids, lambda o: o.id)
        )
        self.items: DataLoader[UUID, list[OrderItem]] = DataLoader(
            _many_each(store.items_by_order_ids, lambda i: i.order_id)
        )
        self.history: DataLoader[UUID, list[OrderEvent]] = DataLoader(
            _many_each(store.history_by_order_ids, lambda e: e.order_id)
        )
        self.payment: DataLoader[UUID, Payment | None] = DataLoader(
            _one_each(store.payments_by_order_ids, lambda p: p.order_id)
        )
        self.delivery: DataLoader[UUID, Delivery | None] = DataLoader(
            _one_each(store.deliveries_by_order_ids, lambda d: d.order_id)
        )
        self.delivery_events: DataLoader[UUID, list[DeliveryEvent]] = DataLoader(
            _many_each(store.delivery_events_by_delivery_ids, lambda e: e.delivery_id)
        )
        self.member_orders: DataLoader[MemberOrdersKey, Page[Order]] = DataLoader(
            self._load_member_orders
        )
        self.member_order_count: DataLoader[MemberOrdersKey, int] = DataLoader(
            self._count_member_orders
        )

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


def now_or_later(loader: DataLoader[K, V], key: K, shape: Callable[[V], R]) -> R | Awaitable[R]:
    """The shaped value at once when this request has loaded it already (the resolver stays
    synchronous: no task, no await), or an awaitable that loads it through the batch."""
    future = loader.cache_map.get(key)
    done = future is not None and future.done() and not future.cancelled()
    if done and future is not None and future.exception() is None:
        return shape(future.result())
    return _later(loader, key, shape)


async def _later(loader: DataLoader[K, V], key: K, shape: Callable[[V], R]) -> R:
    return shape(await loader.load(key))
