"""partial cancellations: each order counts its partial cancellations (부분취소), each payment
what they gave back

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partial_cancellations', sa.Integer(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint('refunded_within_amount', 'refunded BETWEEN 0 AND amount')


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('ck_payment_refunded_within_amount', type_='check')
        batch_op.drop_column('refunded')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('partial_cancellations')
