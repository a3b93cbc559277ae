"""An order's one timeline: its history, its payment's events and its parcel's events, merged
in time order, each worded in Korean for the customer who reads it.

The history and the parcel's own events are kept in English for operators; what the customer
reads is said here, from their status and from how the entries of a change begin (the constants
of the modules that write them), so the words live in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.address_change import ADDRESS_CHANGED
from domain.delivery import DeliveryEvent
from domain.order import OrderEvent
from domain.order_return import ReturnScan
from domain.partial_cancellation import LINES_CANCELLED
from domain.payment import PaymentEvent, PaymentEventKind
from domain.returns import RETURN_COLLECTING, RETURN_PICKED_UP, RETURN_RECEIVED, RETURN_REQUESTED
from domain.status import CancelReason, DeliveryStatus, OrderStatus
from domain.steps.delivery import CANCELLED_WITH_CARRIER, READDRESSED, REGISTERED


class TimelineKind(StrEnum):
    ORDER_STATUS = "ORDER_STATUS"
    """The order entered a status."""
    ORDER_CHANGED = "ORDER_CHANGED"
    """The order changed at the same status: lines cancelled, its address changed, a return
    asked for, picked up, received."""
    PAYMENT_APPROVED = "PAYMENT_APPROVED"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED"
    PAYMENT_PARTIALLY_REFUNDED = "PAYMENT_PARTIALLY_REFUNDED"
    PARCEL_SCAN = "PARCEL_SCAN"
    """A scan the carrier reported (CJ대한통운's 집화처리 … 배달완료), with its place."""
    PARCEL_UPDATE = "PARCEL_UPDATE"
    """What we did with the parcel at the carrier: registered, readdressed, cancelled."""
    RETURN_SCAN = "RETURN_SCAN"
    """A scan the carrier reported of a return parcel (반품 회수), with its place."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: TimelineKind
    occurred_at: datetime
    message: str
    """A sentence for the customer, in Korean."""
    place: str | None = None
    """Where the carrier scanned the parcel (서울강남, 곤지암Hub, 부산배송센터)."""
    status: OrderStatus | None = None
    """The status the order entered, or was at (order entries only)."""
    scan: str | None = None
    """The carrier's own name for its scan (scans only)."""


_ENTERED: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "주문이 접수되었습니다.",
    OrderStatus.STOCK_RESERVED: "주문하신 상품의 재고를 확보했습니다.",
    OrderStatus.PAID: "결제가 완료되었습니다.",
    OrderStatus.PREPARING: "상품을 준비하고 있습니다.",
    OrderStatus.SHIPPED: "상품이 발송되었습니다.",
    OrderStatus.DELIVERED: "배송이 완료되었습니다.",
    OrderStatus.CANCELLED: "주문이 취소되었습니다.",
}
_CANCELLED_FOR: dict[CancelReason, str] = {
    CancelReason.CUSTOMER_REQUEST: "고객님의 요청으로 주문이 취소되었습니다.",
    CancelReason.OUT_OF_STOCK: "재고가 부족하여 주문이 취소되었습니다.",
    CancelReason.PAYMENT_DECLINED: "결제가 거절되어 주문이 취소되었습니다.",
    CancelReason.PAYMENT_FAILED: "결제를 처리하지 못해 주문이 취소되었습니다.",
    CancelReason.DELIVERY_FAILED: "택배 접수에 실패하여 주문이 취소되었습니다.",
}
_CHANGES: tuple[tuple[str, str], ...] = (
    (LINES_CANCELLED, "주문하신 상품 중 일부가 취소되었습니다."),
    (ADDRESS_CHANGED, "배송지가 변경되었습니다."),
    (RETURN_REQUESTED, "반품을 신청하셨습니다."),
    (RETURN_COLLECTING, "택배사에 반품 회수를 접수했습니다."),
    (RETURN_PICKED_UP, "택배사가 반품 상품을 회수했습니다."),
    (RETURN_RECEIVED, "반품 상품이 도착하여 환불했습니다."),
)
_CHANGED = "주문 내용이 변경되었습니다."
_SCANNED: dict[DeliveryStatus, str] = {
    DeliveryStatus.PREPARING: "택배사가 상품 인수를 준비하고 있습니다.",
    DeliveryStatus.PICKED_UP: "택배사가 상품을 인수했습니다.",
    DeliveryStatus.IN_TRANSIT: "상품이 배송지로 이동하고 있습니다.",
    DeliveryStatus.OUT_FOR_DELIVERY: "배송기사가 배달을 시작했습니다.",
    DeliveryStatus.DELIVERED: "배달을 완료했습니다.",
    DeliveryStatus.CANCELLED: "택배 접수가 취소되었습니다.",
}
_RETURN_SCANNED: dict[DeliveryStatus, str] = {
    DeliveryStatus.PREPARING: "택배사가 반품 회수를 준비하고 있습니다.",
    DeliveryStatus.PICKED_UP: "택배사가 반품 상품을 회수했습니다.",
    DeliveryStatus.IN_TRANSIT: "반품 상품이 이동하고 있습니다.",
    DeliveryStatus.OUT_FOR_DELIVERY: "반품 상품이 물류센터로 가고 있습니다.",
    DeliveryStatus.DELIVERED: "반품 상품이 물류센터에 도착했습니다.",
    DeliveryStatus.CANCELLED: "반품 회수가 취소되었습니다.",
}
_PARCEL_UPDATES: tuple[tuple[str, str], ...] = (
    (REGISTERED, "택배사에 배송을 접수했습니다."),
    (READDRESSED, "택배사에 새 배송지를 알렸습니다."),
    (CANCELLED_WITH_CARRIER, "택배 접수를 취소했습니다."),
)
_PAID: dict[PaymentEventKind, tuple[TimelineKind, str]] = {
    PaymentEventKind.APPROVED: (TimelineKind.PAYMENT_APPROVED, "결제 {}원이 승인되었습니다."),
    PaymentEventKind.REFUNDED: (TimelineKind.PAYMENT_REFUNDED, "{}원이 환불되었습니다."),
    PaymentEventKind.PARTIALLY_REFUNDED: (
        TimelineKind.PAYMENT_PARTIALLY_REFUNDED,
        "결제 금액 중 {}원이 부분 환불되었습니다.",
    ),
}


