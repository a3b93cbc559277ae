"""What the API needs from the outside world, as protocols: batched reads, who a token
stands for, rate limits, the status feed of subscriptions, metrics. The domain never calls
these (its own ports are `domain/ports.py`); infrastructure implements them, and nothing in
`schema` or `resolvers` names an adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member, Viewer
from domain.order import Order, OrderEvent, OrderItem, OrderSnapshot
from domain.order_return import OrderReturn, ReturnScan
from domain.order_search import OrderSearch
from domain.paging import OrderCriteria, OrderPosition, Page
from domain.payment import Payment, PaymentEvent
from domain.points import PointsEntry


class ReadStore(Protocol):
    """Batched reads: every method is one round trip whatever the number of keys."""

    async def products_by_ids(self, ids: Sequence[int]) -> list[Product]: ...

    async def product_id_by_isbn(self, isbn: str) -> int | None: ...

    async def product_id_page(
        self, *, first: int, after: int | None, search: str | None
    ) -> Page[int]: ...

    async def count_products(self, *, search: str | None) -> int: ...

    async def members_by_ids(self, ids: Sequence[str]) -> list[Member]: ...

    async def points_balances(self, member_ids: Sequence[str]) -> dict[str, int]:
        """Each member's points balance, the sum of its ledger (0 for a member with none)."""
        ...

    async def points_entry_page(
        self, member_id: str, *, first: int, after: int | None
    ) -> Page[PointsEntry]:
        """One member's points entries, newest first, from before the entry `after`."""
        ...

    async def order_page(
        self, criteria: OrderCriteria, *, first: int, after: OrderPosition | None
    ) -> Page[Order]: ...

    async def search_orders(
        self, search: OrderSearch, *, first: int, after: OrderPosition | None
    ) -> Page[Order]:
        """Customer service's search (domain.order_search), newest first."""
        ...

    async def count_orders(self, criteria: OrderCriteria) -> int: ...

    async def member_order_pages(
        self,
        criteria: OrderCriteria,
        member_ids: Sequence[str],
        *,
        first: int,
        after: OrderPosition | None,
    ) -> dict[str, Page[Order]]: ...

    async def count_member_orders(
        self, criteria: OrderCriteria, member_ids: Sequence[str]
    ) -> dict[str, int]: ...

    async def orders_by_ids(self, ids: Sequence[UUID]) -> list[Order]: ...

    async def items_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderItem]: ...

    async def history_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderEvent]: ...

    async def order_snapshot(self, order_id: UUID, *, after: int) -> OrderSnapshot | None:
        """The order with its history entries past position `after`, in one statement."""
        ...

    async def payments_by_order_ids(self, ids: Sequence[UUID]) -> list[Payment]: ...

    async def payment_events_by_order_ids(self, ids: Sequence[UUID]) -> list[PaymentEvent]:
        """Each order's payment events, oldest first."""
        ...

    async def returns_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderReturn]:
        """Each order's returns, in the order they were asked for."""
        ...

    async def return_scans_by_order_ids(self, ids: Sequence[UUID]) -> list[ReturnScan]:
        """Each order's return parcels' scans, in the order they were reported."""
        ...

    async def deliveries_by_order_ids(self, ids: Sequence[UUID]) -> list[Delivery]: ...

    async def delivery_events_by_delivery_ids(self, ids: Sequence[UUID]) -> list[DeliveryEvent]: ...


class MemberDirectory(Protocol):
    async def remember(self, member: Member) -> None:
        """Create or update the member row from a verified token's claims."""
        ...


class TokenVerifier(Protocol):
    def __call__(self, token: str) -> Viewer:
        """The viewer a token stands for; raises `InvalidToken` when it cannot be trusted."""
        ...


@dataclass(frozen=True, slots=True)
class Bucket:
    """A client's rate-limit bucket after a request took from it."""

    allowed: bool
    available: float
    capacity: int
    restore_rate: float
    retry_after: float = 0.0
    """Seconds until the bucket holds what was asked (0 when it was allowed)."""


class RateLimiter(Protocol):
    """A token bucket of cost points per client, shared by every API process."""

    async def take(self, client: str, cost: int) -> Bucket:
        """Take `cost` points if the bucket holds them; refused otherwise (nothing taken)."""
        ...

    async def give_back(self, client: str, points: int) -> None:
        """Return points taken for cost a request did not use (at the latest with the
        client's next `take`)."""
        ...

    def refused_lately(self, client: str) -> Bucket | None:
        """The client's last refusal in this process while its `retry_after` runs, else None:
        lets a request be refused before any work, without asking the shared bucket."""
        ...

    async def close(self) -> None: ...


class StatusFeed(Protocol):
    """Tells every API process that orders changed status, so their subscribers can push."""

    async def announce(self, order_ids: Sequence[UUID]) -> None:
        """Best effort: a lost announcement is caught up by the subscribers' own checks."""
        ...

    def listen(self, order_id: UUID) -> AbstractAsyncContextManager[asyncio.Event]:
        """An event set whenever the order is announced, for as long as the block runs."""
        ...

    async def close(self) -> None: ...


class ApiMetrics(Protocol):
    def operation_answered(
        self, operation: str, seconds: float, error_codes: list[str]
    ) -> None: ...

    def throttled(self) -> None: ...
