"""order search in time order: the orders of one recipient name, and the lines of one book,
indexed newest first

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Customer service's search pages newest first. `orders (recipient, created_at, id)` gives the
orders of one whole name in that order (the trigram index of 0005 finds a name anywhere inside,
but unsorted: every match was read to find the newest 20). Each order line gets a copy of its
order's `created_at` (`order_created_at`, backfilled here; the order's time never changes), and
`order_item (product_id, order_created_at, order_id)` replaces `(product_id, order_id)`: the
newest lines of the books a title or an ISBN finds come sorted from the index, so only the
orders of the page are read. On SQLite the column is added and made NOT NULL in batch mode
(SQLite's way to alter a table); both indexes are plain B-trees, on both databases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import infrastructure.database.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_item', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'order_created_at',
                infrastructure.database.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    op.execute(
        'UPDATE order_item SET order_created_at = '
        '(SELECT orders.created_at FROM orders WHERE orders.id = order_item.order_id)'
    )
    with op.batch_alter_table('order_item', schema=None) as batch_op:
        batch_op.alter_column(
            'order_created_at',
            existing_type=infrastructure.database.types.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.drop_index('ix_order_item_product_id_order_id')
        batch_op.create_index(
            'ix_order_item_product_id_order_created_at_order_id',
            ['product_id', 'order_created_at', 'order_id'],
            unique=False,
        )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(
            'ix_orders_recipient_created_at_id', ['recipient', 'created_at', 'id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_recipient_created_at_id')
    with op.batch_alter_table('order_item', schema=None) as batch_op:
        batch_op.drop_index('ix_order_item_product_id_order_created_at_order_id')
        batch_op.create_index(
            'ix_order_item_product_id_order_id', ['product_id', 'order_id'], unique=False
        )
        batch_op.drop_column('order_created_at')
