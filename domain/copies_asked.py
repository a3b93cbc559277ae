"""Some copies of an order a customer asks to give up: cancelling lines (부분취소) and asking
for a return (반품) begin alike. The copies are added up per book, and a refusal of a book's
copies names its last line; the order is locked and must be the viewer's; a request sent again
with its idempotency key is answered with the order as it stands; and no book may be asked for
beyond what the order has left of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.access import lock_order_of
from domain.commands import CancelOrderLines, RequestReturn
from domain.idempotency import answered_before, keep_key, lines_fingerprint
from domain.member import Viewer
from domain.order import Order
from domain.ports import UnitOfWork
from domain.problems import Refused
from domain.validation import copies_problem, last_places, merge_lines


@dataclass(frozen=True, slots=True)
class CopiesAsked:
    viewer: Viewer
    order_id: UUID
    wanted: dict[int, int]
    """Copies per book, in the order the books first appear in the request."""
    at: dict[int, int]
    """Each book's last line in the request, which a refusal of its copies names."""
    key: str | None
    request: str
    """The request's fingerprint, kept with its idempotency key."""

    @classmethod
    def of(cls, mutation: str, command: CancelOrderLines | RequestReturn) -> CopiesAsked:
        return cls(
            command.viewer,
            command.order_id,
            {line.product_id: line.quantity for line in merge_lines(command.lines)},
            last_places(command.lines),
            command.idempotency_key,
            lines_fingerprint(mutation, command.order_id, command.lines, command.reason),
        )

    async def lock(self, work: UnitOfWork) -> tuple[Order, bool]:
        """The order, locked, when it is the viewer's (NOT_FOUND otherwise); and True when this
        request was answered before (answer the order as it stands), CONFLICT when its key went
        with another request."""
        order = await lock_order_of(work, self.viewer, self.order_id)
        return order, await answered_before(work, self.viewer.member.id, self.key, self.request)

    def refuse_beyond(self, left: Mapping[int, int], too_many: str) -> None:
        """`Refused` naming each line whose book the order has no line for, or fewer copies
        left of than asked; `too_many` says the latter, with `{held}` and `{copies}` in it."""
        problems = [
            copies_problem(self.at[book], left.get(book), copies, too_many)
            for book, copies in self.wanted.items()
        ]
        if found := [problem for problem in problems if problem is not None]:
            raise Refused(found)

    async def named(self, work: UnitOfWork) -> str:
        """The copies as the history's entry says them: "1 of 채식주의자, 2 of 소년이 온다"."""
        titles = await work.catalogue.titles(list(self.wanted))
        return ", ".join(f"{q} of {titles.get(p, p)}" for p, q in self.wanted.items())

    async def keep_key(self, work: UnitOfWork) -> None:
        """Keep the idempotency key with the change, in its unit of work."""
        await keep_key(work, self.viewer.member.id, self.key, self.request)
