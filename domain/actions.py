"""What a customer may do with an order now: cancel it, cancel some of its lines, change its
delivery address, return some of it. One rule per action, read by `Order.availableActions` and
by the use case that does the action, so that what the page offers and what the API accepts
cannot disagree (tests/e2e/test_available_actions.py walks the status table to hold this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.moments import SEOUL
from domain.problems import ProblemCode, Refused, refuse
from domain.status import OrderStatus


class Action(StrEnum):
    CANCEL = "CANCEL"
    CANCEL_LINES = "CANCEL_LINES"
    CHANGE_ADDRESS = "CHANGE_ADDRESS"
    RETURN = "RETURN"


class Hindrance(StrEnum):
    """Why an action is not possible now, as a code a page can put in its own words."""

    CANCELLED = "CANCELLED"
    """The order is cancelled."""
    NOT_PAID_YET = "NOT_PAID_YET"
    """Its payment is still being taken (lines are cancelled once it is paid)."""
    PICKED_UP = "PICKED_UP"
    """The carrier has picked the parcel up."""
    NOT_DELIVERED = "NOT_DELIVERED"
    """A return is asked for once the order is delivered."""
    RETURN_PERIOD_ENDED = "RETURN_PERIOD_ENDED"
    """The return period (`ReturnPolicy.days` from delivery) is over."""
    NOTHING_TO_RETURN = "NOTHING_TO_RETURN"
    """Every copy is returned already, or on its way back."""


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """반품: how long after delivery a customer may ask, and what a change of mind costs."""

    days: int = 7
    """전자상거래법's withdrawal period: 7 days from delivery (ORDERS_RETURN_DAYS)."""
    fee: int = 2_500
    """The return parcel's fee, kept from the refund when the reason is a change of mind
    (ORDERS_RETURN_FEE); a damaged or wrong book is returned at the shop's cost."""

    def last_day(self, delivered_at: datetime) -> date:
        """The last day, in Seoul, on which a return may be asked for: the day of delivery
        plus `days` (delivered on the 1st: until the end of the 8th)."""
        return delivered_at.astimezone(SEOUL).date() + timedelta(days=self.days)

    def ends_at(self, delivered_at: datetime) -> datetime:
        """The moment the period ends: midnight, Seoul, after its last day."""
        return datetime.combine(self.last_day(delivered_at) + timedelta(days=1), time(), SEOUL)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules read of an order: its status, when it was delivered, and whether any
    copy is left to return."""

    status: OrderStatus
    delivered_at: datetime | None = None
    returnable_copies: int = 0
    """Copies delivered and neither returned nor on their way back."""


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether `action` is possible now, and when not, why (a code and a sentence)."""

    action: Action
    hindrance: Hindrance | None = None
    reason: str | None = None
    until: datetime | None = None
    """When a possible action stops being possible by the clock alone (a return: the end of
    the return period); None when only a change of the order ends it."""

    @property
    def possible(self) -> bool:
        return self.hindrance is None

    def refusal(self) -> Refused:
        """The refusal of the action's mutation: INVALID_STATE, with this reason."""
        assert self.reason is not None, f"{self.action} is possible"
        return refuse(ProblemCode.INVALID_STATE, self.reason, ("id",))


_BEFORE_PICKUP = frozenset(
    {OrderStatus.PENDING, OrderStatus.STOCK_RESERVED, OrderStatus.PAID, OrderStatus.PREPARING}
)
_PAID_NOT_PICKED_UP = frozenset({OrderStatus.PAID, OrderStatus.PREPARING})


def _not(action: Action, hindrance: Hindrance, reason: str) -> Availability:
    return Availability(action, hindrance, reason)


def _cancelled(action: Action) -> Availability:
    return _not(action, Hindrance.CANCELLED, "the order is cancelled already")


def _picked_up(action: Action, status: OrderStatus, what: str) -> Availability:
    return _not(
        action,
        Hindrance.PICKED_UP,
        f"the order is {status.value} and {what}: the parcel has been picked up",
    )


def _until_pickup(action: Action, status: OrderStatus, what: str) -> Availability:
    if status is OrderStatus.CANCELLED:
        return _cancelled(action)
    if status not in _BEFORE_PICKUP:
        return _picked_up(action, status, what)
    return Availability(action)


def can_cancel(situation: Situation) -> Availability:
    """Until the parcel is picked up (cancelling a cancelled order again changes nothing)."""
    return _until_pickup(Action.CANCEL, situation.status, "can no longer be cancelled")


def can_cancel_lines(situation: Situation) -> Availability:
    """Paid, so the card's part is known and refunded as a part; not yet picked up. Before it
    is paid an order is cancelled whole or waits a moment (its charge may be in flight at the
    old amount)."""
    status = situation.status
    until_pickup = _until_pickup(Action.CANCEL_LINES, status, "can no longer be cancelled")
    if not until_pickup.possible:
        return until_pickup
    if status not in _PAID_NOT_PICKED_UP:
        return _not(
            Action.CANCEL_LINES,
            Hindrance.NOT_PAID_YET,
            f"the order is {status.value}: its payment is still being taken; cancel it "
            "whole, or cancel lines once it is PAID",
        )
    return Availability(Action.CANCEL_LINES)


def can_change_address(situation: Situation) -> Availability:
    """Until the parcel is picked up: a registered parcel's address changes with the carrier."""
    return _until_pickup(
        Action.CHANGE_ADDRESS, situation.status, "its address can no longer change"
    )


def can_return(situation: Situation, policy: ReturnPolicy, now: datetime) -> Availability:
    """Delivered, within the return period, with a copy left to return."""
    status = situation.status
    if status is OrderStatus.CANCELLED:
        return _cancelled(Action.RETURN)
    if status is not OrderStatus.DELIVERED or situation.delivered_at is None:
        return _not(
            Action.RETURN,
            Hindrance.NOT_DELIVERED,
            f"the order is {status.value}: a return is asked for once it is delivered",
        )
    ends_at = policy.ends_at(situation.delivered_at)
    if now >= ends_at:
        return _not(
            Action.RETURN,
            Hindrance.RETURN_PERIOD_ENDED,
            f"the return period ended on {policy.last_day(situation.delivered_at).isoformat()} "
            f"({policy.days} days from delivery, Asia/Seoul)",
        )
    if situation.returnable_copies <= 0:
        return _not(
            Action.RETURN,
            Hindrance.NOTHING_TO_RETURN,
            "every copy of the order is returned already or on its way back",
        )
    return Availability(Action.RETURN, until=ends_at)


def available_actions(
    situation: Situation, policy: ReturnPolicy, now: datetime
) -> list[Availability]:
    """Each action, in the order of `Action`."""
    return [
        can_cancel(situation),
        can_cancel_lines(situation),
        can_change_address(situation),
        can_return(situation, policy, now),
    ]
