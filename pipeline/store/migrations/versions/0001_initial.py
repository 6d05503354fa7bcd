"""Initial schema: campaign, departments, people, issued forms, submissions, risk points, problems, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_events_subject', 'events', ['subject'])
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('head', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['campaign'], ['campaigns.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign', 'code')
    )
    op.create_table('issued_forms',
    sa.Column('form_id', sa.String(length=80), nullable=False),
    sa.Column('campaign', sa.String(length=40), nullable=False),
    sa.Column('form_type', sa.String(length=80), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('person_name', sa.String(length=100), nullable=True),
    sa.Column('staff_id', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign'], ['campaigns.code'], ),
    sa.PrimaryKeyConstraint('form_id'),
    sa.UniqueConstraint('campaign', 'form_type', 'subject', 'version')
    )
    op.create_index(op.f('ix_issued_forms_campaign'), 'issued_forms', ['campaign'])
    op.create_index(op.f('ix_issued_forms_department'), 'issued_forms', ['department'])
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=40), nullable=False),
    sa.Column('staff_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['campaign'], ['campaigns.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign', 'staff_id')
    )
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('file_modified', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('form_id', sa.String(length=80), nullable=True),
    sa.Column('form_type', sa.String(length=80), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('person_name', sa.String(length=100), nullable=True),
    sa.Column('staff_id', sa.String(length=40), nullable=True),
    sa.Column('match_method', sa.String(length=20), nullable=True),
    sa.Column('slot', sa.String(length=200), nullable=True),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.Column('parsed', sa.JSON(), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign'], ['campaigns.code'], ),
    sa.ForeignKeyConstraint(['form_id'], ['issued_forms.form_id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign', 'sha256')
    )
    op.create_index(op.f('ix_submissions_campaign'), 'submissions', ['campaign'])
    op.create_index('ix_submissions_campaign_status', 'submissions', ['campaign', 'status'])
    op.create_index(op.f('ix_submissions_department'), 'submissions', ['department'])
    op.create_index(op.f('ix_submissions_form_id'), 'submissions', ['form_id'])
    op.create_index('ix_submissions_slot', 'submissions', ['campaign', 'slot'])
    op.create_table('problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('where', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_problems_submission_id'), 'problems', ['submission_id'])
    op.create_table('risk_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('level_label', sa.String(length=20), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('review', sa.Text(), nullable=True),
    sa.Column('duty', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_risk_points_submission_id'), 'risk_points', ['submission_id'])

def downgrade() -> None:
    op.drop_index(op.f('ix_risk_points_submission_id'), table_name='risk_points')
    op.drop_table('risk_points')
    op.drop_index(op.f('ix_problems_submission_id'), table_name='problems')
    op.drop_table('problems')
    op.drop_index('ix_submissions_slot', table_name='submissions')
    op.drop_index(op.f('ix_submissions_form_id'), table_name='submissions')
    op.drop_index(op.f('ix_submissions_department'), table_name='submissions')
    op.drop_index('ix_submissions_campaign_status', table_name='submissions')
    op.drop_index(op.f('ix_submissions_campaign'), table_name='submissions')
    op.drop_table('submissions')
    op.drop_table('people')
    op.drop_index(op.f('ix_issued_forms_department'), table_name='issued_forms')
    op.drop_index(op.f('ix_issued_forms_campaign'), table_name='issued_forms')
    op.drop_table('issued_forms')
    op.drop_table('departments')
    op.drop_index('ix_events_subject', table_name='events')
    op.drop_table('events')
    op.drop_table('campaigns')
