"""price facts from the platform: what was charged, and the listing's price now

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('charged_fen', sa.Integer(), nullable=True))
    with op.batch_alter_table('order_items') as batch:
        batch.add_column(sa.Column('current_unit_price_fen', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_items') as batch:
        batch.drop_column('current_unit_price_fen')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('charged_fen')
