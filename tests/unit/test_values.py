from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from domain.catalogue import is_valid_isbn13, isbn13_check_digit
from domain.moments import storable_moment
from domain.money import Money
from domain.paging import PageSizeError, check_page_size
from resolvers.common.cursors import order_cursor, order_position, product_cursor, product_position
from resolvers.common.errors import ApiError
from resolvers.common.ids import (
    encode_opaque,
    from_global_id,
    member_key,
    order_key,
    product_key,
    to_global_id,
)


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


@pytest.mark.parametrize(
    "text", ["", "a", "ab", "abc", "Product:12", "o:>?>~|서울", "???", "??>>" * 9]
)
def test_an_opaque_value_is_base64url_without_padding(text: str) -> None:
    """Every padding length, and texts whose base64 has `+` and `/` (written `-` and `_`)."""
    assert encode_opaque(text) == base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_global_id_of_a_bool_key_is_not_taken_for_the_int_one_kept_before() -> None:
    """The ids written lately are kept by type name and key; 1 == True, so the key's type
    counts too."""
    assert to_global_id("Product", 1) != to_global_id("Product", True)


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


def _raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


ORDER = UUID("fe66bac4-0ce1-4175-a66c-862783087033")


@pytest.mark.parametrize(
    "global_id",
    [
        _raw_id("Product:012"),  # a leading zero
        _raw_id("Product:\u0661\u0662"),  # Arabic-Indic digits, int() reads them as 12
        _raw_id("Product:\uff11\uff12"),  # full-width digits
        _raw_id("Product:\u00b2"),  # a superscript two: isdigit() but not int()
        _raw_id("Product:+12"),
        _raw_id("Product: 12"),
        _raw_id(f"Product:{2**63}"),  # beyond BIGINT
        _raw_id("Product:" + "9" * 30),
        to_global_id("Product", 12) + "==",  # padding
        "UHJvZHVjdDoxMh",  # Product:12 ("UHJvZHVjdDoxMg") with a stray bit in its last character
        "!" + to_global_id("Product", 12),  # a character base64 decoding would skip
    ],
)
def test_a_product_has_one_id_and_a_key_a_bigint_holds(global_id: str) -> None:
    with pytest.raises(ApiError, match="is not"):
        product_key(global_id)


def test_the_largest_bigint_is_a_product_key() -> None:
    assert product_key(to_global_id("Product", 2**63 - 1)) == 2**63 - 1


@pytest.mark.parametrize(
    "key", [str(ORDER).upper(), f"{{{ORDER}}}", ORDER.hex, f"urn:uuid:{ORDER}"]
)
def test_an_order_has_one_id(key: str) -> None:
    with pytest.raises(ApiError, match="is not an Order id"):
        order_key(_raw_id(f"Order:{key}"))


def test_an_id_of_another_type_is_named_with_its_article() -> None:
    with pytest.raises(ApiError, match="is not an Order id"):
        order_key(to_global_id("Product", 5))
    with pytest.raises(ApiError, match="is not a Product id"):
        product_key(to_global_id("Order", ORDER))


@pytest.mark.parametrize("key", ["a\x00b", "m" * 256, "\u202ealice", " "])
def test_a_member_id_follows_the_rule_of_a_token_subject(key: str) -> None:
    with pytest.raises(ApiError, match="is not a Member id"):
        member_key(_raw_id(f"Member:{key}"))


def test_a_moment_is_kept_in_utc_within_the_range_python_and_postgresql_hold() -> None:
    seoul = timezone(timedelta(hours=9))
    in_seoul = datetime(2026, 1, 1, 9, tzinfo=seoul)
    assert storable_moment(in_seoul) == datetime(2026, 1, 1, tzinfo=UTC)
    assert storable_moment(datetime.min.replace(tzinfo=UTC)) == datetime.min.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        storable_moment(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="range"):
        storable_moment(datetime.min.replace(tzinfo=seoul))
    with pytest.raises(ValueError, match="range"):
        storable_moment(datetime.max.replace(tzinfo=timezone(timedelta(hours=-1))))


def test_a_cursor_outside_that_range_or_above_bigint_is_foreign() -> None:
    early = _raw_id(f"o:0001-01-01T00:00:00+09:00|{ORDER}")
    with pytest.raises(ApiError, match="cursor"):
        order_position(early)
    with pytest.raises(ApiError, match="cursor"):
        product_position(_raw_id(f"p:{2**63}"))
