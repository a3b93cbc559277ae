"""Placing an order: pricing its lines and writing it with its `order.placed` message, atomically.

Any database does it as a unit of work, one statement after another. On PostgreSQL it is one
statement, run outside an explicit transaction (a single statement is atomic): one round trip
where the unit of work takes six (BEGIN, prices, order, lines with history, outbox, COMMIT),
for every order that spends no points.
`placeOrder` is the busiest write of the service, so this one path is written twice.
"""

from __future__ import annotations

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.messages import Event, Message
from domain.order import Order, OrderDraft
from domain.ordering import place_in_unit_of_work
from domain.ports import Placement, UnitOfWorkFactory
from domain.pricing import MAX_ORDER_TOTAL, ShippingPolicy
from domain.status import OrderStatus
from infrastructure.database.engine import single_statements
from infrastructure.database.repositories.catalogue import book_price
from infrastructure.database.repositories.messages import OUTBOX_CHANNEL
from infrastructure.database.repositories.orders import PLACED_MESSAGE
from infrastructure.observability.logs import request_id


class UnitOfWorkOrderPlacer:
    def __init__(self, uow: UnitOfWorkFactory, policy: ShippingPolicy) -> None:
        self._uow = uow
        self._policy = policy

    async def place(self, draft: OrderDraft) -> Placement:
        return await place_in_unit_of_work(self._uow, draft, self._policy)

    async def placed_with_key(self, member_id: str, key: str) -> tuple[Order, str | None] | None:
        async with self._uow() as work:
            return await work.orders.find_by_idempotency_key(member_id, key)


_PLACE = text(
    f"""
WITH line AS (
    SELECT *
    FROM unnest(CAST(:products AS bigint[]), CAST(:quantities AS integer[]))
        WITH ORDINALITY AS line (product_id, quantity, position)
), priced AS (
    SELECT line.position, line.product_id, line.quantity, product.price, product.currency,
           product.discount_rate, product.points_rate,
           CAST(CAST(product.price AS bigint) * product.discount_rate / 10000 AS integer)
               AS unit_discount,
           CAST(CAST(product.price AS bigint) * product.points_rate / 10000 AS integer)
               AS unit_points
    FROM line JOIN product ON product.id = line.product_id
), money AS (
    SELECT sum((priced.price - priced.unit_discount) * priced.quantity) AS subtotal,
           sum(priced.unit_points * priced.quantity) AS points_to_earn,
           min(priced.currency) AS currency, count(*) AS lines
    FROM priced
), fee AS (
    SELECT money.*, CASE WHEN money.subtotal >= :threshold THEN 0 ELSE :fee END AS shipping_fee
    FROM money
), new_order AS (
    INSERT INTO orders (id, number, member_id, status, total_amount, currency, shipping_fee,
                        points_used, points_to_earn, recipient, phone, zip_code, line1, line2,
                        payment_token, idempotency_key, request_fingerprint, created_at,
                        updated_at)
    SELECT CAST(:id AS uuid), :number, :member_id, CAST(:status AS varchar),
           fee.subtotal + fee.shipping_fee, fee.currency, fee.shipping_fee, 0,
           fee.points_to_earn, :recipient, :phone, :zip_code, :line1, :line2, :payment_token,
           :idempotency_key, :request_fingerprint, CAST(:created_at AS timestamptz),
           CAST(:created_at AS timestamptz)
    FROM fee
    WHERE fee.lines = cardinality(CAST(:products AS bigint[]))
        AND fee.subtotal + fee.shipping_fee <= :max_total
    ON CONFLICT DO NOTHING
    RETURNING id
), new_lines AS (
    INSERT INTO order_item (order_id, product_id, quantity, unit_price, currency, unit_discount,
                            discount_rate, points_rate, order_created_at)
    SELECT new_order.id, priced.product_id, priced.quantity,
           priced.price - priced.unit_discount, priced.currency, priced.unit_discount,
           priced.discount_rate, priced.points_rate, CAST(:created_at AS timestamptz)
    FROM new_order, priced
    ORDER BY priced.position
), first_entry AS (
    INSERT INTO order_event (order_id, status, message, occurred_at)
    SELECT new_order.id, CAST(:status AS varchar), CAST(:message AS varchar),
           CAST(:created_at AS timestamptz)
    FROM new_order
), message AS (
    INSERT INTO outbox (message_id, routing_key, order_id, correlation_id, payload, created_at)
    SELECT CAST(:message_id AS uuid), :routing_key, new_order.id, :correlation_id, :payload,
           CAST(:created_at AS timestamptz)
    FROM new_order
    RETURNING id
), woken AS (
    SELECT pg_notify('{OUTBOX_CHANNEL}', '') FROM message
)
SELECT priced.product_id, priced.price, priced.discount_rate, priced.points_rate,
       (SELECT count(*) FROM new_order) AS placed, (SELECT count(*) FROM woken) AS woken
FROM priced
"""
)
"""Any unique conflict on the order (the (member, key) of a repeated request, or a number drawn
twice), or a book that does not exist, writes nothing at all. PostgreSQL runs a data-modifying
CTE whether or not it is referenced, a plain SELECT one only when it is: hence `woken`. The
prices are `domain.pricing`'s, in SQL: each discount and points figure floored per copy (an
integer division of non-negative numbers), the fee from the subtotal of sale prices; the order
returned is priced again by the domain from the same rows, and tests compare both placers. An
order beyond `MAX_ORDER_TOTAL` writes nothing either; the domain's pricing of the rows then
refuses it, saying why."""


