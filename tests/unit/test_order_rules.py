from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from domain.commands import CreateProduct, OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.order import Address
from domain.ordering import new_order_number, request_fingerprint
from domain.problems import ProblemCode, Refused
from domain.validation import check_create_product, check_place_order, merge_lines

VIEWER = Viewer(Member("m-1", None, None), Role.CUSTOMER)
ADDRESS = Address("김민준", "010-1234-5678", "04524", "세종대로 110", None)


def _order(*lines: tuple[int, int], **changes: object) -> PlaceOrder:
    values: dict[str, object] = {
        "viewer": VIEWER,
        "lines": tuple(OrderLine(p, q) for p, q in lines),
        "address": ADDRESS,
        "payment_token": "tok_ok",
        "idempotency_key": None,
    }
    values.update(changes)
    return PlaceOrder(**values)  # type: ignore[arg-type]


def _fields(command: PlaceOrder) -> list[tuple[ProblemCode, tuple[str, ...] | None]]:
    with pytest.raises(Refused) as refused:
        check_place_order(command)
    return [(p.code, p.field) for p in refused.value.problems]


def test_repeated_books_merge_in_first_seen_order() -> None:
    assert merge_lines([OrderLine(2, 1), OrderLine(1, 2), OrderLine(2, 3)]) == (
        OrderLine(2, 4),
        OrderLine(1, 2),
    )


def test_every_problem_is_reported_at_once() -> None:
    bad_address = Address(" ", "phone?", "123", "x" * 201, None)
    assert _fields(_order((1, 0), (2, 100), address=bad_address)) == [
        (ProblemCode.INVALID_INPUT, ("items", "0", "quantity")),
        (ProblemCode.INVALID_INPUT, ("items", "1", "quantity")),
        (ProblemCode.INVALID_INPUT, ("shippingAddress", "recipient")),
        (ProblemCode.INVALID_INPUT, ("shippingAddress", "line1")),
        (ProblemCode.INVALID_INPUT, ("shippingAddress", "phone")),
        (ProblemCode.INVALID_INPUT, ("shippingAddress", "zipCode")),
    ]


def test_a_sane_order_passes() -> None:
    check_place_order(_order((1, 1), (2, 99), idempotency_key="k" * 255))


def test_the_fingerprint_ignores_line_order_but_not_content() -> None:
    same = request_fingerprint(_order((1, 1), (2, 2)))
    assert request_fingerprint(_order((2, 2), (1, 1))) == same
    assert request_fingerprint(_order((1, 1), (2, 1), (2, 1))) == same
    assert request_fingerprint(_order((1, 1), (2, 3))) != same
    assert request_fingerprint(_order((1, 1), (2, 2), payment_token="tok_decline")) != same


def test_order_numbers_carry_the_day_and_no_ambiguous_characters() -> None:
    number = new_order_number(datetime(2026, 11, 24, tzinfo=UTC))
    assert re.fullmatch(r"20261124-[2-9A-HJ-NP-Z]{8}", number)


def test_an_order_number_carries_the_day_in_seoul() -> None:
    assert new_order_number(datetime(2026, 11, 24, 15, 30, tzinfo=UTC)).startswith("20261125-")
    assert new_order_number(datetime(2026, 11, 24, 14, 59, tzinfo=UTC)).startswith("20261124-")


def test_a_product_needs_a_valid_isbn_and_sane_fields() -> None:
    with pytest.raises(Refused) as refused:
        check_create_product(CreateProduct("9788936434121", "", "A", None, 0, -1))
    assert [p.field for p in refused.value.problems] == [
        ("isbn",),
        ("title",),
        ("price",),
        ("initialStock",),
    ]
    check_create_product(CreateProduct("9788936434120", "채식주의자", "한강", "창비", 12000, 5))
