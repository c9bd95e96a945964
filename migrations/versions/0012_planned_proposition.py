"""planned proposition: which side argues for the motion in a planned series

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every series planned so far had the Realist side proposing, as every round did.
    with op.batch_alter_table('round_schedule', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('proposition', sa.String(length=16), server_default='realist', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('round_schedule', schema=None) as batch_op:
        batch_op.drop_column('proposition')