class PostgresOrderPlacer(UnitOfWorkOrderPlacer):
    """An order that spends no points is one statement; one that spends points goes through
    the unit of work, whose statements each see the member's balance as it is once the
    member's row is locked (one statement would see it as it was when it began)."""

    def __init__(self, uow: UnitOfWorkFactory, policy: ShippingPolicy, engine: AsyncEngine) -> None:
        super().__init__(uow, policy)
        self._engine = single_statements(engine)

    async def place(self, draft: OrderDraft) -> Placement:
        if draft.points_to_spend:
            return await super().place(draft)
        address = draft.shipping_address
        message = Message(Event.ORDER_PLACED, draft.id)
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                _PLACE,
                {
                    "products": [product_id for product_id, _ in draft.lines],
                    "quantities": [quantity for _, quantity in draft.lines],
                    "threshold": self._policy.threshold,
                    "fee": self._policy.fee,
                    "max_total": MAX_ORDER_TOTAL,
                    "id": draft.id,
                    "number": draft.number,
                    "member_id": draft.member_id,
                    "status": OrderStatus.PENDING.value,
                    **address.parts(),
                    "payment_token": draft.payment_token,
                    "idempotency_key": draft.idempotency_key,
                    "request_fingerprint": draft.request_fingerprint,
                    "created_at": draft.created_at,
                    "message": PLACED_MESSAGE,
                    "message_id": message.id,
                    "routing_key": message.name.value,
                    "correlation_id": request_id.get(),
                    "payload": orjson.dumps(message.payload).decode(),
                },
            )
            found = rows.all()
        prices = {row.product_id: book_price(row) for row in found}
        if not found or found[0].placed != 1:
            if len(prices) == len(draft.lines):
                draft.priced(prices, self._policy)  # `Refused` when it comes to too much
            return Placement(prices)
        return Placement(prices, draft.priced(prices, self._policy).placed())


def order_placer(
    uow: UnitOfWorkFactory, policy: ShippingPolicy, engine: AsyncEngine
) -> UnitOfWorkOrderPlacer:
    if engine.dialect.name == "postgresql":
        return PostgresOrderPlacer(uow, policy, engine)
    return UnitOfWorkOrderPlacer(uow, policy)
