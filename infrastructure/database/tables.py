"""The tables of the seven domains, the outbox and the inbox (processed messages).

Constraints that keep data honest live here, in the database: stock never negative, one ISBN per
book, one order per (member, idempotency key), quantities within bounds.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlmodel import Field, SQLModel

from infrastructure.database.types import BigIntId, UTCDateTime, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TableModel(SQLModel):
    metadata = metadata


def _serial_id() -> Any:
    """A primary key the database numbers: BIGINT on PostgreSQL, INTEGER on SQLite (its rowid)."""
    return Field(default=None, sa_column=Column(BigIntId, primary_key=True))


def _created() -> Any:
    """A creation timestamp column, set by the application in UTC."""
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class MemberRow(TableModel, table=True):
    __tablename__ = "member"

    id: str = Field(primary_key=True, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ProductRow(TableModel, table=True):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("length(isbn) = 13", name="isbn_length"),
        CheckConstraint(
            "discount_rate BETWEEN 0 AND 1000 AND points_rate >= 0 "
            "AND discount_rate + points_rate <= 1500",
            name="book_price_law",
        ),
        Index(
            "ix_product_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index(
            "ix_product_author_trgm",
            "author",
            postgresql_using="gin",
            postgresql_ops={"author": "gin_trgm_ops"},
        ),
    )

    id: int | None = _serial_id()
    isbn: str = Field(max_length=13, unique=True)
    title: str = Field(max_length=500)
    author: str = Field(max_length=300)
    publisher: str | None = Field(default=None, max_length=300)
    price: int
    """The list price (정가), set by the publisher."""
    currency: str = Field(default="KRW", max_length=3)
    discount_rate: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """Basis points of the list price off the sale price (도서정가제: at most 1000)."""
    points_rate: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """Basis points of the list price earned as points (with the discount, at most 1500)."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class StockRow(TableModel, table=True):
    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )

    product_id: int = Field(
        sa_column=Column(BigIntId, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    )
    available: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    reserved: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    updated_at: datetime = _created()


class OrderRow(TableModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("member_id", "idempotency_key"),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint("shipping_fee BETWEEN 0 AND total_amount", name="fee_within_total"),
        CheckConstraint("points_used BETWEEN 0 AND total_amount", name="points_within_total"),
        CheckConstraint("points_to_earn >= 0", name="points_to_earn_not_negative"),
        Index("ix_orders_member_id_created_at_id", "member_id", "created_at", "id"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_recipient_created_at_id", "recipient", "created_at", "id"),
        Index(
            "ix_orders_attention",
            "updated_at",
            postgresql_where=text("attention IS NOT NULL"),
            sqlite_where=text("attention IS NOT NULL"),
        ),
        Index(
            "ix_orders_recipient_trgm",
            "recipient",
            postgresql_using="gin",
            postgresql_ops={"recipient": "gin_trgm_ops"},
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    member_id: str = Field(foreign_key="member.id", max_length=255)
    status: str = Field(max_length=20, index=True)
    cancel_reason: str | None = Field(default=None, max_length=30)
    total_amount: int
    """The amount due: the lines at their sale prices plus the shipping fee. The card pays it
    less the points used."""
    currency: str = Field(default="KRW", max_length=3)
    shipping_fee: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    points_used: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    points_to_earn: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    partial_cancellations: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """How many partial cancellations (부분취소) it has had; each is numbered from 1."""
    recipient: str = Field(max_length=100)
    phone: str = Field(max_length=30)
    zip_code: str = Field(max_length=10)
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    payment_token: str | None = Field(default=None, max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=255)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    attention: str | None = Field(default=None, max_length=500)
    """Why an operator must look at this order (a message parked for a failure that will not
    pass, a carrier report that contradicts it); NULL when nothing is wrong."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class RecipientNameRow(TableModel, table=True):
    """Every recipient name an order has had, once: the order search finds the whole names a
    part of a name matches here (a few rows), then each name's newest orders along
    `orders (recipient, created_at, id)`. Triggers of migration 0016 add the name of every
    order written or readdressed, in its transaction; a name no order has any more stays, and
    finds nothing (docs/DECISIONS.md, "A part of a name finds whole names first"). Its trigram
    index has no pending list (`fastupdate` off, migration 0017): new names are few, and every
    search would read the list through."""

    __tablename__ = "recipient_name"
    __table_args__ = (
        Index(
            "ix_recipient_name_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    name: str = Field(primary_key=True, max_length=100)


class OrderRequestKeyRow(TableModel, table=True):
    """The idempotency key of a change of an order (`cancelOrderLines`, `requestReturn`), kept
    in the change's transaction; `placeOrder`'s stays on the order it made
    (domain.idempotency)."""

    __tablename__ = "order_request_key"

    member_id: str = Field(foreign_key="member.id", primary_key=True, max_length=255)
    idempotency_key: str = Field(primary_key=True, max_length=255)
    request_fingerprint: str = Field(max_length=64)
    created_at: datetime = _created()


class OrderItemRow(TableModel, table=True):
    __tablename__ = "order_item"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_range"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        Index(
            "ix_order_item_product_id_order_created_at_order_id",
            "product_id",
            "order_created_at",
            "order_id",
        ),
        CheckConstraint("unit_discount >= 0", name="unit_discount_not_negative"),
    )

    id: int | None = _serial_id()
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE", index=True)
    product_id: int = Field(sa_column=Column(BigIntId, ForeignKey("product.id"), nullable=False))
    quantity: int
    unit_price: int
    """The sale price (판매가) of one copy when the order was placed; the list price is this plus
    `unit_discount`. The rates are the book's at that moment."""
    currency: str = Field(default="KRW", max_length=3)
    unit_discount: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    discount_rate: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    points_rate: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    order_created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    """A copy of its order's `created_at`, which never changes: the order search finds the
    newest lines of a book in (product_id, order_created_at, order_id) order, without reading
    the orders of older lines (docs/DECISIONS.md, "A copy of the order's time on its lines")."""


class OrderEventRow(TableModel, table=True):
    """One entry of an order's status history."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_order_id_id", "order_id", "id"),)

    id: int | None = _serial_id()
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    status: str = Field(max_length=20)
    message: str | None = Field(default=None, max_length=500)
    occurred_at: datetime = _created()


class PointsEntryRow(TableModel, table=True):
    """One entry of a member's points ledger (적립금); the balance is the sum of the member's
    entries. An order has at most one entry per (reason, part): an earn written twice, by a
    redelivered event, is refused by the database."""

    __tablename__ = "points_entry"
    __table_args__ = (
        UniqueConstraint("order_id", "reason", "part"),
        Index("ix_points_entry_member_id_id", "member_id", "id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: int | None = _serial_id()
    member_id: str = Field(foreign_key="member.id", max_length=255)
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    reason: str = Field(max_length=20)
    part: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """0 for an order's whole-order entries; a partial cancellation's number for its return."""
    amount: int
    """Positive when points are earned or given back, negative when spent."""
    created_at: datetime = _created()


class StockReservationRow(TableModel, table=True):
    """One reserved order line; its status says whether it is held, committed or released."""

    __tablename__ = "stock_reservation"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: int | None = _serial_id()
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    product_id: int = Field(sa_column=Column(BigIntId, ForeignKey("product.id"), nullable=False))
    quantity: int
    status: str = Field(max_length=20)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class PaymentRow(TableModel, table=True):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("refunded BETWEEN 0 AND amount", name="refunded_within_amount"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE", unique=True)
    status: str = Field(max_length=20)
    amount: int
    refunded: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """What partial cancellations gave back so far (a whole refund gives back the rest)."""
    currency: str = Field(default="KRW", max_length=3)
    transaction_id: str | None = Field(default=None, max_length=100)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    last_error: str | None = Field(default=None, sa_type=Text)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class PaymentEventRow(TableModel, table=True):
    """One event of an order's payment: approved, refunded, partially refunded (its history,
    which the payment row, holding only its latest state, does not keep)."""

    __tablename__ = "payment_event"
    __table_args__ = (Index("ix_payment_event_order_id_id", "order_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntId, primary_key=True))
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    amount: int
    occurred_at: datetime = _created()


class ReturnScanRow(TableModel, table=True):
    """A scan of a return parcel, as the carrier reported it (domain.order_return.ReturnScan)."""

    __tablename__ = "return_scan"
    __table_args__ = (Index("ix_return_scan_order_id_id", "order_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntId, primary_key=True))
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    number: int
    """The return's."""
    status: str = Field(max_length=20)
    scan: str | None = Field(default=None, max_length=50)
    location: str | None = Field(default=None, max_length=200)
    carrier_event_id: str = Field(max_length=100, unique=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)


class OrderReturnRow(TableModel, table=True):
    """A return (반품) of some copies of a delivered order (domain.order_return.OrderReturn)."""

    __tablename__ = "order_return"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntId, primary_key=True))
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE")
    number: int
    reason: str = Field(max_length=20)
    lines: list[list[int]] = Field(sa_type=JSON)
    """[[product id, copies], …]"""
    status: str = Field(max_length=20)
    tracking_number: str | None = Field(default=None, max_length=20, unique=True)
    fee_kept: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """What it kept for its own parcel, once received (domain.order_return.OrderReturn)."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DeliveryRow(TableModel, table=True):
    __tablename__ = "delivery"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", ondelete="CASCADE", unique=True)
    status: str = Field(max_length=20)
    carrier: str = Field(max_length=50)
    tracking_number: str | None = Field(default=None, max_length=20, unique=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DeliveryEventRow(TableModel, table=True):
    __tablename__ = "delivery_event"
    __table_args__ = (Index("ix_delivery_event_delivery_id_id", "delivery_id", "id"),)

    id: int | None = _serial_id()
    delivery_id: uuid.UUID = Field(foreign_key="delivery.id", ondelete="CASCADE")
    status: str = Field(max_length=20)
    location: str | None = Field(default=None, max_length=200)
    scan: str | None = Field(default=None, max_length=50)
    """The carrier's own name for the scan (domain.delivery.DeliveryEvent.scan)."""
    carrier_event_id: str | None = Field(default=None, max_length=100, unique=True)
    occurred_at: datetime = _created()


class OutboxRow(TableModel, table=True):
    """A message to publish, written in the same transaction as the change it announces."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )

    id: int | None = _serial_id()
    message_id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    routing_key: str = Field(max_length=100)
    order_id: uuid.UUID | None = Field(default=None)
    correlation_id: str | None = Field(default=None, max_length=64)
    payload: str = Field(sa_type=Text)
    created_at: datetime = _created()
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    publish_attempts: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )


class ProcessedMessageRow(TableModel, table=True):
    """The inbox: a (consumer, message id) pair recorded here was handled once already."""

    __tablename__ = "processed_message"

    consumer: str = Field(primary_key=True, max_length=50)
    message_id: uuid.UUID = Field(primary_key=True)
    processed_at: datetime = _created()


class SimulatedChargeRow(TableModel, table=True):
    """The simulated payment gateway's ledger: one row per idempotency key it was called with.

    It stands for the payment team's system; nothing of ours reads it but that adapter (and
    tests that count charges)."""

    __tablename__ = "simulated_charge"

    idempotency_key: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=10)
    token: str | None = Field(default=None, max_length=100)
    amount: int
    status: str = Field(max_length=20)
    transaction_id: str | None = Field(default=None, max_length=100)
    calls: int = Field(default=0)
    refunded: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """A charge's partial refunds so far, in won (never more than its amount)."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class SimulatedParcelRow(TableModel, table=True):
    """The simulated carrier's parcels: where each one is and what it has reported to us."""

    __tablename__ = "simulated_parcel"

    tracking_number: str = Field(primary_key=True, max_length=20)
    reference: str = Field(max_length=100, unique=True)
    status: str = Field(max_length=20)
    """What its last scan means to us (a DeliveryStatus); PREPARING before the first."""
    scans: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """How many of the carrier's scans (infrastructure/carrier/cj_scans.py) it has had."""
    reported_scans: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """How many of them were reported to us (accepted, or given up)."""
    zip_code: str = Field(max_length=10)
    return_parcel: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    """A return parcel (반품 회수): picked up at the customer's, delivered to the bookstore."""
    cancelled: bool = Field(default=False)
    next_step_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()


