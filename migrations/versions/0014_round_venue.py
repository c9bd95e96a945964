"""round venue: a round's Stage or voice channel, and the floor changes moot made there

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('round_venue',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('opens_instance', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['debate_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id')
    )
    with op.batch_alter_table('round_venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_venue_guild_id'), ['guild_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_venue_state'), ['state'], unique=False)

    op.create_table('floor_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('before', sa.Boolean(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['debate_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'user_id', 'what')
    )
    with op.batch_alter_table('floor_change', schema=None) as batch_op:
        batch_op.create_index('ix_floor_change_owed', ['guild_id', 'settled'], unique=False)
        batch_op.create_index(batch_op.f('ix_floor_change_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('guild_config', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_channel_id', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('round_schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_channel_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column('venue_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('round_schedule', schema=None) as batch_op:
        batch_op.drop_column('venue_kind')
        batch_op.drop_column('venue_channel_id')
    with op.batch_alter_table('guild_config', schema=None) as batch_op:
        batch_op.drop_column('venue_channel_id')
    with op.batch_alter_table('floor_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_floor_change_round_id'))
        batch_op.drop_index('ix_floor_change_owed')
    op.drop_table('floor_change')
    with op.batch_alter_table('round_venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_venue_state'))
        batch_op.drop_index(batch_op.f('ix_round_venue_guild_id'))
    op.drop_table('round_venue')
