"""agent workspace: a version for compare-and-set status changes, the person who owns a case,
agents' messages in the inbox, and cases waiting for approval get their own status

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

from outreach.store.types import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('agent', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('agent_since', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('handed_over_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('settled_by', sa.String(length=64), nullable=True))
        batch.create_index('ix_cases_agent', ['agent'])
    with op.batch_alter_table('inbox_messages') as batch:
        batch.add_column(sa.Column('author', sa.String(length=100), nullable=True))
    # A case whose remedy waits for a lead was "handed_over"; it now has its own status.
    op.execute("UPDATE cases SET status = 'pending_approval' WHERE status = 'handed_over' AND id IN "
               "(SELECT case_id FROM approvals WHERE status = 'pending')")


def downgrade() -> None:
    op.execute("UPDATE cases SET status = 'handed_over' WHERE status IN ('pending_approval', 'claimed')")
    with op.batch_alter_table('inbox_messages') as batch:
        batch.drop_column('author')
    with op.batch_alter_table('cases') as batch:
        batch.drop_index('ix_cases_agent')
        batch.drop_column('settled_by')
        batch.drop_column('handed_over_at')
        batch.drop_column('agent_since')
        batch.drop_column('agent')
        batch.drop_column('version')
