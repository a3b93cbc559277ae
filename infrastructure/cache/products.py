"""Products in the cache: one read per batch, written back on a miss unless dropped meanwhile,
dropped on change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson

from domain.catalogue import Product, StockLevel
from domain.money import Money
from domain.pricing import BookRates
from infrastructure.cache.guarded import GuardedCache


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


def _load(data: str | bytes) -> Product | None:
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
    def __init__(self, cache: GuardedCache) -> None:
        self._cache = cache

    async def get_many(self, ids: Sequence[int]) -> tuple[list[Product], list[int], int | None]:
        """The cached products among `ids`, the ids that missed, and the mark to write back
        what is read for them with (None: do not)."""
        marked = await self._cache.get_many([_key(i) for i in ids])
        found: list[Product] = []
        missing: list[int] = []
        for product_id, value in zip(ids, marked.values, strict=True):
            product = None if value is None else _load(value)
            if product is None:
                missing.append(product_id)
            else:
                found.append(product)
        return found, missing, marked.mark

    async def put_many(self, products: Iterable[Product], *, since: int) -> None:
        """Products read after the mark `since`; one dropped since then is not written."""
        await self._cache.put_many({_key(p.id): _dump(p) for p in products}, since=since)

    async def forget(self, ids: Iterable[int]) -> None:
        await self._cache.drop_many([_key(i) for i in ids])
