"""The GraphQL operations the benchmarks send to our API.

The raw baseline answers the same request bodies on a path of its own per operation, and
builds the same `data` as these selections do, field for field and in the same order.
"""

from __future__ import annotations

from typing import Any

import orjson

from bench.load import Request

OUR_PATH = "/graphql"

_ORDER_FIELDS = """
  id number status total { amount currency }
  items {
    quantity unitPrice { amount }
    product { id title price { amount currency } stock { available } }
  }
  payment { status transactionId approvedAt }
  delivery { status trackingNumber events { status location occurredAt } }
"""

ORDERS_PAGE = f"""
query OrdersPage($first: Int!) {{
  orders(first: $first) {{ edges {{ node {{ {_ORDER_FIELDS} }} }} }}
}}
"""

ORDER_DETAIL = f"""
query OrderDetail($id: ID!) {{
  order(id: $id) {{ {_ORDER_FIELDS} history {{ status occurredAt message }} }}
}}
"""

PRODUCTS_PAGE = """
query ProductsPage($first: Int!) {
  products(first: $first) {
    edges { node { id isbn title author price { amount currency } stock { available } } }
  }
}
"""

PLACE_ORDER = """
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id number status total { amount } }
    errors { code field message }
  }
}
"""

SHIPPING_ADDRESS = {
    "recipient": "김민준",
    "phone": "010-1234-5678",
    "zipCode": "04524",
    "line1": "서울특별시 중구 세종대로 110",
    "line2": "3층",
}


def body(query: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": query, "variables": variables})


def ours_and_raw(
    raw_path: str, query: str, variables: dict[str, Any], authorization: str | None
) -> tuple[Request, Request]:
    """The same request body, to our endpoint and to the baseline's path for it."""
    payload = body(query, variables)
    return Request(OUR_PATH, authorization, payload), Request(raw_path, authorization, payload)
