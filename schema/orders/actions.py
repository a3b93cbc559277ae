"""`Order.availableActions` as the contract shows it: each action, whether it is possible now,
and why not (a code for a page to put in its own words, and the sentence the mutation would
refuse with)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.actions import Action, Availability, Hindrance

strawberry.enum(Action, name="OrderAction")
strawberry.enum(Hindrance, name="ActionUnavailableReason")


@strawberry.type(name="AvailableAction")
class AvailableActionType:
    action: Action
    available: bool = strawberry.field(description="Whether its mutation accepts it now.")
    reason_code: Hindrance | None = strawberry.field(
        description="Why not, when it is not: a code to put in the page's own words."
    )
    reason: str | None = strawberry.field(
        description="Why not, as the mutation's refusal says it (INVALID_STATE)."
    )
    until: datetime | None = strawberry.field(
        description="When it stops being possible by the clock alone: a return, at the end of "
        "the return period (midnight, Asia/Seoul, after its last day); null otherwise."
    )

    @classmethod
    def from_domain(cls, availability: Availability) -> AvailableActionType:
        return cls(
            action=availability.action,
            available=availability.possible,
            reason_code=availability.hindrance,
            reason=availability.reason,
            until=availability.until,
        )
