"""the book's author gets a trigram index, as its title has

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

The catalogue's search (`products(search:)`) matches a part of the title or of the author
(infrastructure/database/read_store.py: `_product_search`). Only the title had a trigram index
(migration 0005), so PostgreSQL could not use it for the OR of the two and read every book: on
200,000 books a search that finds few of them took tens of milliseconds to a quarter of a
second, where with both indexed the two are read and merged (BitmapOr) in well under one
(`python -m bench.catalogue_search`). SQLite gets a plain B-tree index of the same name, as
the title's, which its searches do not use. Built in place, not CONCURRENTLY: it holds writes
to `product` (staff's edits; an order writes `stock`, not `product`) while it builds, a third
of a second on 200,000 books (`python -m bench.catalogue_search` prints it), where building it
concurrently would need the migration outside alembic's transaction.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_product_author_trgm', 'product', ['author'],
        postgresql_using='gin', postgresql_ops={'author': 'gin_trgm_ops'},
    )


def downgrade() -> None:
    op.drop_index('ix_product_author_trgm', table_name='product')
