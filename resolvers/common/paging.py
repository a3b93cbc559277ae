"""Page-size checks shared by every list of the API."""

from __future__ import annotations

from domain.paging import PageSizeError, check_page_size
from resolvers.common.errors import invalid_input


def page_size(first: int | None, default: int = 20) -> int:
    try:
        return check_page_size(default if first is None else first)
    except PageSizeError as exc:
        raise invalid_input(f"first: {exc}") from exc
