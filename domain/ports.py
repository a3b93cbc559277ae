"""What the use cases and the workers' steps need from the outside world, as protocols.

Infrastructure implements these; nothing in `domain`, `schema` or `resolvers` names an adapter.
What only the API needs (its reads, tokens, rate limits, status feed, metrics) is declared on
the API's side, `resolvers/ports.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.commands import CreateProduct
from domain.delivery import Delivery, DeliveryEvent
from domain.messages import Consumer, Message
from domain.money import Money
from domain.order import (
    Address,
    HistoryEntry,
    Move,
    NewOrder,
    Order,
    OrderDraft,
    OrderItem,
)
from domain.order_return import OrderReturn, ReturnReason, ReturnScan, ReturnStatus
from domain.payment import Payment
from domain.points import PointsEntry
from domain.pricing import BookPrice, BookRates
from domain.status import DeliveryStatus, PaymentStatus


class OrderRepository(Protocol):
    async def add(self, order: NewOrder) -> bool:
        """Insert the order, its lines and first history entry; False when its
        (member, idempotency key), or its number, is taken already (the database decides)."""
        ...

    async def find_by_idempotency_key(
        self, member_id: str, key: str
    ) -> tuple[Order, str | None] | None:
        """The order placed with this key and its request fingerprint."""
        ...

    async def request_with_key(self, member_id: str, key: str) -> str | None:
        """The fingerprint of the change of an order (`cancelOrderLines`, `requestReturn`)
        this member asked for with this key; None when the key is new."""
        ...

    async def keep_request_key(self, member_id: str, key: str, fingerprint: str) -> bool:
        """Keep the key of a change with it; False when it is taken already."""
        ...

    async def lock(self, order_id: UUID) -> Order | None:
        """The order, locked until the end of the unit of work."""
        ...

    async def items(self, order_id: UUID) -> list[OrderItem]: ...

    async def record(self, move: Move) -> None:
        """Keep what the order decided when it moved (`Order.move_to`, `Order.cancel`): its
        status, cancel reason and time, and its history's new entry. Decides nothing."""
        ...

    async def record_lines_cancelled(
        self, order: Order, quantities: Mapping[int, int], entry: HistoryEntry
    ) -> None:
        """Keep a numbered part (a partial cancellation, a received return): the order's money
        and count of parts as `order` has them, each touched line's copies now (by product id;
        0 removes the line), and the history entry (the status unchanged)."""
        ...

    async def record_address_changed(self, order: Order, entry: HistoryEntry) -> None:
        """Keep the delivery address `order` has now, and the history entry (the status
        unchanged)."""
        ...

    async def record_note(self, order_id: UUID, entry: HistoryEntry) -> None:
        """The history gains an entry at the order's status: a change that is not a move (a
        return asked for, its parcel picked up)."""
        ...

    async def delivered_at(self, order_id: UUID) -> datetime | None:
        """When the order entered DELIVERED; None when it has not."""
        ...

    async def needs_attention(self, order_id: UUID, note: str) -> None:
        """Mark the order for an operator, saying why (the latest note replaces an earlier
        one; `main.py dlq list` shows every marked order)."""
        ...


@dataclass(frozen=True, slots=True)
class Placement:
    """What placing a draft came to: the price of each of its books that exists, and whether
    the order was written (False when a book is missing, the member's points are short of
    what the order spends, or the order's number or its (member, idempotency key) is taken:
    then nothing was written)."""

    prices: dict[int, BookPrice]
    order: Order | None = None
    """The order as written, when it was."""
    points_short: bool = False

    @property
    def placed(self) -> bool:
        return self.order is not None


class OrderPlacer(Protocol):
    async def place(self, draft: OrderDraft) -> Placement:
        """Price the draft's lines now and write, in one transaction, the order, its lines,
        its first history entry, the points it spends and its `order.placed` message; or
        nothing. `Refused` when its points to spend are more than is due."""
        ...

    async def placed_with_key(self, member_id: str, key: str) -> tuple[Order, str | None] | None:
        """The order this member placed with this idempotency key, and its request
        fingerprint."""
        ...


class CatalogueRepository(Protocol):
    async def prices(self, product_ids: Sequence[int]) -> dict[int, BookPrice]: ...

    async def titles(self, product_ids: Sequence[int]) -> dict[int, str]: ...

    async def add_product(self, command: CreateProduct) -> int | None:
        """The new product's id, or None when its ISBN is taken."""
        ...

    async def set_rates(self, product_id: int, rates: BookRates) -> bool:
        """False when no book has this id."""
        ...

    async def adjust_available(self, product_id: int, delta: int) -> bool:
        """Add delta to the available quantity; False when that would go below zero."""
        ...


class StockRepository(Protocol):
    async def reserve(self, order_id: UUID, lines: Sequence[OrderItem]) -> list[int]:
        """Reserve every line or none; the product ids that were short (empty: all reserved)."""
        ...

    async def commit(self, order_id: UUID) -> list[int]:
        """The reserved quantities leave the warehouse; the products touched."""
        ...

    async def release(self, order_id: UUID) -> list[int]:
        """Held or committed quantities go back on the shelf; the products touched."""
        ...

    async def release_part(self, order_id: UUID, lines: Sequence[tuple[int, int]]) -> list[int]:
        """(product id, copies): those copies of held or committed lines go back on the shelf
        (a line released whole already gives nothing more); the products touched."""
        ...


