"""recipient names: every recipient name an order has had, once, with a trigram index, kept by
triggers on orders

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

Customer service's search by a part of a name (`recipient`) found the matching orders through
the trigram index on `orders.recipient`, unsorted: every match (about 600 for a common full
name) was read from the heap before the newest 20 were known. `recipient_name` holds each
distinct name once (a few thousand rows where orders are a million); its trigram index finds
the whole names a part matches, and each name's newest orders come from
`orders (recipient, created_at, id)` (migration 0011) in page order
(infrastructure/database/order_search.py).

The names are kept by triggers, in the transaction that writes the order: after an order is
inserted, and after its recipient is updated (an address change), its name is added unless it
is there. Every writer is covered that way, the one-statement placer, the unit of work, the
address change and the bench's COPY alike. A name is never removed (an order's name that
changed stays, and finds no order); the search's answers stay those of the orders' own names.
The table is filled here from the orders as they are, after the triggers exist, in the same
transaction (on PostgreSQL the trigger's lock holds writers off until it commits).

SQLite gets the same table, a plain B-tree index of the same name (as in 0005) and two triggers
(SQLite's trigger fires for one event). A later migration that recreates `orders` in batch mode
on SQLite (SQLite's way to alter a table) drops its triggers and must create them again: the
search's property test, which runs on SQLite at head, fails without them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_TRIGGER = (
    """
    CREATE FUNCTION keep_recipient_name() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO recipient_name (name) VALUES (NEW.recipient) ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER orders_keep_recipient_name AFTER INSERT OR UPDATE OF recipient ON orders
    FOR EACH ROW EXECUTE FUNCTION keep_recipient_name()
    """,
)
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER orders_keep_recipient_name AFTER INSERT ON orders
    BEGIN
        INSERT OR IGNORE INTO recipient_name (name) VALUES (NEW.recipient);
    END
    """,
    """
    CREATE TRIGGER orders_keep_changed_recipient_name AFTER UPDATE OF recipient ON orders
    BEGIN
        INSERT OR IGNORE INTO recipient_name (name) VALUES (NEW.recipient);
    END
    """,
)


def upgrade() -> None:
    op.create_table(
        'recipient_name',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_recipient_name')),
    )
    op.create_index(
        'ix_recipient_name_name_trgm', 'recipient_name', ['name'],
        postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'},
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_TRIGGER if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute('INSERT INTO recipient_name (name) SELECT DISTINCT recipient FROM orders')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER orders_keep_recipient_name ON orders')
        op.execute('DROP FUNCTION keep_recipient_name()')
    else:
        op.execute('DROP TRIGGER orders_keep_recipient_name')
        op.execute('DROP TRIGGER orders_keep_changed_recipient_name')
    op.drop_index('ix_recipient_name_name_trgm', table_name='recipient_name')
    op.drop_table('recipient_name')