def _core(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


member_table = _core(MemberRow)
product_table = _core(ProductRow)
stock_table = _core(StockRow)
order_table = _core(OrderRow)
order_item_table = _core(OrderItemRow)
order_request_key_table = _core(OrderRequestKeyRow)
recipient_name_table = _core(RecipientNameRow)
order_event_table = _core(OrderEventRow)
stock_reservation_table = _core(StockReservationRow)
points_entry_table = _core(PointsEntryRow)
payment_table = _core(PaymentRow)
payment_event_table = _core(PaymentEventRow)
order_return_table = _core(OrderReturnRow)
return_scan_table = _core(ReturnScanRow)
delivery_table = _core(DeliveryRow)
delivery_event_table = _core(DeliveryEventRow)
outbox_table = _core(OutboxRow)
processed_message_table = _core(ProcessedMessageRow)
simulated_charge_table = _core(SimulatedChargeRow)
simulated_parcel_table = _core(SimulatedParcelRow)

order_phone_digits = func.replace(
    func.replace(order_table.c.phone, literal_column("'-'"), literal_column("''")),
    literal_column("' '"),
    literal_column("''"),
)
"""orders.phone without spaces and dashes (domain.order_search.phone_digits), in literals so
that a search's condition is the indexed expression itself (on PostgreSQL; migration 0005 says
why SQLite has no such index)."""
order_table.append_constraint(
    Index("ix_orders_phone_digits", order_phone_digits).ddl_if(dialect="postgresql")
)