def _begins(text: str | None, sayings: tuple[tuple[str, str], ...], otherwise: str) -> str:
    return next((said for start, said in sayings if (text or "").startswith(start)), otherwise)


def _history(history: Iterable[OrderEvent], reason: CancelReason | None) -> list[TimelineEntry]:
    entries, before = [], None
    for event in history:
        if event.status is before:
            kind, message = TimelineKind.ORDER_CHANGED, _begins(event.message, _CHANGES, _CHANGED)
        elif event.status is OrderStatus.CANCELLED and reason is not None:
            kind, message = TimelineKind.ORDER_STATUS, _CANCELLED_FOR[reason]
        else:
            kind, message = TimelineKind.ORDER_STATUS, _ENTERED[event.status]
        entries.append(TimelineEntry(kind, event.occurred_at, message, status=event.status))
        before = event.status
    return entries


def _payment(event: PaymentEvent) -> TimelineEntry:
    kind, saying = _PAID[event.kind]
    return TimelineEntry(kind, event.occurred_at, saying.format(f"{event.amount:,}"))


def _parcel(event: DeliveryEvent) -> TimelineEntry:
    if event.scan is None:  # ours: its location says what we did
        message = _begins(event.location, _PARCEL_UPDATES, _SCANNED[event.status])
        return TimelineEntry(TimelineKind.PARCEL_UPDATE, event.occurred_at, message)
    return TimelineEntry(
        TimelineKind.PARCEL_SCAN,
        event.occurred_at,
        f"[{event.scan}] {_SCANNED[event.status]}",
        place=event.location,
        scan=event.scan,
    )


def _return_scan(scan: ReturnScan) -> TimelineEntry:
    said = _RETURN_SCANNED[scan.status]
    return TimelineEntry(
        TimelineKind.RETURN_SCAN,
        scan.occurred_at,
        f"[{scan.scan}] {said}" if scan.scan else said,
        place=scan.location,
        scan=scan.scan,
    )


def timeline(
    history: Iterable[OrderEvent],
    cancel_reason: CancelReason | None,
    payment_events: Iterable[PaymentEvent],
    parcel_events: Iterable[DeliveryEvent],
    return_scans: Iterable[ReturnScan],
) -> list[TimelineEntry]:
    """Every entry, oldest first; entries of one moment keep the order of their sources (the
    order's history, then its payment, then its parcel, then its return parcels) and of each
    source."""
    entries = [
        *_history(history, cancel_reason),
        *(_payment(event) for event in payment_events),
        *(_parcel(event) for event in parcel_events),
        *(_return_scan(scan) for scan in return_scans),
    ]
    return sorted(entries, key=lambda entry: entry.occurred_at)
