"""order search indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Customer service's order search (infrastructure/database/order_search.py). On PostgreSQL the
recipient and the book title get trigram (pg_trgm) GIN indexes, so that a name or a title
matched anywhere inside is found without reading every order; SQLite has no trigram index and
gets plain B-tree indexes of the same names (its searches by name or title scan). The phone's
digits are indexed on PostgreSQL only: SQLite cannot reflect an expression index, so the next
migration that recreates `orders` in batch mode (SQLite's way to alter a table) would drop it,
with a warning printed at every fresh start; the embedded default's phone search scans.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHONE_DIGITS = "replace(replace(phone, '-', ''), ' ', '')"


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index(
        'ix_product_title_trgm', 'product', ['title'],
        postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'},
    )
    op.create_index(
        'ix_orders_recipient_trgm', 'orders', ['recipient'],
        postgresql_using='gin', postgresql_ops={'recipient': 'gin_trgm_ops'},
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_orders_phone_digits', 'orders', [sa.text(PHONE_DIGITS)])
    op.create_index('ix_order_item_product_id_order_id', 'order_item', ['product_id', 'order_id'])


def downgrade() -> None:
    op.drop_index('ix_order_item_product_id_order_id', table_name='order_item')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_orders_phone_digits', table_name='orders')
    op.drop_index('ix_orders_recipient_trgm', table_name='orders')
    op.drop_index('ix_product_title_trgm', table_name='product')
