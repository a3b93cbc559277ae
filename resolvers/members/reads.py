"""The member asking, and members found by id: a member is seen by itself and by staff."""

from __future__ import annotations

from domain.access import may_act_for
from domain.member import Member
from resolvers.common.context import Context
from resolvers.common.ids import member_key


def get_me(context: Context) -> Member | None:
    return context.viewer.member if context.viewer is not None else None


async def get_member(context: Context, global_id: str) -> Member | None:
    key = member_key(global_id)
    if not may_act_for(context.viewer, key):
        return None
    return await context.loaders.member.load(key)
