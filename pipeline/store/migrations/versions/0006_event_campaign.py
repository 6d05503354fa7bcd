"""Each audit-log entry names its campaign: one shared store holds many institutions' logs.

Entries written before are assigned from what they name: the campaign itself, or the return
(by sha256) or the risk point review they are about.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('campaign', sa.String(length=40), nullable=True))
        batch.create_index('ix_events_campaign', ['campaign'])
    op.execute("UPDATE events SET campaign = subject WHERE subject IN (SELECT code FROM campaigns)")
    op.execute("UPDATE events SET campaign = (SELECT s.campaign FROM submissions s WHERE s.sha256 = events.subject "
               "LIMIT 1) WHERE campaign IS NULL")
    op.execute("UPDATE events SET campaign = (SELECT c.code FROM campaigns c WHERE events.subject LIKE c.code || '-R%' "
               "LIMIT 1) WHERE campaign IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_index('ix_events_campaign')
        batch.drop_column('campaign')
