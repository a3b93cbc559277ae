"""carrier scans

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The carrier's own scan names (CJ대한통운's 집화처리 … 배달완료) kept on each tracking event,
and the simulated carrier counting scans instead of statuses (two scans mean IN_TRANSIT). A
parcel that existed before keeps its place: it has had the last scan of its status, and every
scan up to the status it had reported counts as reported.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCANS_MADE = {
    'PREPARING': 0, 'PICKED_UP': 1, 'IN_TRANSIT': 3, 'OUT_FOR_DELIVERY': 4, 'DELIVERED': 5,
}
"""The scans a parcel of each status has had at least (infrastructure/carrier/cj_scans.py)."""


def _scans_of(column: str) -> str:
    cases = ' '.join(f"WHEN '{status}' THEN {n}" for status, n in SCANS_MADE.items())
    return f'CASE {column} {cases} ELSE 0 END'


def upgrade() -> None:
    with op.batch_alter_table('delivery_event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scan', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True)
        )
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scans', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
        batch_op.add_column(
            sa.Column('reported_scans', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
    op.execute(
        f"UPDATE simulated_parcel SET scans = {_scans_of('status')}, "
        f"reported_scans = {_scans_of('reported_status')}"
    )
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.drop_column('reported_status')


def downgrade() -> None:
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reported_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
    statuses = ' '.join(
        f"WHEN {n} THEN '{status}'" for status, n in SCANS_MADE.items() if status != 'IN_TRANSIT'
    )
    op.execute(
        "UPDATE simulated_parcel SET reported_status = "
        f"CASE reported_scans {statuses} ELSE 'IN_TRANSIT' END"
    )
    with op.batch_alter_table('simulated_parcel', schema=None) as batch_op:
        batch_op.drop_column('reported_scans')
        batch_op.drop_column('scans')
    with op.batch_alter_table('delivery_event', schema=None) as batch_op:
        batch_op.drop_column('scan')
