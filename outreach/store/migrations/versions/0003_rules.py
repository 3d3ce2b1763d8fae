"""platform rules: case facts, coupons on remedies, the approval queue and payouts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:40:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_fen', sa.Integer(), nullable=False, server_default='0'))

    op.create_table('approvals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('done_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', outreach.store.types.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_approvals_case_id_cases')),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_approvals_remedy_id_remedies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
    sa.UniqueConstraint('remedy_id', name=op.f('uq_approvals_remedy_id'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_status'), ['status'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('provider_ref', sa.String(length=200), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('coupon_fen', sa.Integer(), nullable=False),
    sa.Column('created_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_payments_amount_nonnegative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_payments_case_id_cases')),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_payments_remedy_id_remedies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key')),
    sa.UniqueConstraint('remedy_id', name=op.f('uq_payments_remedy_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_case_id'))
    op.drop_table('payments')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_status'))
        batch_op.drop_index(batch_op.f('ix_approvals_case_id'))
    op.drop_table('approvals')
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_column('coupon_fen')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('facts')
