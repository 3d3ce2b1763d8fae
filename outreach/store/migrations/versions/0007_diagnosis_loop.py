"""diagnosis: the model version and decision of every diagnosis, the needs-a-look list, and the
labels buyers and people give (they train the next model)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:00:00
"""

import sqlalchemy as sa
from alembic import op

from outreach.store.types import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback') as batch:
        batch.add_column(sa.Column('hurt_probability', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decision', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('model_version', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('looked_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('looked_by', sa.String(length=64), nullable=True))
        batch.create_index('ix_feedback_decision', ['decision'])
    op.create_table(
        'labelled_examples',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('label', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('feedback_id', sa.Integer(), nullable=True),
        sa.Column('staff', sa.String(length=64), nullable=True),
        sa.Column('model_version', sa.String(length=32), nullable=True),
        sa.Column('model_label', sa.String(length=32), nullable=True),
        sa.Column('idempotency_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_labelled_examples_case_id_cases'),
        sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name='fk_labelled_examples_feedback_id_feedback'),
        sa.PrimaryKeyConstraint('id', name='pk_labelled_examples'),
        sa.UniqueConstraint('idempotency_key', name='uq_labelled_examples_idempotency_key'),
    )
    op.create_index('ix_labelled_examples_created_at', 'labelled_examples', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_labelled_examples_created_at', table_name='labelled_examples')
    op.drop_table('labelled_examples')
    with op.batch_alter_table('feedback') as batch:
        batch.drop_index('ix_feedback_decision')
        for column in ('looked_by', 'looked_at', 'language', 'model_version', 'decision', 'hurt_probability'):
            batch.drop_column(column)
