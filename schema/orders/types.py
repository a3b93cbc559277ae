"""Orders as the API shows them: lines, payment, delivery and history through DataLoaders;
pages of orders, and the member's edges to its orders and to its points (적립금), whose entries
name their orders."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types import Info

from domain.delivery import Delivery, DeliveryEvent
from domain.order import Order, OrderEvent, OrderItem
from domain.paging import OrderCriteria, Page
from domain.payment import Payment
from domain.points import PointsEntry
from domain.status import OrderStatus
from resolvers.common.context import Context
from resolvers.common.cursors import order_cursor, points_entry_cursor
from resolvers.common.ids import to_global_id
from resolvers.common.loaders import MemberOrdersKey, now_or_later
from resolvers.members.points import points_balance, points_entries
from resolvers.orders.actions import order_actions
from resolvers.orders.preload import Preload, Preloads
from resolvers.orders.reads import OrderListing, list_orders, member_orders
from resolvers.orders.timeline import order_timeline
from schema.catalogue.types import ProductType, book_of_line
from schema.common.selections import Selected, fields_of, graphql_name, selected_at
from schema.common.types import MoneyType, Node, PageInfo
from schema.members.types import MemberType
from schema.orders.actions import AvailableActionType
from schema.orders.order_return import OrderReturnType
from schema.orders.registered import (
    AddressType,
    CancelReasonEnum,
    DeliveryStatusEnum,
    OrderStatusEnum,
    PaymentStatusEnum,
    PointsReasonEnum,
)
from schema.orders.timeline import TimelineEntryType


@strawberry.type(name="OrderItem")
class OrderItemType:
    """A line as the API shows it. What is worked out from the line (its total, its list price,
    its points) is worked out when a query asks for it: a page that shows the unit price only
    built three Money objects and the line's pricing for each line."""

    id: strawberry.ID
    quantity: int
    unit_price: MoneyType = strawberry.field(
        description="Price per unit when the order was placed; later price changes do not touch it."
    )

    @strawberry.field
    def line_total(self) -> MoneyType:
        return MoneyType.from_domain(self.item.line_total)

    @strawberry.field(
        description="정가, the list price of one copy when the order was placed; `unitPrice` is "
        "the sale price (판매가), at most 10 % below it (도서정가제)."
    )
    def list_price(self) -> MoneyType:
        return MoneyType.from_domain(self.item.list_price)

    discount_rate: int = strawberry.field(
        description="The discount off the list price when the order was placed, in basis "
        "points (1000 = 10 %)."
    )
    points_rate: int = strawberry.field(
        description="The points rate when the order was placed, in basis points of the list price."
    )

    @strawberry.field(
        description="The points this line earns once the order is delivered (per copy, rounded "
        "down to the won, times the quantity)."
    )
    def points(self) -> int:
        return self.item.priced.points

    item: strawberry.Private[OrderItem]

    @classmethod
    def from_domain(cls, item: OrderItem) -> OrderItemType:
        return cls(
            id=strawberry.ID(str(item.id)),
            quantity=item.quantity,
            unit_price=MoneyType.from_domain(item.unit_price),
            discount_rate=item.rates.discount,
            points_rate=item.rates.points,
            item=item,
        )

    @property
    def product_id(self) -> int:
        return self.item.product_id

    product = strawberry.field(resolver=book_of_line, graphql_type=ProductType)


@strawberry.type(name="Payment")
class PaymentType:
    id: strawberry.ID
    status: PaymentStatusEnum
    amount: MoneyType
    transaction_id: str | None
    attempts: int
    approved_at: datetime | None

    @classmethod
    def from_domain(cls, payment: Payment) -> PaymentType:
        return cls(
            id=strawberry.ID(str(payment.id)),
            status=payment.status,
            amount=MoneyType.from_domain(payment.amount),
            transaction_id=payment.transaction_id,
            attempts=payment.attempts,
            approved_at=payment.approved_at,
        )


@strawberry.type(name="DeliveryEvent")
class DeliveryEventType:
    status: DeliveryStatusEnum
    location: str | None
    occurred_at: datetime
    scan: str | None = strawberry.field(
        description=(
            "The carrier's own name for the scan, as its tracking page shows it (CJ대한통운: "
            "집화처리, 간선상차, 간선하차, 배송출발, 배달완료); null for events the service "
            "records itself (the parcel registered or cancelled)."
        )
    )

    @classmethod
    def from_domain(cls, event: DeliveryEvent) -> DeliveryEventType:
        return cls(
            status=event.status,
            location=event.location,
            occurred_at=event.occurred_at,
            scan=event.scan,
        )


