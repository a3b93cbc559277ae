"""The bench's check that PostGraphile answers the same tree as ours
(`bench/postgraphile_queries.py`): it must see through the two APIs' names and formats, and
find any difference in orders, lines, payments, events or history."""

from __future__ import annotations

import base64
import copy
from typing import Any

import orjson
import pytest

from bench.postgraphile_queries import first_difference, ours_as_tree, theirs_as_tree
from bench.raw_ids import global_id

ORDER = "b813334c-366e-47c3-b5a9-3654f6ffb9a8"


def _node_id(type_name: str, key: str) -> str:
    return base64.b64encode(orjson.dumps([type_name, key])).decode()


def _ours() -> dict[str, Any]:
    order = {
        "id": global_id("Order", ORDER),
        "number": "20261128-B2ZN9D",
        "status": "DELIVERED",
        "total": {"amount": 23000, "currency": "KRW"},
        "items": [
            {
                "quantity": 2,
                "unitPrice": {"amount": 11500},
                "product": {
                    "id": global_id("Product", 360),
                    "title": "시간의 기록 360",
                    "price": {"amount": 11500, "currency": "KRW"},
                    "stock": {"available": 706},
                },
            }
        ],
        "payment": {
            "status": "APPROVED",
            "transactionId": "sim_2b97daa90c62b404",
            "approvedAt": "2026-11-29T07:27:35.011049+09:00",
        },
        "delivery": {
            "status": "DELIVERED",
            "trackingNumber": "497392598631",
            "events": [
                {
                    "status": "PREPARING",
                    "location": "registered with the carrier",
                    "occurredAt": "2026-11-28T22:27:39.011049+00:00",
                }
            ],
        },
        "history": [
            {"status": "PENDING", "occurredAt": "2026-11-28T22:27:30.011049Z", "message": None}
        ],
    }
    return {"order": order}


def _theirs() -> dict[str, Any]:
    order = {
        "id": _node_id("Order", ORDER),
        "number": "20261128-B2ZN9D",
        "status": "DELIVERED",
        "totalAmount": 23000,
        "currency": "KRW",
        "orderItemsByOrderId": {
            "nodes": [
                {
                    "quantity": 2,
                    "unitPrice": 11500,
                    "productByProductId": {
                        "id": _node_id("Product", "360"),
                        "title": "시간의 기록 360",
                        "price": 11500,
                        "currency": "KRW",
                        "stockByProductId": {"available": 706},
                    },
                }
            ]
        },
        "paymentByOrderId": {
            "status": "APPROVED",
            "transactionId": "sim_2b97daa90c62b404",
            "approvedAt": "2026-11-28T22:27:35.011049+00:00",
        },
        "deliveryByOrderId": {
            "status": "DELIVERED",
            "trackingNumber": "497392598631",
            "deliveryEventsByDeliveryId": {
                "nodes": [
                    {
                        "status": "PREPARING",
                        "location": "registered with the carrier",
                        "occurredAt": "2026-11-28T22:27:39.011049+00:00",
                    }
                ]
            },
        },
        "orderEventsByOrderId": {
            "nodes": [
                {
                    "status": "PENDING",
                    "occurredAt": "2026-11-28T22:27:30.011049+00:00",
                    "message": None,
                }
            ]
        },
    }
    return {"allOrders": {"edges": [{"node": order}]}}


def test_the_same_order_under_each_apis_names_and_time_zones_is_the_same_tree() -> None:
    assert first_difference(ours_as_tree(_ours()), theirs_as_tree(_theirs())) is None


def _set(data: Any, path: tuple[str | int, ...], value: object) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


ORDER_NODE = ("allOrders", "edges", 0, "node")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ((*ORDER_NODE, "id"), _node_id("Order", "00000000-0000-4000-8000-000000000000")),
        ((*ORDER_NODE, "orderItemsByOrderId", "nodes", 0, "quantity"), 3),
        ((*ORDER_NODE, "orderItemsByOrderId", "nodes", 0, "unitPrice"), 11000),
        (
            (*ORDER_NODE, "orderItemsByOrderId", "nodes", 0, "productByProductId", "id"),
            _node_id("Product", "361"),
        ),
        ((*ORDER_NODE, "paymentByOrderId", "status"), "REFUNDED"),
        (
            (
                *ORDER_NODE,
                "deliveryByOrderId",
                "deliveryEventsByDeliveryId",
                "nodes",
                0,
                "occurredAt",
            ),
            "2026-11-28T22:27:40.011049+00:00",
        ),
        ((*ORDER_NODE, "orderEventsByOrderId", "nodes"), []),
        (("allOrders", "edges"), []),
    ],
)
def test_any_difference_in_orders_lines_payments_events_or_history_is_found(
    path: tuple[str | int, ...], value: object
) -> None:
    theirs = copy.deepcopy(_theirs())
    _set(theirs, path, value)
    assert first_difference(ours_as_tree(_ours()), theirs_as_tree(theirs)) is not None
