"""return scans: each scan of a return parcel, as the carrier reported it, for the order's
timeline; and the simulated carrier's return parcels (반품 회수), which travel the other way

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import infrastructure.database.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'return_scan',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('order_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('scan', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            'carrier_event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column(
            'occurred_at', infrastructure.database.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ['order_id'],
            ['orders.id'],
            name=op.f('fk_return_scan_order_id_orders'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_scan')),
        sa.UniqueConstraint('carrier_event_id', name=op.f('uq_return_scan_carrier_event_id')),
    )
    with op.batch_alter_table('return_scan', schema=None) as batch_op:
        batch_op.create_index('ix_return_scan_order_id_id', ['order_id', 'id'], unique=False)
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('return_parcel', sa.Boolean(), server_default=sa.text('false'), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.drop_column('return_parcel')
    with op.batch_alter_table('return_scan', schema=None) as batch_op:
        batch_op.drop_index('ix_return_scan_order_id_id')
    op.drop_table('return_scan')
