"""The order aggregate: the order, its lines, its history, and how it moves through the status
table (`Order.move_to`, `Order.cancel`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.messages import Event, Message
from domain.money import Money
from domain.pricing import (
    NO_RATES,
    BookPrice,
    BookRates,
    OrderMoney,
    PricedLine,
    ShippingPolicy,
    price_order,
)
from domain.status import CancelReason, OrderStatus, can_transition, transition

ANNOUNCED: dict[OrderStatus, Event] = {
    OrderStatus.STOCK_RESERVED: Event.STOCK_RESERVED,
    OrderStatus.PAID: Event.PAYMENT_APPROVED,
    OrderStatus.CANCELLED: Event.ORDER_CANCELLED,
}
"""The statuses whose entry is a message to the other steps; the others are news to nobody
but the order's history and its subscribers."""


@dataclass(frozen=True, slots=True)
class Address:
    recipient: str
    phone: str
    zip_code: str
    line1: str
    line2: str | None

    def parts(self) -> dict[str, str | None]:
        """The five fields by name, as they travel to a table, a fingerprint or a parcel."""
        return dataclasses.asdict(self)

    @classmethod
    def of(cls, parts: Mapping[str, Any]) -> Address:
        """From whatever holds the five fields by name (a row's mapping, an input)."""
        return cls(**{field.name: parts[field.name] for field in dataclasses.fields(cls)})

    def stripped(self) -> Address:
        """As it is kept: no surrounding blanks, and no empty second line."""
        return Address(
            recipient=self.recipient.strip(),
            phone=self.phone.strip(),
            zip_code=self.zip_code.strip(),
            line1=self.line1.strip(),
            line2=(self.line2 or "").strip() or None,
        )


@dataclass(frozen=True, slots=True)
class OrderItem:
    """An order line, with the book's price as it was when the order was placed."""

    id: int
    order_id: UUID
    product_id: int
    quantity: int
    unit_price: Money
    """The sale price (판매가) of one copy."""
    unit_discount: int = 0
    """How far below the list price the sale price was, in won."""
    rates: BookRates = NO_RATES

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def list_price(self) -> Money:
        return Money(self.unit_price.amount + self.unit_discount, self.unit_price.currency)

    @property
    def priced(self) -> PricedLine:
        return PricedLine(
            self.product_id, self.quantity, BookPrice(self.list_price.amount, self.rates)
        )


def lines_left(items: list[OrderItem], given_back: Mapping[int, int]) -> list[OrderItem]:
    """The order's lines once `given_back` copies of each book are gone; a line with no copy
    left is gone too."""
    shrunk = [
        dataclasses.replace(item, quantity=item.quantity - given_back.get(item.product_id, 0))
        for item in items
    ]
    return [item for item in shrunk if item.quantity > 0]


