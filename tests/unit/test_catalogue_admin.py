"""Staff changes to the catalogue against the in-memory fakes: each refusal writes nothing."""

from __future__ import annotations

import pytest

from domain.catalogue_admin import adjust_stock, change_rates, create_product
from domain.commands import AdjustStock, ChangeBookRates, CreateProduct
from domain.pricing import BookRates
from domain.problems import ProblemCode, Refused
from tests.unit.fakes import FakeDatabase

ISBN = "9788936434120"


def _book(isbn: str = ISBN) -> CreateProduct:
    return CreateProduct(isbn, "채식주의자", "한강", "창비", 15000, 5, BookRates(1000, 500))


def _refusal(refused: pytest.ExceptionInfo[Refused]) -> tuple[ProblemCode, tuple[str, ...] | None]:
    [problem] = refused.value.problems
    return problem.code, problem.field


async def test_a_book_is_added_once_per_isbn() -> None:
    database = FakeDatabase()
    product_id = await create_product(_book(), database.unit_of_work)

    with pytest.raises(Refused) as refused:
        await create_product(_book(), database.unit_of_work)

    assert _refusal(refused) == (ProblemCode.CONFLICT, ("isbn",))
    assert list(database.tables.shelves) == [product_id]
    assert database.commits == 1


async def test_rates_change_within_the_law_and_say_the_book_changed() -> None:
    database = FakeDatabase()
    product_id = await create_product(_book(), database.unit_of_work)

    await change_rates(ChangeBookRates(product_id, BookRates(500, 1000)), database.unit_of_work)

    assert database.tables.shelves[product_id].rates == BookRates(500, 1000)
    assert database.products_changed == {product_id}


@pytest.mark.parametrize(
    ("product_id", "rates", "refusal"),
    [
        (1, BookRates(1001, 0), (ProblemCode.BOOK_PRICE_LAW, ("discountRate",))),
        (2, BookRates(0, 0), (ProblemCode.NOT_FOUND, ("productId",))),
    ],
)
async def test_rates_beyond_the_law_or_of_no_book_are_refused_and_nothing_changes(
    product_id: int, rates: BookRates, refusal: tuple[ProblemCode, tuple[str, ...]]
) -> None:
    database = FakeDatabase()
    await create_product(_book(), database.unit_of_work)

    with pytest.raises(Refused) as refused:
        await change_rates(ChangeBookRates(product_id, rates), database.unit_of_work)

    assert _refusal(refused) == refusal
    assert database.tables.shelves[1].rates == BookRates(1000, 500)
    assert database.products_changed == set()


async def test_stock_is_corrected_but_never_below_zero_nor_for_no_book() -> None:
    database = FakeDatabase()
    product_id = await create_product(_book(), database.unit_of_work)

    await adjust_stock(AdjustStock(product_id, -5), database.unit_of_work)
    with pytest.raises(Refused) as below_zero:
        await adjust_stock(AdjustStock(product_id, -1), database.unit_of_work)
    with pytest.raises(Refused) as no_book:
        await adjust_stock(AdjustStock(product_id + 1, 3), database.unit_of_work)

    assert _refusal(below_zero) == (ProblemCode.INVALID_STATE, ("delta",))
    assert _refusal(no_book) == (ProblemCode.NOT_FOUND, ("productId",))
    assert database.tables.shelves[product_id].available == 0
    assert database.products_changed == {product_id}
