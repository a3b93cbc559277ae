"""Prices under 도서정가제 (the book fixed-price law), the shipping fee, points (적립금) and what a
partial cancellation or a return gives back. Figures are whole won (ints); rates are whole basis
points of the list price (10000 = 100 %), so no float ever touches money.

Rounding: a discount or a points amount is `floor(list price * rate / 10000)`, per copy. Rounding
the discount down keeps the sale price at or above 90 % of the list price for every list price,
and the discount plus the points at or below 15 % of it: the law is checked on the rates, and
each floored figure is at most its exact share, so no rounding can carry a price past the law.
The customer pays at most 1 won more per copy than the exact figure, never the shop less than
the law allows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from domain.problems import Problem, ProblemCode, Refused

BASIS_POINTS = 10_000
"""100 % of a list price, in basis points."""
MAX_DISCOUNT = 1_000
"""도서정가제: the sale price may be at most 10 % below the list price."""
MAX_BENEFIT = 1_500
"""도서정가제: the discount plus the points at most 15 % of the list price."""
MAX_ORDER_TOTAL = 1_000_000_000
"""The most an order may come to, in won: an amount of the API is a GraphQL Int and the
database's a 32-bit integer (2,147,483,647 at most), and no bookstore's basket comes near it."""


@dataclass(frozen=True, slots=True)
class BookRates:
    """A book's discount rate and points rate, in basis points of its list price."""

    discount: int = 0
    points: int = 0

    def problems(self) -> list[Problem]:
        """What the law (or arithmetic) refuses in these rates, each naming its rule."""
        found = []
        for name, rate in (("discountRate", self.discount), ("pointsRate", self.points)):
            if not 0 <= rate <= BASIS_POINTS:
                found.append(
                    Problem(
                        ProblemCode.INVALID_INPUT,
                        f"{name} is in basis points, 0 to {BASIS_POINTS}, not {rate}",
                        (name,),
                    )
                )
        if found:
            return found
        if self.discount > MAX_DISCOUNT:
            found.append(
                Problem(
                    ProblemCode.BOOK_PRICE_LAW,
                    f"도서정가제 (book fixed-price law): a discount of {percent(self.discount)} "
                    f"is more than the {percent(MAX_DISCOUNT)} allowed below the list price",
                    ("discountRate",),
                )
            )
        elif self.discount + self.points > MAX_BENEFIT:
            found.append(
                Problem(
                    ProblemCode.BOOK_PRICE_LAW,
                    f"도서정가제 (book fixed-price law): the discount ({percent(self.discount)}) "
                    f"and the points ({percent(self.points)}) together are more than the "
                    f"{percent(MAX_BENEFIT)} of the list price allowed",
                    ("pointsRate",),
                )
            )
        return found

    def check(self) -> BookRates:
        """These rates, or `Refused` naming the rule they break."""
        if found := self.problems():
            raise Refused(found)
        return self


NO_RATES = BookRates()
"""No discount, no points: the list price is the sale price."""


def percent(basis_points: int) -> str:
    """`1001` → `10.01 %`: a rate as people read it."""
    whole, hundredths = divmod(basis_points, 100)
    return f"{whole}.{hundredths:02d} %" if hundredths else f"{whole} %"


def share(list_price: int, rate: int) -> int:
    """`rate` basis points of `list_price`, rounded down to the won."""
    return list_price * rate // BASIS_POINTS


@dataclass(frozen=True, slots=True)
class BookPrice:
    """One copy of a book as the shop sells it."""

    list_price: int
    """정가, set by the publisher."""
    rates: BookRates

    @property
    def discount(self) -> int:
        return share(self.list_price, self.rates.discount)

    @property
    def sale_price(self) -> int:
        """판매가: the list price less the discount."""
        return self.list_price - self.discount

    @property
    def points(self) -> int:
        """The points one copy earns once delivered."""
        return share(self.list_price, self.rates.points)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """An order line at the prices of the moment it was ordered."""

    product_id: int
    quantity: int
    price: BookPrice

    @property
    def subtotal(self) -> int:
        return self.price.sale_price * self.quantity

    @property
    def points(self) -> int:
        return self.price.points * self.quantity


@dataclass(frozen=True, slots=True)
class ShippingPolicy:
    """Free shipping from `threshold` won of sale prices, otherwise `fee` (Kyobo, Yes24 and
    Aladin since February 2023: ₩15,000 and ₩2,500)."""

    threshold: int = 15_000
    fee: int = 2_500

    def fee_for(self, subtotal: int) -> int:
        return 0 if subtotal >= self.threshold else self.fee

    def short_of_free(self, subtotal: int) -> int:
        """How much more would make shipping free (0 when it is)."""
        return max(0, self.threshold - subtotal)


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """What an order costs and how it is paid: `card + points_used == subtotal + shipping_fee`."""

    subtotal: int
    """The lines at their sale prices."""
    shipping_fee: int
    points_used: int
    card: int
    """What the card is charged (0: no call to the gateway)."""
    points_to_earn: int
    """Earned once the order is delivered."""

    @property
    def due(self) -> int:
        return self.subtotal + self.shipping_fee

    @property
    def paid(self) -> int:
        """What the card and the points paid."""
        return self.card + self.points_used


