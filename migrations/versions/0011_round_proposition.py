"""round proposition: which side argues for the motion

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every round so far had the Realist side proposing: the default says so for them.
    with op.batch_alter_table('debate_round', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('proposition', sa.String(length=16), server_default='realist', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('debate_round', schema=None) as batch_op:
        batch_op.drop_column('proposition')