@strawberry.type(name="Delivery")
class DeliveryType:
    id: strawberry.ID
    status: DeliveryStatusEnum
    carrier: str
    tracking_number: str | None
    delivery_id: strawberry.Private[UUID]

    @classmethod
    def from_domain(cls, delivery: Delivery) -> DeliveryType:
        return cls(
            id=strawberry.ID(str(delivery.id)),
            status=delivery.status,
            carrier=delivery.carrier,
            tracking_number=delivery.tracking_number,
            delivery_id=delivery.id,
        )

    @strawberry.field(graphql_type=list[DeliveryEventType])
    def events(
        self, info: Info[Context, None]
    ) -> list[DeliveryEventType] | Awaitable[list[DeliveryEventType]]:
        return now_or_later(
            info.context.loaders.delivery_events,
            self.delivery_id,
            lambda events: [DeliveryEventType.from_domain(e) for e in events],
        )


@strawberry.type(name="OrderEvent")
class OrderEventType:
    status: OrderStatusEnum
    occurred_at: datetime
    message: str | None

    @classmethod
    def from_domain(cls, event: OrderEvent) -> OrderEventType:
        return cls(status=event.status, occurred_at=event.occurred_at, message=event.message)


def _won(amount: int, order: Order) -> MoneyType:
    return MoneyType(amount=amount, currency=order.total.currency)


@strawberry.type(name="Order")
class OrderType(Node):
    """An order as the API shows it. Its subtotal, shipping fee and the card's amount are
    worked out when a query asks for them (a page that shows the total only built three Money
    objects and the order's money twice for each order)."""

    id: strawberry.ID
    number: str = strawberry.field(description="Human-readable order number shown to customers.")
    status: OrderStatusEnum
    cancel_reason: CancelReasonEnum | None
    total: MoneyType = strawberry.field(
        description="The amount due: the lines at their sale prices plus the shipping fee."
    )

    @strawberry.field(description="The lines at their sale prices.")
    def subtotal(self) -> MoneyType:
        return _won(self.order.money.subtotal, self.order)

    @strawberry.field(
        description="0 from ORDERS_FREE_SHIPPING_THRESHOLD of sale prices, else the fee."
    )
    def shipping_fee(self) -> MoneyType:
        return _won(self.order.shipping_fee, self.order)

    points_used: int = strawberry.field(description="Points (적립금) that pay part of the total.")

    @strawberry.field(description="What the card pays: the total less the points used.")
    def amount_charged(self) -> MoneyType:
        return _won(self.order.money.card, self.order)

    points_to_earn: int = strawberry.field(
        description="Points the order earns once delivered (not before)."
    )
    shipping_address: AddressType
    created_at: datetime
    updated_at: datetime
    order: strawberry.Private[Order]
    history_so_far: strawberry.Private[list[OrderEvent] | None] = None
    """Set when this is the order as it was at a past change: its history up to that change."""

    @classmethod
    def from_domain(cls, order: Order) -> OrderType:
        return cls(
            id=strawberry.ID(to_global_id("Order", order.id)),
            number=order.number,
            status=order.status,
            cancel_reason=order.cancel_reason,
            total=MoneyType.from_domain(order.total),
            points_used=order.points_used,
            points_to_earn=order.points_to_earn,
            shipping_address=order.shipping_address,
            created_at=order.created_at,
            updated_at=order.updated_at,
            order=order,
        )

    @property
    def order_id(self) -> UUID:
        return self.order.id

    @property
    def member_id(self) -> str:
        return self.order.member_id

    def as_of(self, history: list[OrderEvent]) -> OrderType:
        """This order as it was when it reached the last entry of `history`, its history up to
        there (a subscription pushes each change so)."""
        last = history[-1]
        return dataclasses.replace(
            self,
            status=last.status,
            cancel_reason=self.cancel_reason if last.status is OrderStatus.CANCELLED else None,
            updated_at=last.occurred_at,
            history_so_far=list(history),
        )

    @strawberry.field
    async def member(self, info: Info[Context, None]) -> MemberWithOrders:
        member = await info.context.loaders.member.load(self.member_id)
        if member is None:
            raise LookupError(f"order {self.number} names a member that does not exist")
        return MemberWithOrders.from_domain(member)

    @strawberry.field(graphql_type=list[OrderItemType])
    def items(
        self, info: Info[Context, None]
    ) -> list[OrderItemType] | Awaitable[list[OrderItemType]]:
        return now_or_later(
            info.context.loaders.items,
            self.order_id,
            lambda items: [OrderItemType.from_domain(i) for i in items],
        )

    @strawberry.field(graphql_type=PaymentType | None)
    def payment(
        self, info: Info[Context, None]
    ) -> PaymentType | Awaitable[PaymentType | None] | None:
        return now_or_later(
            info.context.loaders.payment,
            self.order_id,
            lambda payment: PaymentType.from_domain(payment) if payment else None,
        )

    @strawberry.field(graphql_type=DeliveryType | None)
    def delivery(
        self, info: Info[Context, None]
    ) -> DeliveryType | Awaitable[DeliveryType | None] | None:
        return now_or_later(
            info.context.loaders.delivery,
            self.order_id,
            lambda delivery: DeliveryType.from_domain(delivery) if delivery else None,
        )

    @strawberry.field(
        description="Added (issue #14). Cancel, cancel lines, change the address, return: "
        "each, whether its mutation accepts it now, and why not (the same rule decides both)."
    )
    async def available_actions(self, info: Info[Context, None]) -> list[AvailableActionType]:
        found = await order_actions(info.context, self.order_id, self.status)
        return [AvailableActionType.from_domain(availability) for availability in found]

    @strawberry.field(
        graphql_type=list[OrderReturnType],
        description="Added (issue #14). Its returns (반품), in the order they were asked for.",
    )
    def returns(
        self, info: Info[Context, None]
    ) -> list[OrderReturnType] | Awaitable[list[OrderReturnType]]:
        return now_or_later(
            info.context.loaders.returns,
            self.order_id,
            lambda found: [OrderReturnType.from_domain(r) for r in found],
        )

    @strawberry.field(
        description="Added (issue #14). The order's history, its payment's events and its "
        "parcel's scans in one list, oldest first, each with a message in Korean."
    )
    async def timeline(self, info: Info[Context, None]) -> list[TimelineEntryType]:
        found = await order_timeline(info.context, self.order_id, self.cancel_reason)
        return [TimelineEntryType.from_domain(entry) for entry in found]

    @strawberry.field(
        graphql_type=list[OrderEventType],
        description="Every status the order went through, oldest first.",
    )
    def history(
        self, info: Info[Context, None]
    ) -> list[OrderEventType] | Awaitable[list[OrderEventType]]:
        if self.history_so_far is not None:
            return [OrderEventType.from_domain(e) for e in self.history_so_far]
        return now_or_later(
            info.context.loaders.history,
            self.order_id,
            lambda events: [OrderEventType.from_domain(e) for e in events],
        )


