"""도서정가제, the shipping fee, points and partial refunds at their edges (domain/pricing.py)."""

from __future__ import annotations

import pytest

from domain.pricing import (
    BookPrice,
    BookRates,
    OrderMoney,
    PricedLine,
    ShippingPolicy,
    cancellation_refund,
    percent,
    price_order,
)
from domain.problems import ProblemCode, Refused

POLICY = ShippingPolicy(threshold=15_000, fee=2_500)


def line(list_price: int, quantity: int = 1, discount: int = 0, points: int = 0) -> PricedLine:
    return PricedLine(1, quantity, BookPrice(list_price, BookRates(discount, points)))


def test_exactly_ten_percent_off_and_fifteen_combined_are_lawful() -> None:
    assert BookRates(discount=1000, points=500).check() == BookRates(1000, 500)
    assert BookRates(discount=0, points=1500).problems() == []
    price = BookPrice(16_800, BookRates(discount=1000, points=500))
    assert (price.discount, price.sale_price, price.points) == (1680, 15_120, 840)


def test_a_discount_of_ten_point_oh_one_percent_is_refused_naming_the_law() -> None:
    with pytest.raises(Refused) as refused:
        BookRates(discount=1001, points=0).check()
    (problem,) = refused.value.problems
    assert problem.code is ProblemCode.BOOK_PRICE_LAW
    assert problem.field == ("discountRate",)
    assert "도서정가제" in problem.message
    assert "10.01 %" in problem.message


def test_discount_and_points_beyond_fifteen_percent_are_refused() -> None:
    (problem,) = BookRates(discount=1000, points=501).problems()
    assert (problem.code, problem.field) == (ProblemCode.BOOK_PRICE_LAW, ("pointsRate",))
    assert "도서정가제" in problem.message
    assert "15 %" in problem.message
    assert BookRates(discount=0, points=1501).problems()


@pytest.mark.parametrize("rates", [BookRates(-1, 0), BookRates(0, -1), BookRates(0, 10_001)])
def test_rates_outside_basis_points_are_refused(rates: BookRates) -> None:
    (problem,) = rates.problems()
    assert "basis points" in problem.message


@pytest.mark.parametrize(
    ("list_price", "discount", "sale_price"),
    [(13_999, 1000, 12_600), (9, 1000, 9), (10, 1000, 9), (19, 1000, 18), (1, 1000, 1)],
)
def test_the_discount_is_rounded_down_so_the_sale_price_stays_within_the_law(
    list_price: int, discount: int, sale_price: int
) -> None:
    price = BookPrice(list_price, BookRates(discount=discount))
    assert price.sale_price == sale_price
    assert price.sale_price * 10 >= list_price * 9


def test_points_per_copy_are_rounded_down_then_counted_per_copy() -> None:
    assert BookPrice(13_999, BookRates(points=500)).points == 699
    assert line(13_999, quantity=3, points=500).points == 3 * 699


def test_no_list_price_rounds_past_the_law() -> None:
    for list_price in range(1, 100_001):
        price = BookPrice(list_price, BookRates(discount=1000, points=500))
        assert price.discount * 100 <= list_price * 10, list_price
        assert (price.discount + price.points) * 100 <= list_price * 15, list_price


def test_percentages_read_as_people_read_them() -> None:
    assert [percent(1000), percent(1001), percent(50), percent(0)] == [
        "10 %",
        "10.01 %",
        "0.50 %",
        "0 %",
    ]


def test_threshold_minus_one_won_pays_the_fee_and_the_threshold_ships_free() -> None:
    assert price_order([line(14_999)], 0, POLICY).shipping_fee == 2_500
    assert price_order([line(15_000)], 0, POLICY).shipping_fee == 0
    assert POLICY.short_of_free(14_999) == 1
    assert POLICY.short_of_free(15_000) == 0


def test_the_threshold_is_on_sale_prices_not_list_prices() -> None:
    money = price_order([line(16_000, discount=1000)], 0, POLICY)
    assert (money.subtotal, money.shipping_fee) == (14_400, 2_500)


def test_an_order_paid_half_by_points_and_half_by_card() -> None:
    money = price_order([line(10_000, quantity=2, discount=1000, points=500)], 9_000, POLICY)
    assert money == OrderMoney(
        subtotal=18_000, shipping_fee=0, points_used=9_000, card=9_000, points_to_earn=1_000
    )


def test_points_may_pay_everything_fee_included_and_no_more() -> None:
    money = price_order([line(12_000)], 14_500, POLICY)
    assert (money.card, money.points_used, money.due) == (0, 14_500, 14_500)
    for points in (14_501, -1):
        with pytest.raises(Refused) as refused:
            price_order([line(12_000)], points, POLICY)
        assert refused.value.problems[0].field == ("points",)


def test_cancelling_one_line_of_three_refunds_that_line_to_the_card() -> None:
    lines = [line(8_000), line(5_000), line(9_000)]
    before = price_order(lines, 0, POLICY)
    refund = cancellation_refund(before, [lines[0], lines[2]], POLICY)
    assert (before.shipping_fee, refund.card, refund.points) == (0, 5_000, 0)
    assert refund.after == OrderMoney(17_000, 0, 0, 17_000, 0)


def test_falling_below_the_threshold_takes_the_fee_from_the_refund() -> None:
    lines = [line(10_000), line(8_000)]
    before = price_order(lines, 0, POLICY)
    refund = cancellation_refund(before, [lines[0]], POLICY)
    assert (refund.card, refund.after.shipping_fee, refund.after.card) == (5_500, 2_500, 12_500)


def test_a_fee_already_paid_stays_and_the_last_line_gives_it_back() -> None:
    lines = [line(5_000), line(4_000)]
    before = price_order(lines, 0, POLICY)
    partly = cancellation_refund(before, [lines[0]], POLICY)
    assert (partly.card, partly.after.shipping_fee) == (4_000, 2_500)
    whole = cancellation_refund(partly.after, [], POLICY)
    assert (whole.card, whole.after) == (7_500, OrderMoney(0, 0, 0, 0, 0))


def test_a_refund_that_would_go_below_zero_refunds_nothing_and_asks_for_nothing() -> None:
    lines = [line(14_000), line(1_000)]
    before = price_order(lines, 0, POLICY)
    refund = cancellation_refund(before, [lines[0]], POLICY)
    assert (refund.card, refund.points) == (0, 0)
    assert refund.after.shipping_fee == 1_000
    assert refund.after.card + refund.after.points_used == refund.after.due == 15_000


def test_the_card_comes_back_first_and_the_points_last() -> None:
    lines = [line(10_000), line(10_000)]
    before = price_order(lines, 15_000, POLICY)
    assert (before.card, before.points_used) == (5_000, 15_000)
    refund = cancellation_refund(before, [lines[0]], POLICY)
    assert (refund.card, refund.points) == (5_000, 2_500)
    assert refund.after == OrderMoney(10_000, 2_500, 12_500, 0, 0)
    everything = cancellation_refund(before, [], POLICY)
    assert (everything.card, everything.points) == (5_000, 15_000)


def test_points_to_earn_follow_the_lines_that_remain() -> None:
    lines = [line(10_000, points=500), line(20_000, quantity=2, points=300)]
    before = price_order(lines, 0, POLICY)
    assert before.points_to_earn == 500 + 2 * 600
    after = cancellation_refund(before, [lines[0], line(20_000, quantity=1, points=300)], POLICY)
    assert after.after.points_to_earn == 500 + 600
    assert after.card == 20_000
