"""Per-request DataLoaders: every relation of the graph is one batched read per tree level.

A loader is made fresh for each request: shared across requests it would leak one member's
data to another and bind to the wrong event loop.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member
from domain.order import Order, OrderEvent, OrderItem
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

    @cached_property
    def product(self) -> DataLoader[int, Product | None]:
        return DataLoader(_one_each(self._store.products_by_ids, lambda p: p.id))

    @cached_property
    def member(self) -> DataLoader[str, Member | None]:
        loader: DataLoader[str, Member | None] = DataLoader(
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
    def items(self) -> DataLoader[UUID, list[OrderItem]]:
        return DataLoader(_many_each(self._store.items_by_order_ids, lambda i: i.order_id))

    @cached_property
    def history(self) -> DataLoader[UUID, list[OrderEvent]]:
        return DataLoader(_many_each(self._store.history_by_order_ids, lambda e: e.order_id))

    @cached_property
    def payment(self) -> DataLoader[UUID, Payment | None]:
        return DataLoader(_one_each(self._store.payments_by_order_ids, lambda p: p.order_id))

    @cached_property
    def payment_events(self) -> DataLoader[UUID, list[PaymentEvent]]:
        return DataLoader(_many_each(self._store.payment_events_by_order_ids, lambda e: e.order_id))

    @cached_property
    def delivery(self) -> DataLoader[UUID, Delivery | None]:
        return DataLoader(_one_each(self._store.deliveries_by_order_ids, lambda d: d.order_id))

    @cached_property
    def delivery_events(self) -> DataLoader[UUID, list[DeliveryEvent]]:
        return DataLoader(
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


def now_or_later(loader: DataLoader[K, V], key: K, shape: Callable[[V], R]) -> R | Awaitable[R]:
    """The shaped value at once when this request has loaded it already (the resolver stays
    synchronous: no task, no await), or an awaitable that loads it through the batch.

    `DataLoader.load` answers a key it holds with the future it cached, already done; a key
    it does not hold joins the next batch."""
    future = loader.load(key)
    if not isinstance(future, asyncio.Future) or not future.done() or future.cancelled():
        return _later(future, shape)
    if future.exception() is not None:
        return _later(future, shape)  # raises it where the field awaits
    return shape(future.result())


async def _later(future: Awaitable[V], shape: Callable[[V], R]) -> R:
    return shape(await future)
