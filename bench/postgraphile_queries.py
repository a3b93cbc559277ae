"""The read operations of `bench.queries` in PostGraphile's own names, and what the bench compares
between its answers and ours.

The same tree, field for field where both have the field: an order's number, status and total,
its lines with their book (title, price, stock), its payment, its delivery with the carrier's
events and, for the detail, its history. Where ours has an object (`total { amount currency }`)
PostGraphile has the table's columns (`totalAmount currency`); where ours has a list (`items`)
PostGraphile has a connection's `nodes`. PostGraphile serves no bearer token here: the member
is a `condition` argument (docs/DECISIONS.md says why).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson

from bench.load import Request
from bench.queries import body
from bench.raw_ids import key_of

PATH = "/graphql"

Json = dict[str, Any]

_ORDER_FIELDS = """
  id number status totalAmount currency
  orderItemsByOrderId {
    nodes {
      quantity unitPrice
      productByProductId { id title price currency stockByProductId { available } }
    }
  }
  paymentByOrderId { status transactionId approvedAt }
  deliveryByOrderId {
    status trackingNumber
    deliveryEventsByDeliveryId { nodes { status location occurredAt } }
  }
"""

ORDERS_PAGE = f"""
query OrdersPage($member: String!, $first: Int!) {{
  allOrders(
    condition: {{ memberId: $member }}, orderBy: [CREATED_AT_DESC, ROW_ID_DESC], first: $first
  ) {{ edges {{ node {{ {_ORDER_FIELDS} }} }} }}
}}
"""
"""A customer's newest orders first, as ours (`created_at DESC, id DESC`)."""

ORDER_DETAIL = f"""
query OrderDetail($id: UUID!, $member: String!) {{
  allOrders(condition: {{ rowId: $id, memberId: $member }}) {{
    edges {{
      node {{ {_ORDER_FIELDS} orderEventsByOrderId {{ nodes {{ status occurredAt message }} }} }}
    }}
  }}
}}
"""
"""One order, and only when it is the member's own, as ours."""

PRODUCTS_PAGE = """
query ProductsPage($first: Int!) {
  allProducts(first: $first, orderBy: [PRIMARY_KEY_ASC]) {
    edges {
      node { id isbn title author price currency stockByProductId { available } }
    }
  }
}
"""


def orders_page(member_id: str, first: int) -> Request:
    return Request(PATH, None, body(ORDERS_PAGE, {"member": member_id, "first": first}))


def order_detail(order_id: str, member_id: str) -> Request:
    return Request(PATH, None, body(ORDER_DETAIL, {"id": order_id, "member": member_id}))


def products_page(first: int) -> Request:
    return Request(PATH, None, body(PRODUCTS_PAGE, {"first": first}))


def _instant(text: str | None) -> datetime | None:
    """Both APIs write ISO 8601 with an offset; compared as instants."""
    return None if text is None else datetime.fromisoformat(text)


def _node_key(node_id: str) -> str:
    """The key in PostGraphile's node id: base64 of `["Order", "<uuid>"]`."""
    return str(orjson.loads(base64.b64decode(node_id))[1])


def _events(events: list[Json]) -> list[Json]:
    return [
        {
            "status": event["status"],
            "location": event["location"],
            "occurredAt": _instant(event["occurredAt"]),
        }
        for event in events
    ]


def _history(events: list[Json]) -> list[Json]:
    return [
        {
            "status": event["status"],
            "occurredAt": _instant(event["occurredAt"]),
            "message": event["message"],
        }
        for event in events
    ]


def _payment(payment: Json) -> Json:
    """A payment, the same fields by the same names in both APIs."""
    return {
        "status": payment["status"],
        "transactionId": payment["transactionId"],
        "approvedAt": _instant(payment["approvedAt"]),
    }


def _delivery(delivery: Json, events: list[Json]) -> Json:
    """A delivery, and its events as each API nests them."""
    return {
        "status": delivery["status"],
        "trackingNumber": delivery["trackingNumber"],
        "events": _events(events),
    }


def _our_order(node: Json) -> Json:
    payment, delivery = node["payment"], node["delivery"]
    order = {
        "order": key_of(node["id"]),
        "number": node["number"],
        "status": node["status"],
        "total": (node["total"]["amount"], node["total"]["currency"]),
        "lines": [
            {
                "product": key_of(line["product"]["id"]),
                "title": line["product"]["title"],
                "price": (line["product"]["price"]["amount"], line["product"]["price"]["currency"]),
                "available": line["product"]["stock"]["available"],
                "quantity": line["quantity"],
                "unitPrice": line["unitPrice"]["amount"],
            }
            for line in node["items"]
        ],
        "payment": payment and _payment(payment),
        "delivery": delivery and _delivery(delivery, delivery["events"]),
    }
    if "history" in node:
        order["history"] = _history(node["history"])
    return order


def _their_order(node: Json) -> Json:
    payment, delivery = node["paymentByOrderId"], node["deliveryByOrderId"]
    order = {
        "order": _node_key(node["id"]),
        "number": node["number"],
        "status": node["status"],
        "total": (node["totalAmount"], node["currency"]),
        "lines": [
            {
                "product": _node_key(line["productByProductId"]["id"]),
                "title": line["productByProductId"]["title"],
                "price": (
                    line["productByProductId"]["price"],
                    line["productByProductId"]["currency"],
                ),
                "available": line["productByProductId"]["stockByProductId"]["available"],
                "quantity": line["quantity"],
                "unitPrice": line["unitPrice"],
            }
            for line in node["orderItemsByOrderId"]["nodes"]
        ],
        "payment": payment and _payment(payment),
        "delivery": delivery
        and _delivery(delivery, delivery["deliveryEventsByDeliveryId"]["nodes"]),
    }
    if "orderEventsByOrderId" in node:
        order["history"] = _history(node["orderEventsByOrderId"]["nodes"])
    return order


def _our_product(node: Json) -> Json:
    return {
        "product": key_of(node["id"]),
        "isbn": node["isbn"],
        "title": node["title"],
        "author": node["author"],
        "price": (node["price"]["amount"], node["price"]["currency"]),
        "available": node["stock"]["available"],
    }


def _their_product(node: Json) -> Json:
    return {
        "product": _node_key(node["id"]),
        "isbn": node["isbn"],
        "title": node["title"],
        "author": node["author"],
        "price": (node["price"], node["currency"]),
        "available": node["stockByProductId"]["available"],
    }


def ours_as_tree(data: Json) -> list[Json]:
    """Our `data` for any read of `bench.queries`: its orders or books, in order."""
    if "orders" in data:
        return [_our_order(edge["node"]) for edge in data["orders"]["edges"]]
    if "order" in data:
        return [_our_order(data["order"])] if data["order"] else []
    return [_our_product(edge["node"]) for edge in data["products"]["edges"]]


def theirs_as_tree(data: Json) -> list[Json]:
    """PostGraphile's `data` for any read of this module, in the same shape as `ours_as_tree`."""
    if "allOrders" in data:
        return [_their_order(edge["node"]) for edge in data["allOrders"]["edges"]]
    return [_their_product(edge["node"]) for edge in data["allProducts"]["edges"]]


def first_difference(ours: list[Json], theirs: list[Json]) -> str | None:
    """Where two trees part (an order or book, by position), or None when they are equal."""
    if len(ours) != len(theirs):
        return f"{len(ours)} entries from ours, {len(theirs)} from PostGraphile"
    for position, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if mine != other:
            return f"entry {position}:\nours:         {mine}\nPostGraphile: {other}"
    return None
