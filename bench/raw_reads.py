"""The baseline's reads: one SELECT per level of the tree, rows shaped straight into the `data`
of the response to the matching operation of `bench.queries`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from bench.raw_ids import global_id

Json = dict[str, Any]
Record = Any
"""An asyncpg row."""

_ORDER = "SELECT id, number, status, total_amount, currency FROM orders"


def _grouped(rows: Sequence[Record], key: str) -> dict[Any, list[Record]]:
    grouped: dict[Any, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


async def _products(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, Json]:
    rows = await conn.fetch(
        "SELECT p.id, p.title, p.price, p.currency, coalesce(s.available, 0) AS available"
        " FROM product p LEFT JOIN stock s ON s.product_id = p.id WHERE p.id = ANY($1::bigint[])",
        ids,
    )
    return {
        row["id"]: {
            "id": global_id("Product", row["id"]),
            "title": row["title"],
            "price": {"amount": row["price"], "currency": row["currency"]},
            "stock": {"available": row["available"]},
        }
        for row in rows
    }


def _payment(row: Record | None) -> Json | None:
    if row is None:
        return None
    approved_at = row["approved_at"]
    return {
        "status": row["status"],
        "transactionId": row["transaction_id"],
        "approvedAt": approved_at.isoformat() if approved_at else None,
    }


def _delivery(row: Record | None, events: dict[Any, list[Record]]) -> Json | None:
    if row is None:
        return None
    return {
        "status": row["status"],
        "trackingNumber": row["tracking_number"],
        "events": [
            {
                "status": event["status"],
                "location": event["location"],
                "occurredAt": event["occurred_at"].isoformat(),
            }
            for event in events.get(row["id"], [])
        ],
    }


async def _order_nodes(
    conn: asyncpg.Connection, orders: Sequence[Record], *, with_history: bool
) -> list[Json]:
    if not orders:
        return []
    ids = [order["id"] for order in orders]
    items = await conn.fetch(
        "SELECT order_id, product_id, quantity, unit_price FROM order_item"
        " WHERE order_id = ANY($1::uuid[]) ORDER BY id",
        ids,
    )
    products = await _products(conn, sorted({item["product_id"] for item in items}))
    payments = await conn.fetch(
        "SELECT order_id, status, transaction_id, approved_at FROM payment"
        " WHERE order_id = ANY($1::uuid[])",
        ids,
    )
    deliveries = await conn.fetch(
        "SELECT id, order_id, status, tracking_number FROM delivery"
        " WHERE order_id = ANY($1::uuid[])",
        ids,
    )
    events = await conn.fetch(
        "SELECT delivery_id, status, location, occurred_at FROM delivery_event"
        " WHERE delivery_id = ANY($1::uuid[]) ORDER BY id",
        [delivery["id"] for delivery in deliveries],
    )
    lines = _grouped(items, "order_id")
    payment_of = {row["order_id"]: row for row in payments}
    delivery_of = {row["order_id"]: row for row in deliveries}
    events_of = _grouped(events, "delivery_id")
    nodes = [
        {
            "id": global_id("Order", order["id"]),
            "number": order["number"],
            "status": order["status"],
            "total": {"amount": order["total_amount"], "currency": order["currency"]},
            "items": [
                {
                    "quantity": line["quantity"],
                    "unitPrice": {"amount": line["unit_price"]},
                    "product": products[line["product_id"]],
                }
                for line in lines.get(order["id"], [])
            ],
            "payment": _payment(payment_of.get(order["id"])),
            "delivery": _delivery(delivery_of.get(order["id"]), events_of),
        }
        for order in orders
    ]
    if with_history:
        history = _grouped(
            await conn.fetch(
                "SELECT order_id, status, occurred_at, message FROM order_event"
                " WHERE order_id = ANY($1::uuid[]) ORDER BY id",
                ids,
            ),
            "order_id",
        )
        for node, order_id in zip(nodes, ids, strict=True):
            node["history"] = [
                {
                    "status": event["status"],
                    "occurredAt": event["occurred_at"].isoformat(),
                    "message": event["message"],
                }
                for event in history.get(order_id, [])
            ]
    return nodes


async def orders_page(conn: asyncpg.Connection, member_id: str, first: int) -> Json:
    """`orders(first:)` of a customer: its newest orders first."""
    orders = await conn.fetch(
        f"{_ORDER} WHERE member_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        member_id,
        first,
    )
    nodes = await _order_nodes(conn, orders, with_history=False)
    return {"orders": {"edges": [{"node": node} for node in nodes]}}


async def order_detail(conn: asyncpg.Connection, member_id: str, order_id: UUID) -> Json:
    """`order(id:)` for a customer: null when the order is not its own."""
    orders = await conn.fetch(f"{_ORDER} WHERE id = $1 AND member_id = $2", order_id, member_id)
    nodes = await _order_nodes(conn, orders, with_history=True)
    return {"order": nodes[0] if nodes else None}


async def products_page(conn: asyncpg.Connection, first: int) -> Json:
    """`products(first:)`: the first books by id."""
    rows = await conn.fetch(
        "SELECT p.id, p.isbn, p.title, p.author, p.price, p.currency,"
        " coalesce(s.available, 0) AS available"
        " FROM product p LEFT JOIN stock s ON s.product_id = p.id ORDER BY p.id LIMIT $1",
        first,
    )
    edges = [
        {
            "node": {
                "id": global_id("Product", row["id"]),
                "isbn": row["isbn"],
                "title": row["title"],
                "author": row["author"],
                "price": {"amount": row["price"], "currency": row["currency"]},
                "stock": {"available": row["available"]},
            }
        }
        for row in rows
    ]
    return {"products": {"edges": edges}}
