"""The entities an answer is filed under. An event about an order drops the order, its
member's order lists and staff's lists of every order (`invalidation.py`)."""

from __future__ import annotations

from uuid import UUID

ALL_ORDERS = "orders"
"""Staff's lists of every member's orders: any order placed or changed may appear in them."""


def order(order_id: UUID) -> str:
    return f"order:{order_id}"


def orders_of(member_id: str) -> str:
    """A member's lists of their own orders (`orders`, `me { orders }`): a new order, or one
    moving into a list's filter, changes them without being in them before."""
    return f"orders-of:{member_id}"


def of_order_event(order_id: UUID, member_id: str | None) -> list[str]:
    """What an event about an order makes stale (its member's lists when the order is known)."""
    tags = [order(order_id), ALL_ORDERS]
    if member_id is not None:
        tags.append(orders_of(member_id))
    return tags
