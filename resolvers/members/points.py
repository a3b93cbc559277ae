"""A member's points (적립금): its balance and its ledger, newest entry first. Seen by the member
and by staff, as the member is (`resolvers.members.reads.get_member`)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.points import PointsEntry
from resolvers.common.context import Context
from resolvers.common.cursors import points_entry_position
from resolvers.common.paging import page_size


@dataclass(frozen=True, slots=True)
class PointsListing:
    entries: list[PointsEntry]
    has_next: bool
    after: str | None


async def points_balance(context: Context, member_id: str) -> int:
    return await context.loaders.points_balance.load(member_id)


async def points_entries(
    context: Context, member_id: str, first: int | None, after: str | None
) -> PointsListing:
    page = await context.store.points_entry_page(
        member_id, first=page_size(first), after=points_entry_position(after) if after else None
    )
    return PointsListing(page.items, page.has_next, after)