@strawberry.type
class OrderEdge:
    cursor: str
    node: OrderType


def order_edges(page: Page[Order], after: str | None) -> tuple[list[OrderEdge], PageInfo]:
    """A page of orders as a connection's edges, each cursored by (created_at, id)."""
    edges = [
        OrderEdge(cursor=order_cursor(o.created_at, o.id), node=OrderType.from_domain(o))
        for o in page.items
    ]
    return edges, PageInfo.of([e.cursor for e in edges], has_next=page.has_next, after=after)


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    criteria: strawberry.Private[OrderCriteria]
    member_key: strawberry.Private[MemberOrdersKey | None] = None

    @classmethod
    def from_listing(cls, listing: OrderListing) -> OrderConnection:
        edges, page_info = order_edges(listing.page, listing.after)
        return cls(
            edges=edges,
            page_info=page_info,
            criteria=listing.criteria,
            member_key=listing.member_key,
        )

    @strawberry.field
    async def total_count(self, info: Info[Context, None]) -> int:
        if self.member_key is not None:
            return await info.context.loaders.member_order_count.load(self.member_key)
        return await info.context.store.count_orders(self.criteria)


@strawberry.input
class OrderFilter:
    status: list[OrderStatusEnum] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Staff only.")

    def values(self) -> OrderCriteria:
        """The filter as asked: `member_id` as the client gave it (an id to check, or None for
        none given); the resolver decides whose orders are listed."""
        return OrderCriteria(
            member_id=self.member_id,
            statuses=tuple(self.status or ()),
            created_after=self.created_after,
            created_before=self.created_before,
        )


async def order_connection(
    root: MemberWithOrders | None,
    info: Info[Context, None],
    first: int | None = 20,
    after: str | None = None,
    filter: OrderFilter | None = None,
) -> OrderConnection:
    """`orders(first, after, filter)`: every order the viewer may see (`Query.orders`), or one
    member's (`Member.orders`)."""
    below = order_preloads(info, "*", "edges", "node")
    wanted = filter.values() if filter is not None else None
    if isinstance(root, MemberWithOrders):
        listing = await member_orders(info.context, root.member_id, first, after, wanted, below)
    else:
        listing = await list_orders(info.context, first, after, wanted, below)
    return OrderConnection.from_listing(listing)


