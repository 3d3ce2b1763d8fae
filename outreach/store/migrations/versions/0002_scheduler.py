"""scheduler: channel decisions, hold reasons, worker leases and the call queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:10:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', outreach.store.types.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_cases_status_due_at', ['status', 'due_at'], unique=False)
    # Cases reached before the scheduler chose channels were all reached in the app.
    op.execute("UPDATE cases SET channel = 'inapp' WHERE first_contact_at IS NOT NULL")

    op.create_table('call_tasks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.String(length=64), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('due_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('agent', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', outreach.store.types.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('done_at', outreach.store.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('attempt > 0', name=op.f('ck_call_tasks_attempt_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_call_tasks_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_call_tasks_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_tasks')),
    sa.UniqueConstraint('case_id', 'attempt', name='uq_call_tasks_case_attempt')
    )
    with op.batch_alter_table('call_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_tasks_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_call_tasks_status_due_at', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_call_tasks_status_due_at')
        batch_op.drop_index(batch_op.f('ix_call_tasks_case_id'))
        batch_op.drop_index(batch_op.f('ix_call_tasks_buyer_id'))
    op.drop_table('call_tasks')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_due_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('channel')
