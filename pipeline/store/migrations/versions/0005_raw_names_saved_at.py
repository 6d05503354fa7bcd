"""Submissions keep a file name's raw bytes when they were not UTF-8, and the document's own save time.

``file_modified`` used to hold the save time when the document had one; from now on it is always
the file's time in the inbox and ``saved_at`` the time written inside the document, so the
resubmission rule can tell a plausible save time from an implausible one. Rows stored before keep
their values; their ``saved_at`` stays empty and they are ordered by arrival.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('filename_raw', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('saved_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('saved_at')
        batch.drop_column('filename_raw')
