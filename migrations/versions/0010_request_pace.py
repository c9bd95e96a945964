"""request pace: one reserved instant instead of a count per second

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The per-second counts only ever mattered for the current second.
    op.drop_table('request_budget')
    op.create_table(
        'request_pace',
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('next_at', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade() -> None:
    op.drop_table('request_pace')
    op.create_table(
        'request_budget',
        sa.Column('second', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('second'),
    )
