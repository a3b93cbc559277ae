"""Order search criteria: each bad one refused with its field, the rest normalised."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import strawberry

from domain.catalogue import isbn13_check_digit
from domain.order_search import OrderSearch
from domain.problems import Refused
from domain.status import OrderStatus
from schema.orders.search import OrderSearchInput

ISBN = "979000000001" + str(isbn13_check_digit("979000000001"))


@pytest.mark.parametrize(
    ("keyword", "value", "field"),
    [
        ("phone", "010-12a4-5678", "phone"),
        ("isbn", "9791234567890", "isbn"),
        ("recipient", "김", "recipient"),
        ("title", " 별 ", "title"),
        ("number", "  ", "number"),
        ("member_id", "member\u202e", "memberId"),
    ],
)
def test_a_bad_criterion_is_refused_with_its_field(keyword: str, value: str, field: str) -> None:
    with pytest.raises(Refused) as refused:
        OrderSearch(**{keyword: value}).checked()  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == [(field,)]


def test_criteria_are_normalised() -> None:
    search = OrderSearch(
        number=" 20261101-abcd2345 ", phone="010 1234-5678", isbn=f"979-{ISBN[3:]}"
    ).checked()
    assert (search.number, search.phone, search.isbn) == (
        "20261101-ABCD2345",
        "01012345678",
        ISBN,
    )


def test_the_search_input_gives_every_criterion_as_asked() -> None:
    at, before = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    asked = OrderSearchInput(
        number="n",
        member_id=strawberry.ID("m"),
        recipient="r",
        recipient_name="rn",
        phone="p",
        isbn="i",
        title="t",
        status=[OrderStatus.PAID, OrderStatus.SHIPPED],
        created_after=at,
        created_before=before,
    )
    assert asked.values() == OrderSearch(
        number="n",
        member_id="m",
        recipient="r",
        recipient_name="rn",
        phone="p",
        isbn="i",
        title="t",
        statuses=(OrderStatus.PAID, OrderStatus.SHIPPED),
        created_after=at,
        created_before=before,
    )
