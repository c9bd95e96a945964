"""reading list: essays a server's moderators add, and uploads waiting for confirmation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite adds them in place, so no table is rebuilt (the search
    # triggers live on passage and sentence, which are not touched).
    with op.batch_alter_table('essay', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guild_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('added_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column('source_file', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_index(batch_op.f('ix_essay_guild_id'), ['guild_id'], unique=False)

    op.create_table(
        'pending_essay',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guild_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('edits', sa.Text(), nullable=False),
        sa.Column('side', sa.String(length=16), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('title_is_label', sa.Boolean(), nullable=False),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('author_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('published', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('published_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('described', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('pending_essay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_essay_guild_id'), ['guild_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_essay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_essay_guild_id'))
    op.drop_table('pending_essay')
    # Essays servers added have no file to come back from: they go with the column.
    # (Children first: foreign keys are not enforced while migrating on SQLite.)
    added = 'SELECT id FROM essay WHERE guild_id IS NOT NULL'
    op.execute(
        'UPDATE excerpt_post SET excerpt_id = NULL WHERE excerpt_id IN '
        f'(SELECT id FROM excerpt WHERE essay_id IN ({added}))'
    )
    for table in ('sentence', 'passage', 'excerpt'):
        op.execute(f'DELETE FROM {table} WHERE essay_id IN ({added})')
    op.execute('DELETE FROM essay WHERE guild_id IS NOT NULL')
    with op.batch_alter_table('essay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_essay_guild_id'))
        batch_op.drop_column('source_file')
        batch_op.drop_column('added_by')
        batch_op.drop_column('guild_id')
