"""The scans CJ대한통운's tracking page shows, in the order a parcel gets them, and what each
means in the contract's delivery statuses. The simulated carrier reports these; a real CJ
adapter would map its scan codes the same way.

Two scans mean IN_TRANSIT: loaded onto the trunk line at the sending hub (간선상차) and unloaded
at the receiving one (간선하차). Each keeps its own name and place for display.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.status import DeliveryStatus

SENDING_BRANCH = "서울강남"
"""Where the bookstore's warehouse hands parcels over."""
HUB = "곤지암Hub"

_REGIONS = (
    (1, "서울"), (10, "경기"), (21, "인천"), (24, "강원"), (27, "충북"), (30, "세종"),
    (31, "충남"), (34, "대전"), (36, "경북"), (41, "대구"), (44, "울산"), (46, "부산"),
    (50, "경남"), (54, "전북"), (57, "전남"), (61, "광주"), (63, "제주"),
)  # fmt: skip
"""The first two digits of a five-digit postal code (국가기초구역번호) where each region's
codes begin."""


def delivery_branch(zip_code: str) -> str:
    """The branch that delivers to this postal code: its region's."""
    prefix = int(zip_code[:2]) if zip_code[:2].isdigit() else 0
    region = "서울"
    for start, name in _REGIONS:
        if prefix >= start:
            region = name
    return f"{region}배송센터"


@dataclass(frozen=True, slots=True)
class Scan:
    name: str
    status: DeliveryStatus
    code: str
    """Ours, in ASCII: the scan's part of the report's event id."""
    place: str | None
    """Where it happens; None: at the branch that delivers to the parcel's postal code."""
    place_back: str | None
    """Where it happens to a return parcel (반품 회수), which travels the other way: picked up
    by the branch of the customer's postal code (None), delivered to the bookstore's."""

    def location(self, zip_code: str, *, returning: bool = False) -> str:
        place = self.place_back if returning else self.place
        return place or delivery_branch(zip_code)


SCANS = (
    Scan("집화처리", DeliveryStatus.PICKED_UP, "PICKED_UP", SENDING_BRANCH, None),
    Scan("간선상차", DeliveryStatus.IN_TRANSIT, "TRUNK_LOADED", SENDING_BRANCH, None),
    Scan("간선하차", DeliveryStatus.IN_TRANSIT, "TRUNK_UNLOADED", HUB, HUB),
    Scan("배송출발", DeliveryStatus.OUT_FOR_DELIVERY, "OUT_FOR_DELIVERY", None, SENDING_BRANCH),
    Scan("배달완료", DeliveryStatus.DELIVERED, "DELIVERED", None, SENDING_BRANCH),
)
