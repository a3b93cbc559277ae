"""order returns: a delivered order's returns (반품), numbered per order, with their lines,
reason, return parcel and how far they have come

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import infrastructure.database.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'order_return',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('order_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            'tracking_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True
        ),
        sa.Column(
            'created_at', infrastructure.database.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            'updated_at', infrastructure.database.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ['order_id'],
            ['orders.id'],
            name=op.f('fk_order_return_order_id_orders'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_return')),
        sa.UniqueConstraint('order_id', 'number', name=op.f('uq_order_return_order_id_number')),
        sa.UniqueConstraint('tracking_number', name=op.f('uq_order_return_tracking_number')),
    )


def downgrade() -> None:
    op.drop_table('order_return')