# A member's points (적립금): the balance and the ledger's entries, newest first. Here beside the
# Member and the Order, as an entry names its order and the member holds its points.


@strawberry.type(name="PointsEntry")
class PointsEntryType:
    amount: int = strawberry.field(
        description="Positive when points come in (EARNED, RETURNED), negative when they go "
        "(SPENT, TAKEN_BACK)."
    )
    reason: PointsReasonEnum
    occurred_at: datetime
    order_id: strawberry.Private[UUID]

    @classmethod
    def from_domain(cls, entry: PointsEntry) -> PointsEntryType:
        assert entry.at is not None, "an entry read from the ledger was written"
        return cls(
            amount=entry.amount,
            reason=entry.reason,
            occurred_at=entry.at,
            order_id=entry.order_id,
        )

    @strawberry.field(description="The order the entry is about.")
    async def order(self, info: Info[Context, None]) -> OrderType:
        order = await info.context.loaders.order.load(self.order_id)
        if order is None:
            raise LookupError(f"a points entry names order {self.order_id}, which does not exist")
        return OrderType.from_domain(order)


def _cursor(entry: PointsEntry) -> str:
    assert entry.id is not None, "an entry read from the ledger has its place"
    return points_entry_cursor(entry.id)


@strawberry.type
class PointsEntryEdge:
    cursor: str
    node: PointsEntryType


@strawberry.type
class PointsEntryConnection:
    edges: list[PointsEntryEdge]
    page_info: PageInfo


@strawberry.type(name="MemberPoints")
class MemberPointsType:
    member_id: strawberry.Private[str]

    @strawberry.field(description="The sum of the entries: the points the member may spend.")
    async def balance(self, info: Info[Context, None]) -> int:
        return await points_balance(info.context, self.member_id)

    @strawberry.field(description="The ledger, newest entry first; first is capped at 100.")
    async def entries(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> PointsEntryConnection:
        listing = await points_entries(info.context, self.member_id, first, after)
        edges = [
            PointsEntryEdge(cursor=_cursor(entry), node=PointsEntryType.from_domain(entry))
            for entry in listing.entries
        ]
        return PointsEntryConnection(
            edges=edges,
            page_info=PageInfo.of(
                [e.cursor for e in edges], has_next=listing.has_next, after=listing.after
            ),
        )


@strawberry.type(name="Member")
class MemberWithOrders(MemberType):
    """The Member of the graph: the member, and its orders (an edge of the orders feature, so
    that the two features' modules import one way)."""

    orders: OrderConnection = strawberry.field(resolver=order_connection)

    @strawberry.field(
        description="Added (issue 17). The member's points (적립금): its balance and ledger."
    )
    def points(self) -> MemberPointsType:
        return MemberPointsType(member_id=self.member_id)


LookAhead = Mapping[Callable[..., object], tuple[type, Preload, "LookAhead"]]
"""A field (its resolver, on the type that owns it) → what a page loads for it at its root,
and the look-ahead of the fields below it."""

ORDER_LOOK_AHEAD: LookAhead = {
    OrderType.items: (
        OrderType,
        Preload.ITEMS,
        {book_of_line: (OrderItemType, Preload.ITEM_PRODUCTS, {})},
    ),
    OrderType.payment: (OrderType, Preload.PAYMENT, {}),
    OrderType.delivery: (
        OrderType,
        Preload.DELIVERY,
        {DeliveryType.events: (DeliveryType, Preload.DELIVERY_EVENTS, {})},
    ),
    OrderType.history: (OrderType, Preload.HISTORY, {}),
    OrderType.member: (OrderType, Preload.MEMBER, {}),
}
"""Keyed on the fields' own definitions, so that renaming a field renames what is looked for
(a name written here would silently stop matching)."""


def _wanted(converter: NameConverter, selected: Selected, ahead: LookAhead) -> set[Preload]:
    wanted: set[Preload] = set()
    for resolver, (owner, preload, below) in ahead.items():
        name = graphql_name(converter, owner, resolver)
        if name in selected:
            wanted.add(preload)
            wanted |= _wanted(converter, fields_of(selected[name]), below)
    return wanted


def order_preloads(info: Info[Context, None], *path: str) -> Preloads:
    """What to load at the root for the orders found at `path` below the current field."""
    converter = info.schema.config.name_converter
    return frozenset(_wanted(converter, selected_at(info, *path), ORDER_LOOK_AHEAD))