@dataclass(frozen=True, slots=True)
class Order:
    id: UUID
    number: str
    member_id: str
    status: OrderStatus
    cancel_reason: CancelReason | None
    total: Money
    """The amount due: the lines at their sale prices plus the shipping fee."""
    shipping_address: Address
    created_at: datetime
    updated_at: datetime
    payment_token: str | None = None
    shipping_fee: int = 0
    points_used: int = 0
    points_to_earn: int = 0
    partial_cancellations: int = 0
    """How many numbered parts it has given back, 1 first: partial cancellations (부분취소) and
    received returns (반품) count alike (the name is the first kind's)."""

    @property
    def money(self) -> OrderMoney:
        """What the order costs and how it is paid (the card pays what the points do not)."""
        return OrderMoney(
            subtotal=self.total.amount - self.shipping_fee,
            shipping_fee=self.shipping_fee,
            points_used=self.points_used,
            card=self.total.amount - self.points_used,
            points_to_earn=self.points_to_earn,
        )

    def with_part_given_back(self, money: OrderMoney, at: datetime) -> Order:
        """The order once a numbered part (a partial cancellation, a return) gave copies back:
        its money as the refund left it (`Refund.after`), and one part more."""
        return dataclasses.replace(
            self,
            total=dataclasses.replace(self.total, amount=money.due),
            shipping_fee=money.shipping_fee,
            points_used=money.points_used,
            points_to_earn=money.points_to_earn,
            partial_cancellations=self.partial_cancellations + 1,
            updated_at=at,
        )

    def can_move_to(self, target: OrderStatus) -> bool:
        return can_transition(self.status, target)

    def move_to(self, target: OrderStatus, message: str, *, at: datetime | None = None) -> Move:
        """Move forward through the status table (`TransitionNotAllowed` outside it). A
        cancellation says why: `cancel`."""
        if target is OrderStatus.CANCELLED:
            raise ValueError("an order is cancelled with a reason: Order.cancel")
        return self._moved(target, None, message, at)

    def cancel(self, reason: CancelReason, message: str, *, at: datetime | None = None) -> Move:
        """Cancelled, for `reason` (`TransitionNotAllowed` once the parcel is picked up, or
        when it is cancelled already): the other steps compensate on the message it raises."""
        return self._moved(OrderStatus.CANCELLED, reason, message, at)

    def _moved(
        self, target: OrderStatus, reason: CancelReason | None, message: str, at: datetime | None
    ) -> Move:
        status = transition(self.status, target)
        at = at or datetime.now(UTC)
        order = dataclasses.replace(
            self, status=status, cancel_reason=reason or self.cancel_reason, updated_at=at
        )
        raised: tuple[Message, ...] = ()
        if event := ANNOUNCED.get(status):
            payload = {"reason": reason.value} if reason is not None else {}
            raised = (Message(event, self.id, payload),)
        return Move(order, HistoryEntry(status, message, at), raised)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """The entry an order's history gains when it moves (its position is given as it is kept)."""

    status: OrderStatus
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Move:
    """What an order decided when it moved: itself as it now is, the entry its history gains,
    and the messages that announce the move. Kept together, in one unit of work
    (`domain.moves.keep`)."""

    order: Order
    entry: HistoryEntry
    raised: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """An order about to be placed, before its lines are priced at the moment of placing."""

    id: UUID
    number: str
    member_id: str
    lines: tuple[tuple[int, int], ...]
    """(product id, quantity), one line per product."""
    shipping_address: Address
    payment_token: str | None
    idempotency_key: str | None
    request_fingerprint: str
    created_at: datetime
    points_to_spend: int = 0

    def priced(self, prices: Mapping[int, BookPrice], policy: ShippingPolicy) -> NewOrder:
        """The order at these prices: `Refused` when its points to spend are more than is
        due (`domain.pricing.price_order`)."""
        lines = tuple(PricedLine(p, quantity, prices[p]) for p, quantity in self.lines)
        return NewOrder(self, lines, price_order(lines, self.points_to_spend, policy))


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order about to be placed: its draft, with the price of each line taken now, and
    its money."""

    draft: OrderDraft
    lines: tuple[PricedLine, ...]
    money: OrderMoney

    @property
    def total(self) -> Money:
        return Money(self.money.due)

    def placed(self) -> Order:
        """The order as it reads once written: PENDING, with nothing changed since."""
        draft = self.draft
        return Order(
            id=draft.id,
            number=draft.number,
            member_id=draft.member_id,
            status=OrderStatus.PENDING,
            cancel_reason=None,
            total=self.total,
            shipping_address=draft.shipping_address,
            created_at=draft.created_at,
            updated_at=draft.created_at,
            payment_token=draft.payment_token,
            shipping_fee=self.money.shipping_fee,
            points_used=self.money.points_used,
            points_to_earn=self.money.points_to_earn,
        )


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order_id: UUID
    status: OrderStatus
    occurred_at: datetime
    message: str | None
    position: int
    """Where the entry stands in its order's history: a later entry has a larger position (an
    order's changes are made one at a time under its row lock, and numbered as they are made)."""


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """An order and entries of its history read together, as one statement saw them."""

    order: Order
    history: list[OrderEvent]
