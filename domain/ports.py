"""What the use cases and resolvers need from the outside world, as protocols.

Infrastructure implements these; nothing in `domain`, `schema` or `resolvers` names an adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member, Viewer
from domain.order import Order, OrderEvent, OrderItem
from domain.paging import OrderCriteria, OrderPosition, Page
from domain.payment import Payment


class ReadStore(Protocol):
    """Batched reads: every method is one round trip whatever the number of keys."""

    async def products_by_ids(self, ids: Sequence[int]) -> list[Product]: ...

    async def product_id_by_isbn(self, isbn: str) -> int | None: ...

    async def product_id_page(
        self, *, first: int, after: int | None, search: str | None
    ) -> Page[int]: ...

    async def count_products(self, *, search: str | None) -> int: ...

    async def members_by_ids(self, ids: Sequence[str]) -> list[Member]: ...

    async def order_page(
        self, criteria: OrderCriteria, *, first: int, after: OrderPosition | None
    ) -> Page[Order]: ...

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

    async def payments_by_order_ids(self, ids: Sequence[UUID]) -> list[Payment]: ...

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
