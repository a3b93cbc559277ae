"""payment events: each order's payment keeps its history (approved, refunded, partially
refunded), for the order's timeline

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Payments from before have their events made from what their row holds: approved at
approved_at; what partial cancellations gave back, in one event at the row's last change; and a
whole refund (status REFUNDED) of what was left, at that change too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import infrastructure.database.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'payment_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('order_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column(
            'occurred_at',
            infrastructure.database.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ['order_id'],
            ['orders.id'],
            name=op.f('fk_payment_event_order_id_orders'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event')),
    )
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.create_index('ix_payment_event_order_id_id', ['order_id', 'id'], unique=False)
    op.execute(
        "INSERT INTO payment_event (order_id, kind, amount, occurred_at) "
        "SELECT order_id, 'APPROVED', amount, approved_at FROM payment "
        "WHERE approved_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO payment_event (order_id, kind, amount, occurred_at) "
        "SELECT order_id, 'PARTIALLY_REFUNDED', refunded, updated_at FROM payment "
        "WHERE refunded > 0"
    )
    op.execute(
        "INSERT INTO payment_event (order_id, kind, amount, occurred_at) "
        "SELECT order_id, 'REFUNDED', amount - refunded, updated_at FROM payment "
        "WHERE status = 'REFUNDED'"
    )


def downgrade() -> None:
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_event_order_id_id')
    op.drop_table('payment_event')
