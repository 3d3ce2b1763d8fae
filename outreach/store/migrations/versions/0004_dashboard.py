"""dashboard: staff accounts and sessions, the recommendation score and an index for metrics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:00:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.store.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('created_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('disabled_at', outreach.store.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("role IN ('lead', 'agent')", name=op.f('ck_staff_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommend', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recommended_at', outreach.store.types.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            'recommend_range', 'recommend IS NULL OR recommend BETWEEN 0 AND 10')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_created_at')
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.drop_constraint('ck_satisfaction_recommend_range', type_='check')
        batch_op.drop_column('recommended_at')
        batch_op.drop_column('recommend')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))
    op.drop_table('staff_sessions')
    op.drop_table('staff_users')
