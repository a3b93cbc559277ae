"""A page of books is loaded in one batch of the product loader, without a future for each
book (resolvers/catalogue/reads.py, `list_products`)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

from domain.paging import Page
from resolvers.catalogue.reads import list_products
from resolvers.common.context import Context
from resolvers.common.loaders import Loaders


class _Catalogue:
    """The two reads a page of books makes; book 2 is gone by the time it is read."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def product_id_page(
        self, *, first: int, after: int | None, search: str | None
    ) -> Page[int]:
        return Page(items=[3, 1, 2], has_next=True)

    async def products_by_ids(self, ids: Sequence[int]) -> list[Any]:
        self.batches.append(list(ids))
        return [SimpleNamespace(id=i) for i in ids if i != 2]


async def test_a_page_of_books_is_one_batch_and_no_futures() -> None:
    store = _Catalogue()
    loaders = Loaders(cast(Any, store))
    context = cast(Context, SimpleNamespace(store=store, loaders=loaders))
    listing = await list_products(context, first=3, after=None, search=None)
    assert [product.id for product in listing.products] == [3, 1]
    assert listing.has_next
    assert store.batches == [[3, 1, 2]]
    assert loaders.products_read == {1, 2, 3}
    assert [loaders.product.cache_map.get(i) for i in (1, 2, 3)] == [None, None, None]


async def test_a_book_loaded_through_a_future_is_not_read_again_ahead() -> None:
    store = _Catalogue()
    loaders = Loaders(cast(Any, store))
    first = await loaders.product.load(3)
    assert first is not None
    found = await loaders.product.load_ahead([1, 3, 1])
    assert [book.id if book else None for book in found] == [1, 3, 1]
    assert found[1] is first
    assert store.batches == [[3], [1]]
