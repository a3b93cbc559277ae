from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.catalogue import is_valid_isbn13, isbn13_check_digit
from domain.money import Money
from domain.paging import PageSizeError, check_page_size
from schema.cursors import order_cursor, order_position, product_cursor, product_position
from schema.errors import ApiError
from schema.ids import from_global_id, order_key, product_key, to_global_id


def test_money_adds_and_multiplies_within_one_currency() -> None:
    assert Money(15000) + Money(2500) == Money(17500, "KRW")
    assert Money(12000) * 3 == Money(36000)
    with pytest.raises(ValueError, match="cannot add USD to KRW"):
        Money(1) + Money(1, "USD")


@pytest.mark.parametrize("isbn", ["9788936434120", "9780134685991", "9791162241554"])
def test_valid_isbn13(isbn: str) -> None:
    assert is_valid_isbn13(isbn)
    assert isbn13_check_digit(isbn[:12]) == int(isbn[12])


@pytest.mark.parametrize(
    "isbn",
    [
        "9788936434121",
        "978893643412",
        "97889364341200",
        "97889364341X0",
        "\uff19" * 13,  # full-width digits pass isdigit()
    ],
)
def test_invalid_isbn13(isbn: str) -> None:
    assert not is_valid_isbn13(isbn)


def test_page_sizes_between_0_and_100() -> None:
    assert check_page_size(0) == 0
    assert check_page_size(100) == 100
    with pytest.raises(PageSizeError, match="at most 100"):
        check_page_size(101)
    with pytest.raises(PageSizeError, match="negative"):
        check_page_size(-1)


def test_global_ids_round_trip_and_refuse_the_wrong_kind() -> None:
    order_id = uuid4()
    assert from_global_id(to_global_id("Product", 42)) == ("Product", "42")
    assert product_key(to_global_id("Product", 42)) == 42
    assert order_key(to_global_id("Order", order_id)) == order_id
    for bad in ("", "!!!", to_global_id("Order", 42), to_global_id("Product", "abc")):
        with pytest.raises(ApiError):
            product_key(bad)


def test_cursors_round_trip_and_refuse_foreign_ones() -> None:
    created = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    order_id = uuid4()
    assert order_position(order_cursor(created, order_id)) == (created, order_id)
    assert product_position(product_cursor(7)) == 7
    for bad in ("x", product_cursor(7), "bzoyMDI2LTExLTI0VDA5OjMwOjAwfHg"):
        with pytest.raises(ApiError, match="cursor"):
            order_position(bad)
    with pytest.raises(ApiError, match="cursor"):
        product_position(order_cursor(created, order_id))
