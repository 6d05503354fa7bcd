"""Issued forms keep the sha256 of the file as it was handed out.

The bytes themselves are kept write-once under ``store/issued/<ab>/<cdef…>`` (the same layout as
the originals), so the outbox can be regenerated and the archive still holds what was issued.
Rows issued before have no hash; the archive then takes the file from the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issued_forms') as batch:
        batch.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issued_forms') as batch:
        batch.drop_column('sha256')