class PaymentRepository(Protocol):
    async def lock(self, order_id: UUID) -> Payment | None: ...

    async def record_attempt(self, order_id: UUID, amount: Money) -> Payment:
        """Create the payment if needed and count one more gateway attempt."""
        ...

    async def record_error(self, order_id: UUID, error: str) -> None: ...

    async def record_part_refund(self, order_id: UUID, amount: Money) -> None:
        """The gateway gave back `amount` of the charge (a partial cancellation, a return)."""
        ...

    async def approve(self, order_id: UUID, transaction_id: str | None, at: datetime) -> None:
        """The gateway took the money: APPROVED, with its transaction id and when."""
        ...

    async def settle(self, order_id: UUID, status: PaymentStatus, error: str | None = None) -> None:
        """Any other outcome, with the error that led to it (kept as the last error)."""
        ...


class DeliveryRepository(Protocol):
    async def of_order(self, order_id: UUID) -> Delivery | None: ...

    async def lock_by_tracking_number(self, tracking_number: str) -> Delivery | None: ...

    async def event_seen(self, carrier_event_id: str) -> bool: ...

    async def add(self, order_id: UUID, carrier: str, tracking_number: str) -> Delivery: ...

    async def record_event(self, event: DeliveryEvent, carrier_event_id: str | None) -> bool:
        """Append a tracking event, with the carrier's id for it when the carrier sent it;
        False when that id was seen before."""
        ...

    async def set_status(self, delivery: Delivery, status: DeliveryStatus) -> None: ...


class PointsLedger(Protocol):
    """The members' points: entries written once each, the balance their sum."""

    async def lock_member(self, member_id: str) -> None:
        """Hold the member's points until the end of the unit of work (two orders spending
        the same balance at once take turns)."""
        ...

    async def balance(self, member_id: str) -> int: ...

    async def add(self, entry: PointsEntry) -> bool:
        """Write the entry; False when the order has one for this reason and part already."""
        ...


class ReturnRepository(Protocol):
    """An order's returns (반품), numbered per order."""

    async def add(
        self, order_id: UUID, reason: ReturnReason, lines: tuple[tuple[int, int], ...]
    ) -> int:
        """Keep a new return, REQUESTED; its number (the order's row lock is held)."""
        ...

    async def of_order(self, order_id: UUID) -> list[OrderReturn]: ...

    async def lock(self, order_id: UUID, number: int) -> OrderReturn | None: ...

    async def lock_by_tracking_number(self, tracking_number: str) -> OrderReturn | None: ...

    async def registered(self, found: OrderReturn, tracking_number: str) -> None:
        """The carrier took its parcel under this number: COLLECTING."""
        ...

    async def set_status(self, found: OrderReturn, status: ReturnStatus) -> None: ...

    async def received(self, found: OrderReturn, fee_kept: int) -> None:
        """Back at the bookstore: RECEIVED, with what it kept for its own parcel."""
        ...

    async def record_scan(self, scan: ReturnScan, carrier_event_id: str) -> bool:
        """Keep a scan of the return's parcel; False when the carrier's id was seen before."""
        ...


class Outbox(Protocol):
    async def add(self, message: Message) -> None: ...


class Inbox(Protocol):
    """Which messages each consumer handled. `lock_order` folds the order's lock into the
    same round trip, for a step that begins by locking the message's order: the row is locked
    before the inbox is read or written (so a duplicate waits for the first copy to commit and
    then finds its claim), and the unit's next `orders.lock` of it costs no statement."""

    async def seen(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool: ...

    async def claim(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool:
        """Record the message as handled by consumer; False when it was already."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; nothing is kept unless `commit` is called."""

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def catalogue(self) -> CatalogueRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def points(self) -> PointsLedger: ...

    @property
    def returns(self) -> ReturnRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbox(self) -> Inbox: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...

    def products_changed(self, product_ids: Iterable[int]) -> None:
        """Cached copies of these products are dropped once the transaction commits."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class TransientFault(Exception):
    """A fault that may pass (an outside service unavailable, a timeout): retry later."""


@dataclass(frozen=True, slots=True)
class ChargeResult:
    approved: bool
    transaction_id: str | None = None
    decline_reason: str | None = None
    voided: bool = False
    """Not approved because a refund with its charge key stopped it first: no money taken."""


class PaymentGateway(Protocol):
    """The payment team's gateway. Every call carries an idempotency key: a repeated call
    with the same key has the effect of one. Raises `TransientFault` when unavailable."""

    async def charge(
        self, *, idempotency_key: str, amount: Money, token: str | None
    ) -> ChargeResult: ...

    async def refund(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        """Give back what the charge made with `charge_key` took, and stop it for good if it
        is still being processed (or not made yet: it is void). True when money went back,
        False when none was taken and none can be."""
        ...

    async def refund_part(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        """Give back `amount` of what the approved charge made with `charge_key` took, once per
        key. False, with nothing given back, when the charge is not approved or its refunds
        would come to more than it took."""
        ...


class Carrier(Protocol):
    """The parcel carrier. Registration is idempotent per reference (our order id).
    Raises `TransientFault` when unavailable."""

    name: str

    async def register_parcel(self, *, reference: str, address: Address) -> str:
        """The parcel's tracking number."""
        ...

    async def register_return(self, *, reference: str, address: Address) -> str:
        """A return parcel (반품 회수) to pick up at `address` and bring to us: its tracking
        number (idempotent per reference, as a parcel's registration)."""
        ...

    async def cancel_parcel(self, *, tracking_number: str) -> None: ...

    async def change_address(self, *, tracking_number: str, address: Address) -> bool:
        """Deliver the parcel to `address` instead: True when the carrier will (or does
        already), False when it has picked the parcel up, or it is cancelled."""
        ...