def _subtotal(lines: Sequence[PricedLine]) -> int:
    return sum(line.subtotal for line in lines)


def price_order(
    lines: Sequence[PricedLine], points_to_spend: int, policy: ShippingPolicy
) -> OrderMoney:
    """The order's money; `Refused` when it comes to more than `MAX_ORDER_TOTAL`, or when the
    points to spend are negative or more than is due (they pay all or part of the amount due,
    shipping included; the card pays the rest)."""
    subtotal = _subtotal(lines)
    fee = policy.fee_for(subtotal)
    due = subtotal + fee
    if due > MAX_ORDER_TOTAL:
        raise Refused(
            [
                Problem(
                    ProblemCode.INVALID_INPUT,
                    f"an order comes to at most ₩{MAX_ORDER_TOTAL:,}, not ₩{due:,}",
                    ("items",),
                )
            ]
        )
    if not 0 <= points_to_spend <= due:
        raise Refused(
            [
                Problem(
                    ProblemCode.INVALID_INPUT,
                    f"points to spend are 0 to the amount due ({due}), not {points_to_spend}",
                    ("points",),
                )
            ]
        )
    return OrderMoney(
        subtotal=subtotal,
        shipping_fee=fee,
        points_used=points_to_spend,
        card=due - points_to_spend,
        points_to_earn=sum(line.points for line in lines),
    )


@dataclass(frozen=True, slots=True)
class Refund:
    """What a numbered part (a partial cancellation, a return) gives back, and the order's
    money after it."""

    card: int
    points: int
    after: OrderMoney
    return_fee_kept: int = 0
    """A return's: what it kept for its own parcel (a change of mind), within `after`'s fee."""


def cancellation_refund(
    before: OrderMoney, remaining: Sequence[PricedLine], policy: ShippingPolicy
) -> Refund:
    """What cancelling some units gives back, `remaining` being the lines as they stay.

    The fee is recomputed: nothing left, nothing charged for shipping; a fee charged already
    stays what it was; an order that shipped free and falls below the threshold owes the fee,
    taken from the refund, as the big stores do, but never more than the refund (a cancellation
    never asks for money: the shop carries the rest of the fee).

    The card comes back first, the points last: cash is worth more to a customer than store
    credit, and the card's refund is bounded by what it paid, so the order never holds a card
    amount the gateway would refuse to give back. Points come back only once the card paid for
    what is cancelled is all returned.
    """
    subtotal = _subtotal(remaining)
    if subtotal == 0:
        fee = 0
    elif before.shipping_fee:
        fee = before.shipping_fee
    else:
        fee = policy.fee_for(subtotal)
    back = max(0, before.paid - subtotal - fee)
    return _giving_back(before, remaining, subtotal, back)


def return_refund(
    before: OrderMoney,
    remaining: Sequence[PricedLine],
    policy: ShippingPolicy,
    *,
    customer_pays: bool,
    return_fee: int,
    return_fees_kept: int = 0,
) -> Refund:
    """What a return (반품) gives back once its books are back, `remaining` being the lines as
    they stay, `return_fees_kept` what the order's earlier returns kept for their parcels.

    A change of mind (`customer_pays`) pays the return parcel (`return_fee`) and keeps the
    outbound fee: the one it was charged stays, and an order that shipped free owes it once
    what stays is below the threshold (all of it returned included: the parcel did travel). A
    damaged or wrong book is the shop's fault: nothing kept, and the outbound fee comes back
    with the last book. The order's fee holds the outbound fee and every earlier return's fee
    (`return_fees_kept`, which stay kept): the outbound fee is what it holds beyond them. Never
    more kept than the refund; the card comes back first, the points last, as in
    `cancellation_refund`. The fees kept are the order's shipping fee after it."""
    subtotal = _subtotal(remaining)
    outbound = before.shipping_fee - return_fees_kept
    own_fee = 0
    if customer_pays:
        outbound = outbound or policy.fee_for(subtotal)
        own_fee = return_fee
    elif not subtotal:
        outbound = 0
    back = max(0, before.paid - subtotal - outbound - return_fees_kept - own_fee)
    refund = _giving_back(before, remaining, subtotal, back)
    kept_for_parcel = max(0, min(own_fee, refund.after.shipping_fee - outbound - return_fees_kept))
    return dataclasses.replace(refund, return_fee_kept=kept_for_parcel)


def _giving_back(
    before: OrderMoney, remaining: Sequence[PricedLine], subtotal: int, back: int
) -> Refund:
    """`back` won given back, the card first and the points last; what was paid beyond the
    books that stay (`remaining`, which come to `subtotal`) is the order's fee after it."""
    card = min(back, before.card)
    points = back - card
    after = OrderMoney(
        subtotal=subtotal,
        shipping_fee=before.paid - back - subtotal,
        points_used=before.points_used - points,
        card=before.card - card,
        points_to_earn=sum(line.points for line in remaining),
    )
    return Refund(card=card, points=points, after=after)
