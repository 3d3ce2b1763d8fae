"""platform rules: approvals queue and payouts (issue 5 fills this revision in)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:40:00
"""


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
