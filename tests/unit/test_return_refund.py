"""What a return (반품) gives back at its edges (domain.pricing.return_refund): the return fee
on a change of mind, the outbound fee a return undoes, a damaged book's whole refund, and the
order of card and points."""

from __future__ import annotations

from domain.pricing import (
    BookPrice,
    BookRates,
    OrderMoney,
    PricedLine,
    ShippingPolicy,
    price_order,
    return_refund,
)

POLICY = ShippingPolicy(threshold=15_000, fee=2_500)
RETURN_FEE = 2_500


def line(product_id: int, price: int, points: int = 0) -> PricedLine:
    return PricedLine(product_id, 1, BookPrice(price, BookRates(0, points)))


def _money(lines: list[PricedLine], points: int = 0) -> OrderMoney:
    return price_order(lines, points, POLICY)


def test_a_change_of_mind_keeps_the_return_fee() -> None:
    before = _money([line(1, 20_000), line(2, 20_000)])  # ships free, and still does after

    refund = return_refund(
        before, [line(1, 20_000)], POLICY, customer_pays=True, return_fee=RETURN_FEE
    )

    assert (refund.card, refund.points) == (20_000 - RETURN_FEE, 0)
    assert refund.after.shipping_fee == RETURN_FEE
    assert refund.after.card + refund.after.points_used == refund.after.due


def test_a_change_of_mind_that_undoes_free_shipping_keeps_the_outbound_fee_too() -> None:
    before = _money([line(1, 10_000), line(2, 10_000)])  # 20,000: free; 10,000 left: not

    refund = return_refund(
        before, [line(1, 10_000)], POLICY, customer_pays=True, return_fee=RETURN_FEE
    )

    assert refund.card == 10_000 - POLICY.fee - RETURN_FEE
    assert refund.after.shipping_fee == POLICY.fee + RETURN_FEE


def test_returning_everything_on_a_change_of_mind_keeps_both_fees() -> None:
    before = _money([line(1, 20_000)])

    refund = return_refund(before, [], POLICY, customer_pays=True, return_fee=RETURN_FEE)

    assert refund.card == 20_000 - POLICY.fee - RETURN_FEE


def test_a_damaged_book_is_refunded_whole_and_the_last_one_brings_the_fee_back() -> None:
    before = _money([line(1, 10_000), line(2, 3_000)])  # 13,000: the fee was charged

    part = return_refund(before, [line(1, 10_000)], POLICY, customer_pays=False, return_fee=2_500)
    whole = return_refund(before, [], POLICY, customer_pays=False, return_fee=2_500)

    assert part.card == 3_000
    assert part.after.shipping_fee == POLICY.fee
    assert whole.card == 13_000 + POLICY.fee


def test_points_come_back_after_the_card_and_earned_points_follow_the_lines() -> None:
    before = _money([line(1, 20_000, points=500), line(2, 20_000, points=500)], points=30_000)

    refund = return_refund(
        before, [line(1, 20_000, points=500)], POLICY, customer_pays=True, return_fee=RETURN_FEE
    )

    assert before.card == 10_000
    assert (refund.card, refund.points) == (10_000, 20_000 - RETURN_FEE - 10_000)
    assert refund.after.points_to_earn == 1_000


def test_never_more_is_kept_than_the_refund() -> None:
    before = _money([line(1, 2_000)])  # 2,000 + 2,500 fee

    refund = return_refund(before, [], POLICY, customer_pays=True, return_fee=RETURN_FEE)

    assert (refund.card, refund.points) == (0, 0)
    assert refund.after.card == before.card


def test_a_second_change_of_mind_below_the_threshold_keeps_the_outbound_fee_too() -> None:
    before = _money([line(1, 10_000), line(2, 6_000), line(3, 3_000)])  # 19,000: free
    first = return_refund(
        before, [line(1, 10_000), line(2, 6_000)], POLICY, customer_pays=True, return_fee=RETURN_FEE
    )
    second = return_refund(
        first.after,
        [line(1, 10_000)],
        POLICY,
        customer_pays=True,
        return_fee=RETURN_FEE,
        return_fees_kept=first.return_fee_kept,
    )

    assert (first.after.shipping_fee, first.return_fee_kept) == (RETURN_FEE, RETURN_FEE)
    assert second.card == 6_000 - POLICY.fee - RETURN_FEE  # 10,000 left: free shipping undone
    assert second.after.shipping_fee == POLICY.fee + 2 * RETURN_FEE


def test_a_damaged_last_book_leaves_an_earlier_change_of_minds_return_fee_kept() -> None:
    before = _money([line(1, 3_000), line(2, 16_000)])  # 19,000: free
    first = return_refund(
        before, [line(2, 16_000)], POLICY, customer_pays=True, return_fee=RETURN_FEE
    )
    last = return_refund(
        first.after,
        [],
        POLICY,
        customer_pays=False,
        return_fee=RETURN_FEE,
        return_fees_kept=first.return_fee_kept,
    )

    assert first.card == 3_000 - RETURN_FEE
    assert (last.card, last.return_fee_kept) == (16_000, 0)
    assert last.after.shipping_fee == RETURN_FEE
