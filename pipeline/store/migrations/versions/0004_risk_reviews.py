"""The office's review of a risk point (from an imported ledger), kept beside the risk as written.

The returned form's own values stay as parsed; the ledger shows the reviewed ones over them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'risk_reviews',
        sa.Column('risk_point_id', sa.Integer(), nullable=False),
        sa.Column('level_label', sa.String(length=20), nullable=True),
        sa.Column('level_rank', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=40), nullable=True),
        sa.Column('opinion', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['risk_point_id'], ['risk_points.id']),
        sa.PrimaryKeyConstraint('risk_point_id'),
    )


def downgrade() -> None:
    op.drop_table('risk_reviews')
