"""login throttling: recent failed dashboard logins per account name and per address

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 21:00:00
"""

import sqlalchemy as sa
from alembic import op

import outreach.store.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', outreach.store.types.UTCDateTime(), nullable=False),
    sa.Column('blocked_until', outreach.store.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures'))
    )


def downgrade() -> None:
    op.drop_table('login_failures')
