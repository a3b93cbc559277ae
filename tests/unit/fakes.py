"""In-memory stand-ins for the domain's ports, for its unit tests: a database of plain tables
behind a unit of work that keeps nothing unless committed, its repositories, an order placer, a
payment gateway and a carrier. Each implements its port's protocol (mypy checks the
assignments at the end) and behaves as the real adapter does where the domain can tell."""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.commands import CancelOrder, CreateProduct
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member, Role, Viewer
from domain.messages import Consumer, Event, Message
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
from domain.ordering import cancel_order, place_in_unit_of_work
from domain.payment import Payment
from domain.points import PointsEntry, PointsReason
from domain.ports import (
    Carrier,
    CatalogueRepository,
    ChargeResult,
    DeliveryRepository,
    Inbox,
    OrderPlacer,
    OrderRepository,
    Outbox,
    PaymentGateway,
    PaymentRepository,
    Placement,
    PointsLedger,
    ReturnRepository,
    StockRepository,
    TransientFault,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.pricing import NO_RATES, BookPrice, BookRates, ShippingPolicy
from domain.status import DeliveryStatus, OrderStatus, PaymentStatus
from domain.steps.base import Steps

Hook = Callable[[], Awaitable[None]]
POLICY = ShippingPolicy()
"""₩15,000 and ₩2,500, the settings' defaults."""


@dataclass
class Shelf:
    title: str
    price: Money
    available: int
    reserved: int = 0
    isbn: str | None = None
    rates: BookRates = NO_RATES


@dataclass(frozen=True)
class Held:
    """One line of an order's stock reservation."""

    product_id: int
    quantity: int
    status: str  # RESERVED, COMMITTED or RELEASED, as the real table keeps it


@dataclass
class Tables:
    shelves: dict[int, Shelf] = field(default_factory=dict)
    orders: dict[UUID, Order] = field(default_factory=dict)
    items: dict[UUID, list[OrderItem]] = field(default_factory=dict)
    history: dict[UUID, list[HistoryEntry]] = field(default_factory=dict)
    attention: dict[UUID, str] = field(default_factory=dict)
    keys: dict[tuple[str, str], tuple[UUID, str]] = field(default_factory=dict)
    request_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    held: dict[UUID, list[Held]] = field(default_factory=dict)
    payments: dict[UUID, Payment] = field(default_factory=dict)
    payment_errors: dict[UUID, str] = field(default_factory=dict)
    deliveries: dict[UUID, Delivery] = field(default_factory=dict)
    """By order id: an order has one parcel at most."""
    tracking: list[tuple[DeliveryEvent, str | None]] = field(default_factory=list)
    """Each parcel's events, with the carrier's id for those it sent."""
    points: list[PointsEntry] = field(default_factory=list)
    outbox: list[Message] = field(default_factory=list)
    inbox: set[tuple[Consumer, UUID]] = field(default_factory=set)
    returns: dict[UUID, list[OrderReturn]] = field(default_factory=dict)
    """By order id, numbered 1 first."""
    return_scans: dict[str, ReturnScan] = field(default_factory=dict)
    """By the carrier's id for each."""


class FakeDatabase:
    """What committed units of work left behind."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.commits = 0
        self.products_changed: set[int] = set()

    def unit_of_work(self) -> UnitOfWork:
        return FakeUnitOfWork(self)

    def add_book(self, title: str, price: int, available: int) -> int:
        product_id = len(self.tables.shelves) + 1
        self.tables.shelves[product_id] = Shelf(title, Money(price), available)
        return product_id

    def order(self, order_id: UUID) -> Order:
        return self.tables.orders[order_id]

    def sent(self) -> list[tuple[Event, UUID]]:
        """The outbox, as (event, order id), oldest first."""
        return [(message.name, message.order_id) for message in self.tables.outbox]


class FakeOrders:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, new: NewOrder) -> bool:
        order = new.draft
        taken_key = (
            order.idempotency_key is not None
            and (order.member_id, order.idempotency_key) in self._t.keys
        )
        taken_number = any(o.number == order.number for o in self._t.orders.values())
        if taken_key or taken_number or order.id in self._t.orders:
            return False
        placed = new.placed()
        self._t.orders[order.id] = placed
        self._t.items[order.id] = [
            OrderItem(
                n,
                order.id,
                line.product_id,
                line.quantity,
                Money(line.price.sale_price),
                line.price.discount,
                line.price.rates,
            )
            for n, line in enumerate(new.lines, start=1)
        ]
        self._t.history[order.id] = [
            HistoryEntry(OrderStatus.PENDING, "order placed", placed.created_at)
        ]
        if order.idempotency_key is not None:
            self._t.keys[order.member_id, order.idempotency_key] = (
                order.id,
                order.request_fingerprint,
            )
        return True

    async def find_by_idempotency_key(
        self, member_id: str, key: str
    ) -> tuple[Order, str | None] | None:
        found = self._t.keys.get((member_id, key))
        return (self._t.orders[found[0]], found[1]) if found else None

    async def request_with_key(self, member_id: str, key: str) -> str | None:
        return self._t.request_keys.get((member_id, key))

    async def keep_request_key(self, member_id: str, key: str, fingerprint: str) -> bool:
        if (member_id, key) in self._t.request_keys:
            return False
        self._t.request_keys[member_id, key] = fingerprint
        return True

    async def lock(self, order_id: UUID) -> Order | None:
        return self._t.orders.get(order_id)

    async def items(self, order_id: UUID) -> list[OrderItem]:
        return list(self._t.items.get(order_id, []))

    async def record(self, move: Move) -> None:
        self._t.orders[move.order.id] = move.order
        self._t.history[move.order.id].append(move.entry)

    async def record_lines_cancelled(
        self, order: Order, quantities: Mapping[int, int], entry: HistoryEntry
    ) -> None:
        self._t.orders[order.id] = order
        self._t.items[order.id] = [
            dataclasses.replace(item, quantity=quantities.get(item.product_id, item.quantity))
            for item in self._t.items[order.id]
            if quantities.get(item.product_id, item.quantity)
        ]
        self._t.history[order.id].append(entry)

    async def record_address_changed(self, order: Order, entry: HistoryEntry) -> None:
        self._t.orders[order.id] = order
        self._t.history[order.id].append(entry)

    async def record_note(self, order_id: UUID, entry: HistoryEntry) -> None:
        self._t.history[order_id].append(entry)

    async def delivered_at(self, order_id: UUID) -> datetime | None:
        return max(
            (e.at for e in self._t.history.get(order_id, []) if e.status is OrderStatus.DELIVERED),
            default=None,
        )

    async def needs_attention(self, order_id: UUID, note: str) -> None:
        if order_id in self._t.orders:
            self._t.attention[order_id] = note


class FakeCatalogue:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def prices(self, product_ids: Sequence[int]) -> dict[int, BookPrice]:
        shelves = self._t.shelves
        return {
            p: BookPrice(shelves[p].price.amount, shelves[p].rates)
            for p in product_ids
            if p in shelves
        }

    async def titles(self, product_ids: Sequence[int]) -> dict[int, str]:
        return {p: self._t.shelves[p].title for p in product_ids if p in self._t.shelves}

    async def add_product(self, command: CreateProduct) -> int | None:
        if any(shelf.isbn == command.isbn for shelf in self._t.shelves.values()):
            return None
        product_id = len(self._t.shelves) + 1
        self._t.shelves[product_id] = Shelf(
            command.title,
            Money(command.price),
            command.initial_stock,
            isbn=command.isbn,
            rates=command.rates,
        )
        return product_id

    async def set_rates(self, product_id: int, rates: BookRates) -> bool:
        shelf = self._t.shelves.get(product_id)
        if shelf is None:
            return False
        shelf.rates = rates
        return True

    async def adjust_available(self, product_id: int, delta: int) -> bool:
        shelf = self._t.shelves.get(product_id)
        if shelf is None or shelf.available + delta < 0:
            return False
        shelf.available += delta
        return True


class FakeStock:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def reserve(self, order_id: UUID, lines: Sequence[OrderItem]) -> list[int]:
        short = sorted(
            line.product_id
            for line in lines
            if line.product_id not in self._t.shelves
            or self._t.shelves[line.product_id].available < line.quantity
        )
        if short:
            return short
        for line in lines:
            shelf = self._t.shelves[line.product_id]
            shelf.available -= line.quantity
            shelf.reserved += line.quantity
        self._t.held[order_id] = [Held(ln.product_id, ln.quantity, "RESERVED") for ln in lines]
        return []

    async def commit(self, order_id: UUID) -> list[int]:
        return self._settle(order_id, ("RESERVED",), "COMMITTED")

    async def release(self, order_id: UUID) -> list[int]:
        return self._settle(order_id, ("RESERVED", "COMMITTED"), "RELEASED")

    async def release_part(self, order_id: UUID, lines: Sequence[tuple[int, int]]) -> list[int]:
        touched = []
        held = self._t.held.get(order_id, [])
        for product_id, copies in sorted(lines):
            for n, line in enumerate(held):
                if line.product_id != product_id or line.status == "RELEASED":
                    continue
                copies = min(copies, line.quantity)
                shelf = self._t.shelves[product_id]
                shelf.available += copies
                if line.status == "RESERVED":
                    shelf.reserved -= copies
                held[n] = (
                    dataclasses.replace(line, status="RELEASED")
                    if copies == line.quantity
                    else dataclasses.replace(line, quantity=line.quantity - copies)
                )
                touched.append(product_id)
        return touched

    def _settle(self, order_id: UUID, before: tuple[str, ...], after: str) -> list[int]:
        touched = []
        lines = self._t.held.get(order_id, [])
        for n, line in enumerate(lines):
            if line.status not in before:
                continue
            shelf = self._t.shelves[line.product_id]
            if line.status == "RESERVED":
                shelf.reserved -= line.quantity
            if after == "RELEASED":
                shelf.available += line.quantity
            lines[n] = dataclasses.replace(line, status=after)
            touched.append(line.product_id)
        return sorted(touched)


class FakePayments:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def lock(self, order_id: UUID) -> Payment | None:
        return self._t.payments.get(order_id)

    async def record_attempt(self, order_id: UUID, amount: Money) -> Payment:
        found = self._t.payments.get(order_id)
        payment = (
            dataclasses.replace(found, attempts=found.attempts + 1)
            if found
            else Payment(uuid4(), order_id, PaymentStatus.PENDING, amount, None, 1, None)
        )
        self._t.payments[order_id] = payment
        return payment

    async def record_error(self, order_id: UUID, error: str) -> None:
        self._t.payment_errors[order_id] = error

    async def record_part_refund(self, order_id: UUID, amount: Money) -> None:
        payment = self._t.payments[order_id]
        self._t.payments[order_id] = dataclasses.replace(
            payment, refunded=payment.refunded + amount.amount
        )

    async def approve(self, order_id: UUID, transaction_id: str | None, at: datetime) -> None:
        payment = self._t.payments.get(order_id)
        if payment is not None:  # else an UPDATE of no row
            self._t.payments[order_id] = dataclasses.replace(
                payment,
                status=PaymentStatus.APPROVED,
                transaction_id=transaction_id or payment.transaction_id,
                approved_at=at,
            )

    async def settle(self, order_id: UUID, status: PaymentStatus, error: str | None = None) -> None:
        payment = self._t.payments.get(order_id)
        if payment is not None:  # else an UPDATE of no row
            self._t.payments[order_id] = dataclasses.replace(payment, status=status)
            if error is not None:
                self._t.payment_errors[order_id] = error


class FakeDeliveries:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def of_order(self, order_id: UUID) -> Delivery | None:
        return self._t.deliveries.get(order_id)

    async def lock_by_tracking_number(self, tracking_number: str) -> Delivery | None:
        found = [d for d in self._t.deliveries.values() if d.tracking_number == tracking_number]
        return found[0] if found else None

    async def event_seen(self, carrier_event_id: str) -> bool:
        return any(event_id == carrier_event_id for _, event_id in self._t.tracking)

    async def add(self, order_id: UUID, carrier: str, tracking_number: str) -> Delivery:
        delivery = Delivery(uuid4(), order_id, DeliveryStatus.PREPARING, carrier, tracking_number)
        self._t.deliveries[order_id] = delivery
        return delivery

    async def record_event(self, event: DeliveryEvent, carrier_event_id: str | None) -> bool:
        if carrier_event_id is not None and await self.event_seen(carrier_event_id):
            return False
        self._t.tracking.append((event, carrier_event_id))
        return True

    async def set_status(self, delivery: Delivery, status: DeliveryStatus) -> None:
        self._t.deliveries[delivery.order_id] = dataclasses.replace(delivery, status=status)


class FakePoints:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def lock_member(self, member_id: str) -> None:
        """Units of work on the fake database do not run at once: nothing to hold."""

    async def balance(self, member_id: str) -> int:
        return sum(entry.amount for entry in self._t.points if entry.member_id == member_id)

    async def add(self, entry: PointsEntry) -> bool:
        key = (entry.order_id, entry.reason, entry.part)
        if any((e.order_id, e.reason, e.part) == key for e in self._t.points):
            return False
        self._t.points.append(entry)
        return True


class FakeOutbox:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, message: Message) -> None:
        self._t.outbox.append(message)


class FakeReturns:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(
        self, order_id: UUID, reason: ReturnReason, lines: tuple[tuple[int, int], ...]
    ) -> int:
        kept = self._t.returns.setdefault(order_id, [])
        kept.append(OrderReturn(order_id, len(kept) + 1, reason, lines, ReturnStatus.REQUESTED))
        return len(kept)

    async def of_order(self, order_id: UUID) -> list[OrderReturn]:
        return list(self._t.returns.get(order_id, []))

    async def lock(self, order_id: UUID, number: int) -> OrderReturn | None:
        return next((r for r in self._t.returns.get(order_id, []) if r.number == number), None)

    async def lock_by_tracking_number(self, tracking_number: str) -> OrderReturn | None:
        found = (r for kept in self._t.returns.values() for r in kept)
        return next((r for r in found if r.tracking_number == tracking_number), None)

    async def registered(self, found: OrderReturn, tracking_number: str) -> None:
        self._replace(
            dataclasses.replace(
                found, status=ReturnStatus.COLLECTING, tracking_number=tracking_number
            )
        )

    async def set_status(self, found: OrderReturn, status: ReturnStatus) -> None:
        self._replace(dataclasses.replace(found, status=status))

    async def received(self, found: OrderReturn, fee_kept: int) -> None:
        self._replace(dataclasses.replace(found, status=ReturnStatus.RECEIVED, fee_kept=fee_kept))

    async def record_scan(self, scan: ReturnScan, carrier_event_id: str) -> bool:
        if carrier_event_id in self._t.return_scans:
            return False
        self._t.return_scans[carrier_event_id] = scan
        return True

    def _replace(self, changed: OrderReturn) -> None:
        kept = self._t.returns[changed.order_id]
        kept[changed.number - 1] = changed


class FakeInbox:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def seen(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool:
        """`lock_order` locks nothing: locks are not modelled here (docs/SAGA.md)."""
        return (consumer, message_id) in self._t.inbox

    async def claim(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool:
        if (consumer, message_id) in self._t.inbox:
            return False
        self._t.inbox.add((consumer, message_id))
        return True


class FakeUnitOfWork:
    """Works on a copy of the database's tables; `commit` makes the copy the database's."""

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._tables = Tables()
        self._changed: set[int] = set()

    async def __aenter__(self) -> FakeUnitOfWork:
        self._tables = copy.deepcopy(self._database.tables)
        self._changed = set()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._tables = Tables()  # rolled back: what was not committed is gone

    async def commit(self) -> None:
        self._database.tables = copy.deepcopy(self._tables)
        self._database.commits += 1
        self._database.products_changed |= self._changed

    def products_changed(self, product_ids: Iterable[int]) -> None:
        self._changed.update(product_ids)

    @property
    def orders(self) -> OrderRepository:
        return FakeOrders(self._tables)

    @property
    def catalogue(self) -> CatalogueRepository:
        return FakeCatalogue(self._tables)

    @property
    def stock(self) -> StockRepository:
        return FakeStock(self._tables)

    @property
    def payments(self) -> PaymentRepository:
        return FakePayments(self._tables)

    @property
    def deliveries(self) -> DeliveryRepository:
        return FakeDeliveries(self._tables)

    @property
    def points(self) -> PointsLedger:
        return FakePoints(self._tables)

    @property
    def returns(self) -> ReturnRepository:
        return FakeReturns(self._tables)

    @property
    def outbox(self) -> Outbox:
        return FakeOutbox(self._tables)

    @property
    def inbox(self) -> Inbox:
        return FakeInbox(self._tables)


class FakeOrderPlacer:
    """Prices and writes a draft in one unit of work, as the port promises (the domain's own
    `place_in_unit_of_work`, which the SQLite placer runs too), keeping each draft."""

    def __init__(self, uow: UnitOfWorkFactory, policy: ShippingPolicy = POLICY) -> None:
        self._uow = uow
        self._policy = policy
        self.drafts: list[OrderDraft] = []

    async def place(self, draft: OrderDraft) -> Placement:
        self.drafts.append(draft)
        return await place_in_unit_of_work(self._uow, draft, self._policy)

    async def placed_with_key(self, member_id: str, key: str) -> tuple[Order, str | None] | None:
        async with self._uow() as work:
            return await work.orders.find_by_idempotency_key(member_id, key)


APPROVED = ChargeResult(approved=True, transaction_id="tx-1")


class FakeGateway:
    """Answers charges from a script (the last answer repeats); remembers every call."""

    def __init__(self, *answers: ChargeResult | Exception, refunds: bool = True) -> None:
        self._answers = list(answers) or [APPROVED]
        self._refunds = refunds
        self.charges: list[str] = []
        self.charged: list[int] = []
        """The amount of each charge, in won."""
        self.refunds: list[str] = []
        self.refunded: list[int] = []
        """The amount of each whole refund, in won."""
        self.parts: list[tuple[str, int]] = []
        """Partial refunds: (key, amount)."""
        self.while_charging: Hook | None = None
        """Runs during a charge: what happens elsewhere while the gateway works."""

    async def charge(
        self, *, idempotency_key: str, amount: Money, token: str | None
    ) -> ChargeResult:
        self.charges.append(idempotency_key)
        self.charged.append(amount.amount)
        if self.while_charging is not None:
            await self.while_charging()
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def refund(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        self.refunds.append(idempotency_key)
        self.refunded.append(amount.amount)
        return self._refunds

    async def refund_part(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        self.parts.append((idempotency_key, amount.amount))
        return self._refunds


class FakeCarrier:
    name = "fake-carrier"

    def __init__(self, *, down_for: int = 0) -> None:
        self._down_for = down_for
        self._numbers = itertools.count(100_000_000_001)
        self.registered: list[str] = []
        self.cancelled: list[str] = []
        self.readdressed: list[tuple[str, Address]] = []
        self.picked_up: set[str] = set()
        """Parcels whose address the carrier no longer changes."""
        self.while_registering: Hook | None = None

    async def register_parcel(self, *, reference: str, address: Address) -> str:
        if self._down_for > 0:
            self._down_for -= 1
            raise TransientFault("the carrier is unavailable")
        self.registered.append(reference)
        if self.while_registering is not None:
            await self.while_registering()
        return str(next(self._numbers))

    async def register_return(self, *, reference: str, address: Address) -> str:
        return await self.register_parcel(reference=reference, address=address)

    async def cancel_parcel(self, *, tracking_number: str) -> None:
        self.cancelled.append(tracking_number)

    async def change_address(self, *, tracking_number: str, address: Address) -> bool:
        self.readdressed.append((tracking_number, address))
        return tracking_number not in self.picked_up


ADDRESS = Address("김민준", "010-1234-5678", "04524", "세종대로 110", None)


def an_order(
    database: FakeDatabase,
    lines: Sequence[tuple[int, int]],
    *,
    status: OrderStatus = OrderStatus.PENDING,
    member_id: str = "m-1",
    token: str | None = "tok_ok",
    points_used: int = 0,
    points_to_earn: int = 0,
) -> Order:
    """An order already at `status`, written straight to the tables (with no history behind
    it but its last entry, and no shipping fee), as a test's starting point; the points it
    spent are in the ledger."""
    order_id = uuid4()
    t = database.tables
    items = [
        OrderItem(n, order_id, product, quantity, t.shelves[product].price)
        for n, (product, quantity) in enumerate(lines, start=1)
    ]
    total = Money(sum(item.line_total.amount for item in items))
    now = datetime.now(UTC)
    order = Order(
        order_id,
        f"N-{order_id.hex[:8]}",
        member_id,
        status,
        None,
        total,
        ADDRESS,
        now,
        now,
        token,
        points_used=points_used,
        points_to_earn=points_to_earn,
    )
    if points_used:
        t.points.append(PointsEntry(member_id, order_id, PointsReason.SPENT, -points_used))
    t.orders[order_id] = order
    t.items[order_id] = items
    t.history[order_id] = [HistoryEntry(status, "given", now)]
    return order


CUSTOMER = Viewer(Member("m-1", None, None), Role.CUSTOMER)
"""The member `an_order` places orders for, as a customer."""


async def cancelled_by_its_customer(database: FakeDatabase, order: Order) -> None:
    """`order` cancelled by its customer, as `cancelOrder` does it: a race's other side (a
    gateway's `while_charging`, a carrier's `while_registering`), or a step's starting point."""
    await cancel_order(CancelOrder(CUSTOMER, order.id, None), database.unit_of_work)


async def handled(
    steps: Steps, event: Event, order: Order, payload: dict[str, Any] | None = None
) -> Message:
    """A message of `event` about `order`, handled once by `steps`; the message, to hand it
    again (a duplicate, a retry)."""
    message = Message(event, order.id, payload or {})
    await steps.handle(message)
    return message


_PORTS: tuple[
    UnitOfWork,
    OrderRepository,
    CatalogueRepository,
    StockRepository,
    PaymentRepository,
    DeliveryRepository,
    PointsLedger,
    ReturnRepository,
    Outbox,
    Inbox,
    OrderPlacer,
    PaymentGateway,
    Carrier,
] = (
    FakeUnitOfWork(FakeDatabase()),
    FakeOrders(Tables()),
    FakeCatalogue(Tables()),
    FakeStock(Tables()),
    FakePayments(Tables()),
    FakeDeliveries(Tables()),
    FakePoints(Tables()),
    FakeReturns(Tables()),
    FakeOutbox(Tables()),
    FakeInbox(Tables()),
    FakeOrderPlacer(FakeDatabase().unit_of_work),
    FakeGateway(),
    FakeCarrier(),
)
"""Each fake stands where its port is asked for: mypy checks every protocol here."""
