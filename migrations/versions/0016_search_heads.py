"""search heads: each word's best sentences per scope, for one-word search and autocomplete

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named search_* so that env.py keeps autogenerate away from them (see 0001). Scope 0 is
# the shipped essays, any other scope a server's reading list (bot/services/search/heads.py).
TABLES = (
    # Byte order (C collation on PostgreSQL, SQLite's default), so that autocomplete's
    # prefix is a range of the unique index.
    "CREATE TABLE search_word (id {serial} PRIMARY KEY, word VARCHAR(100) {collate}NOT NULL "
    "UNIQUE, "
    "stem VARCHAR(100) NOT NULL)",
    "CREATE INDEX ix_search_word_stem ON search_word (stem)",
    "CREATE TABLE search_df (scope BIGINT NOT NULL, word_id INTEGER NOT NULL, "
    "df INTEGER NOT NULL, PRIMARY KEY (scope, word_id)){without_rowid}",
    # place: the row's place in its (scope, word) head, best first.
    "CREATE TABLE search_stem (scope BIGINT NOT NULL, stem VARCHAR(100) NOT NULL, "
    "df INTEGER NOT NULL, PRIMARY KEY (scope, stem)){without_rowid}",
    "CREATE TABLE search_head (scope BIGINT NOT NULL, word_id INTEGER NOT NULL, "
    "place INTEGER NOT NULL, score FLOAT NOT NULL, sentence_id INTEGER NOT NULL, "
    "essay_id INTEGER NOT NULL, side VARCHAR(16) NOT NULL, PRIMARY KEY (scope, word_id, place))"
    "{without_rowid}",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for ddl in TABLES:
        op.execute(
            ddl.format(
                serial="INTEGER" if sqlite else "SERIAL",
                without_rowid=" WITHOUT ROWID" if sqlite else "",
                collate="" if sqlite else 'COLLATE "C" ',
            )
        )
    _index_existing()


def _index_existing() -> None:
    """Index the essays already imported: the shipped ones and each server's."""
    from sqlalchemy import text

    from bot.services.search.heads import INSERT_HEAD, INSERT_STEM, SHIPPED, head_rows, stem

    bind = op.get_bind()
    scopes = [SHIPPED] + [
        row[0]
        for row in bind.execute(
            text("SELECT DISTINCT guild_id FROM essay WHERE guild_id IS NOT NULL AND active")
        )
    ]
    for scope in scopes:
        owner = "e.guild_id IS NULL" if scope == SHIPPED else f"e.guild_id = {int(scope)}"
        rows = bind.execute(
            text(
                "SELECT s.id, s.essay_id, s.side, s.text FROM sentence s "
                f"JOIN essay e ON e.id = s.essay_id WHERE e.active AND {owner}"
            )
        )
        frequency, best, stems = head_rows((r[0], r[1], r[2], r[3]) for r in rows)
        if not frequency:
            continue
        known = {r[0]: r[1] for r in bind.execute(text("SELECT word, id FROM search_word"))}
        missing = [w for w in frequency if w not in known]
        if missing:
            bind.execute(
                text("INSERT INTO search_word (word, stem) VALUES (:word, :stem)"),
                [{"word": w, "stem": stem(w)} for w in missing],
            )
            known = {r[0]: r[1] for r in bind.execute(text("SELECT word, id FROM search_word"))}
        bind.execute(
            text("INSERT INTO search_df (scope, word_id, df) VALUES (:s, :w, :df)"),
            [{"s": scope, "w": known[w], "df": df} for w, df in frequency.items()],
        )
        bind.execute(
            text(INSERT_STEM), [{"s": scope, "stem": k, "df": df} for k, df in stems.items()]
        )
        bind.execute(
            text(INSERT_HEAD),
            [
                {"s": scope, "w": known[w], "r": rank, "score": r[0], "id": r[1], "e": r[2]}
                | {"side": r[3]}
                for w, rows_ in best.items()
                for rank, r in enumerate(rows_, start=1)
            ],
        )


def downgrade() -> None:
    op.execute("DROP TABLE search_head")
    op.execute("DROP TABLE search_stem")
    op.execute("DROP TABLE search_df")
    op.execute("DROP INDEX ix_search_word_stem")
    op.execute("DROP TABLE search_word")
