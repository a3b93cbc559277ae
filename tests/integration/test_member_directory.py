"""Members are upserted from token claims, and only when the claims changed."""

from __future__ import annotations

from sqlalchemy import select

from bootstrap import Services
from domain.member import Member
from infrastructure.database.tables import member_table
from tests.support.factories import random_member_id
from tests.support.statements import StatementLog


async def test_a_member_is_written_once_then_updated_when_its_claims_change(
    services: Services, statements: StatementLog
) -> None:
    member_id = random_member_id()
    await services.members.remember(Member(member_id, "Kim", "kim@example.com"))
    await services.members.remember(Member(member_id, "Kim", "kim@example.com"))
    assert len(statements.touching("member")) == 1

    await services.members.remember(Member(member_id, "Kim Minjun", "kim@example.com"))

    assert len(statements.touching("member")) == 2
    async with services.engine.connect() as conn:
        row = (await conn.execute(select(member_table).where(member_table.c.id == member_id))).one()
    assert (row.name, row.email) == ("Kim Minjun", "kim@example.com")


async def test_claims_seen_by_this_process_a_moment_ago_cost_no_cache_read(
    services: Services, statements: StatementLog
) -> None:
    member = Member(random_member_id(), "Lee", None)
    await services.members.remember(member)
    await services.cache.delete_many([f"member:{member.id}"])

    await services.members.remember(member)

    assert len(statements.touching("member")) == 1
