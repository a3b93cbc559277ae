"""Types shared by several parts of the graph: Node, Money, PageInfo."""

from __future__ import annotations

import strawberry

from domain.money import Money


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type(name="Money")
class MoneyType:
    amount: int
    currency: str

    @classmethod
    def from_domain(cls, money: Money) -> MoneyType:
        return cls(amount=money.amount, currency=money.currency)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], *, has_next: bool, after: str | None) -> PageInfo:
        return cls(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
