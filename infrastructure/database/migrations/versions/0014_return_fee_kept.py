"""return fee kept: what each received return kept for its own parcel, so that a later return
tells the outbound fee from the return fees in the order's shipping fee

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_return', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fee_kept', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('order_return', schema=None) as batch_op:
        batch_op.drop_column('fee_kept')
