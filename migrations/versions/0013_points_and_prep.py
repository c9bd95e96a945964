"""points of information and prep pools

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('round_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('turn_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('offered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['debate_round.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['turn_id'], ['turn.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('round_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_point_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_point_turn_id'), ['turn_id'], unique=False)

    # Rounds so far used no prep: their pools start untouched.
    with op.batch_alter_table('debate_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('point_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('point_ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('prep_side', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('prep_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prep_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('prep_ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('realist_prep_used', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('values_prep_used', sa.Float(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('debate_round', schema=None) as batch_op:
        for column in (
            'values_prep_used',
            'realist_prep_used',
            'prep_ends_at',
            'prep_started_at',
            'prep_by',
            'prep_side',
            'point_ends_at',
            'point_by',
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table('round_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_point_turn_id'))
        batch_op.drop_index(batch_op.f('ix_round_point_round_id'))
    op.drop_table('round_point')
