"""Cache hints, in the manner of Apollo Server's `@cacheControl`: for each object type of the
schema, how many seconds an answer holding it may be served from the cache, and whether it may
be shared (PUBLIC) or belongs to the viewer who asked (PRIVATE).

An answer's lifetime is the shortest of its types'; it is PRIVATE when any of them is. A type
listed with `None` sets no limit of its own (a value like Money, or a connection whose nodes set
it). A type listed with `NEVER_KEPT` keeps the answer out of the cache. Every type a query can
reach is listed (tests/unit/test_response_cache_plans.py): a new type must say; one that did not
would keep its answers out of the cache too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Scope(Enum):
    PUBLIC = "public"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class CacheHint:
    max_age: int
    scope: Scope = Scope.PUBLIC


ORDER_SECONDS = 300
"""An order's answers are dropped by events as soon as anything in them changes; this only
bounds an answer whose drop was lost (an invalidation parked after its retries)."""
BOOK_SECONDS = 60
"""A book's title, author and price; staff adding a book or changing its stock drop them."""
STOCK_SECONDS = 10
"""Stock changes with every order anyone places: an answer showing many books (a page of
orders, of books) would be dropped several times a second under orders if it were dropped on
each of their reservations, so a count there may be this old instead. It is a figure to browse
by, never a promise: placing the order is what reserves (docs/DECISIONS.md)."""
FILED_STOCK_BOOKS = 10
"""An answer whose request read at most this many books (an order, a book) is filed under each
one's stock instead (`domain.answers.stock_of`), dropped right after every commit that changes
it, and kept as long as the rest of it allows, up to FILED_STOCK_SECONDS. Its Cache-Control
still says STOCK_SECONDS: a browser's copy hears no drop."""
FILED_STOCK_SECONDS = BOOK_SECONDS
"""No event carries a stock drop (the process that commits makes it, as it forgets the product
cache's copy), so this bounds a filed answer whose drop was lost (that process died between
its commit and the drop)."""

ACTIONS_SECONDS = 60
"""What a customer may do also changes with the clock alone (a return period ends at midnight,
and no event says so): an answer holding it is served this long at most."""

SETTINGS_SECONDS = 300
"""What the service's settings say (the shipping fee): they change only when it restarts."""

_ORDER = CacheHint(ORDER_SECONDS, Scope.PRIVATE)
NEVER_KEPT = CacheHint(0, Scope.PRIVATE)

HINTS: dict[str, CacheHint | None] = {
    "Query": None,
    "Product": CacheHint(BOOK_SECONDS),
    "Stock": CacheHint(STOCK_SECONDS),
    "ProductConnection": None,
    "ProductEdge": None,
    "Money": None,
    "PageInfo": None,
    "ShippingPolicy": CacheHint(SETTINGS_SECONDS),
    "Order": _ORDER,
    "OrderItem": _ORDER,
    "Payment": _ORDER,
    "Delivery": _ORDER,
    "DeliveryEvent": _ORDER,
    "OrderEvent": _ORDER,
    "Address": _ORDER,
    "AvailableAction": CacheHint(ACTIONS_SECONDS, Scope.PRIVATE),
    "TimelineEntry": _ORDER,
    "OrderReturn": _ORDER,
    "ReturnLine": _ORDER,
    "OrderConnection": None,
    "OrderEdge": None,
    "Member": _ORDER,
    "MemberPoints": _ORDER,
    "PointsEntry": _ORDER,
    "PointsEntryConnection": None,
    "PointsEntryEdge": None,
    # staff's search: orders of any member, matched by their text, which no tag of ours names
    # (and searches are seldom asked twice)
    "OrderSearchConnection": NEVER_KEPT,
    "Node": _ORDER,  # any object by id: as private as the most private type it may be
}
