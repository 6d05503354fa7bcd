"""Risk points keep their rank in the level scheme and the scheme's own label.

Rows stored before have no rank; the ledger then falls back to their place (high / medium / low).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('risk_points') as batch:
        batch.add_column(sa.Column('level_rank', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('level_scheme', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('risk_points') as batch:
        batch.drop_column('level_scheme')
        batch.drop_column('level_rank')
