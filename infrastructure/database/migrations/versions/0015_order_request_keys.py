"""order request keys: the idempotency keys of cancelOrderLines and requestReturn, each with
the fingerprint of the request it first came with

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import infrastructure.database.types

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'order_request_key',
        sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            'request_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column('created_at', infrastructure.database.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['member_id'], ['member.id'], name=op.f('fk_order_request_key_member_id_member')
        ),
        sa.PrimaryKeyConstraint('member_id', 'idempotency_key', name=op.f('pk_order_request_key')),
    )


def downgrade() -> None:
    op.drop_table('order_request_key')
