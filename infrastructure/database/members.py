"""The member reference, kept up to date from the claims of verified tokens."""

from __future__ import annotations

import orjson
from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.member import Member
from infrastructure.cache.port import Cache
from infrastructure.database.tables import member_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict


async def upsert_member(conn: AsyncConnection, member: Member) -> None:
    now = utc_now()
    stmt = insert_on_conflict(conn, member_table).values(
        id=member.id,
        name=member.name,
        email=member.email,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[member_table.c.id],
        set_={"name": member.name, "email": member.email, "updated_at": now},
    )
    await conn.execute(stmt)


RECENT_MEMBERS = 10_000
RECENT_SECONDS = 60.0


class CachedMemberDirectory:
    """Upserts a member only when its claims differ from what the cache last saw.

    So a member already known costs no SQL statement per request, just one cache read; and
    none at all when this process saw the same claims in the last minute. That minute bounds
    how long a process can miss another process writing different claims for the member.
    """

    def __init__(self, engine: AsyncEngine, cache: Cache, ttl: int) -> None:
        self._engine = engine
        self._cache = cache
        self._ttl = ttl
        self._recent: TTLCache[tuple[str, bytes], bool] = TTLCache(RECENT_MEMBERS, RECENT_SECONDS)

    async def remember(self, member: Member) -> None:
        key = f"member:{member.id}"
        fingerprint = orjson.dumps([member.name, member.email])
        if (member.id, fingerprint) in self._recent:
            return
        [seen] = await self._cache.get_many([key])
        if seen != fingerprint:
            async with self._engine.begin() as conn:
                await upsert_member(conn, member)
            await self._cache.set_many({key: fingerprint}, ttl=self._ttl)
        self._recent[member.id, fingerprint] = True
