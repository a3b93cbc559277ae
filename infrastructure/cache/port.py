from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class Cache(Protocol):
    """Bytes by key. Implementations never raise for an outage: a miss is the answer."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set_many(self, items: Mapping[str, bytes], ttl: int) -> None: ...

    async def delete_many(self, keys: Sequence[str]) -> None: ...

    async def ping(self) -> bool:
        """Whether the backend answers now; raises when it does not."""
        ...

    async def close(self) -> None: ...
