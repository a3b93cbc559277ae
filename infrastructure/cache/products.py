"""Products in the cache: one multi-get per batch, written back on a miss, dropped on change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson

from domain.catalogue import Product, StockLevel
from domain.money import Money
from domain.pricing import BookRates
from infrastructure.cache.port import Cache


def _key(product_id: int) -> str:
    return f"product:{product_id}"


def _dump(product: Product) -> bytes:
    return orjson.dumps(
        [
            product.id,
            product.isbn,
            product.title,
            product.author,
            product.publisher,
            product.price.amount,
            product.price.currency,
            product.stock.available,
            product.stock.reserved,
            product.rates.discount,
            product.rates.points,
        ]
    )


_FIELDS = 11


def _load(data: bytes) -> Product | None:
    """The product, or None for an entry of another shape (written by a release before the
    rates were cached: read again from the database, like a miss)."""
    fields = orjson.loads(data)
    if len(fields) != _FIELDS:
        return None
    pid, isbn, title, author, publisher, amount, currency, available, reserved, discount, points = (
        fields
    )
    return Product(
        id=pid,
        isbn=isbn,
        title=title,
        author=author,
        publisher=publisher,
        price=Money(amount, currency),
        stock=StockLevel(available=available, reserved=reserved),
        rates=BookRates(discount, points),
    )


class ProductCache:
    def __init__(self, cache: Cache, ttl: int) -> None:
        self._cache = cache
        self._ttl = ttl

    async def get_many(self, ids: Sequence[int]) -> tuple[list[Product], list[int]]:
        """The cached products among `ids`, and the ids that missed."""
        values = await self._cache.get_many([_key(i) for i in ids])
        found: list[Product] = []
        missing: list[int] = []
        for product_id, value in zip(ids, values, strict=True):
            product = None if value is None else _load(value)
            if product is None:
                missing.append(product_id)
            else:
                found.append(product)
        return found, missing

    async def put_many(self, products: Iterable[Product]) -> None:
        await self._cache.set_many({_key(p.id): _dump(p) for p in products}, ttl=self._ttl)

    async def forget(self, ids: Iterable[int]) -> None:
        await self._cache.delete_many([_key(i) for i in ids])
