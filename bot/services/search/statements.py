"""The SQL of a search, for FTS5 on SQLite and tsvector on PostgreSQL.

The user's words only ever reach these statements as quoted terms or bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Side
from bot.services.search.query import Kind, Query


@dataclass(frozen=True)
class Scope:
    """Filters resolved to ids before the search runs, so the search itself needs no join."""

    side: Side | None
    essay_id: int | None


async def resolve_scope(
    session: AsyncSession, side: Side | None, essay: str | None
) -> Scope | None:
    """Resolve an essay slug; None when it names no searchable essay (nothing can match)."""
    if essay is None:
        return Scope(side, None)
    connection = await session.connection()
    essay_id = (
        await connection.execute(
            text("SELECT id FROM essay WHERE slug = :slug AND active = true"), {"slug": essay}
        )
    ).scalar()
    return None if essay_id is None else Scope(side, essay_id)


def fts5_match(query: Query, scope: Scope, *, any_term: bool, prefix: bool) -> str:
    quoted = [f'"{term}"' for term in query.terms]
    if prefix:
        quoted[-1] += "*"
    match = f"text : ({(' OR ' if any_term else ' AND ').join(quoted)})"
    if scope.side is not None:
        match += f' AND side : "{scope.side.value}"'
    if scope.essay_id is not None:
        match += f' AND essay_id : "{scope.essay_id}"'
    return match


def ts_query(query: Query, *, any_term: bool, prefix: bool) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {f"w{i}": word for i, word in enumerate(query.words)}
    parts = [f"plainto_tsquery('english', :w{i})" for i in range(len(query.words))]
    last = query.terms[-1]
    if prefix and " " not in last:
        params["p"] = f"{last}:*"
        parts[-1] = "to_tsquery('english', :p)"
    return "(" + (" || " if any_term else " && ").join(parts) + ")", params


def hit_columns(kind: Kind) -> tuple[str, str]:
    """The columns every hit needs, and the join that brings the paragraph number."""
    paragraph = "t.position" if kind is Kind.PASSAGE else "p.position"
    sentence = "NULL" if kind is Kind.PASSAGE else "t.position"
    join = "" if kind is Kind.PASSAGE else "JOIN passage p ON p.id = t.passage_id"
    columns = (
        f't.id, t.text, t.start, t."end", {paragraph} AS paragraph, {sentence} AS sentence, '
        "e.id AS essay_id, e.slug, e.title, e.title_is_label, e.author, e.author_note, "
        "e.published, e.published_note, e.side, e.source_url"
    )
    return columns, join


def sqlite_statement(
    kind: Kind, query: Query, scope: Scope, *, any_term: bool, prefix: bool, lean: bool = False
) -> tuple[str, dict[str, object]]:
    # Rank inside FTS5 first and join only the page's rows: ranking cost grows with the
    # number of matches, and joins would multiply it. Weights: only the text column counts.
    # highlight() runs per page row in a subquery: next to the join SQLite would otherwise
    # compute it for every match. Retired essays' rows are left out before ranking.
    # `lean` (autocomplete) wants only ids and text: no attribution, no highlight.
    fts = f"search_{kind.value}"
    table = kind.value
    page = (
        f"WITH page AS (SELECT rowid AS id, bm25({fts}, 1.0, 0.0, 0.0) AS score FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid NOT IN (SELECT x.id FROM essay r "
        f"JOIN {table} x ON x.essay_id = r.id WHERE r.active = false) "
        "ORDER BY score, rowid LIMIT :limit OFFSET :offset) "
    )
    params: dict[str, object] = {"q": fts5_match(query, scope, any_term=any_term, prefix=prefix)}
    if lean:
        sql = f"SELECT t.id, t.text FROM page JOIN {table} t ON t.id = page.id "
        return page + sql + "ORDER BY page.score, page.id", params
    columns, join = hit_columns(kind)
    sql = (
        f"SELECT {columns}, (SELECT highlight({fts}, 0, char(2), char(3)) FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid = page.id) AS marked "
        f"FROM page JOIN {table} t ON t.id = page.id {join} "
        "JOIN essay e ON e.id = t.essay_id ORDER BY page.score, page.id"
    )
    return page + sql, params


def postgresql_filters(scope: Scope, params: dict[str, object]) -> str:
    """The side, essay and active-essay conditions, their values added to `params`."""
    filters = ["e.active"]
    if scope.side is not None:
        filters.append("t.side = :side")
        params["side"] = scope.side.value
    if scope.essay_id is not None:
        filters.append("t.essay_id = :essay_id")
        params["essay_id"] = scope.essay_id
    return " AND ".join(filters)


def postgresql_statement(
    kind: Kind, query: Query, scope: Scope, *, any_term: bool, prefix: bool, lean: bool = False
) -> tuple[str, dict[str, object]]:
    tsquery, params = ts_query(query, any_term=any_term, prefix=prefix)
    columns, join = hit_columns(kind)
    filters = postgresql_filters(scope, params)
    if lean:
        columns, join = "t.id, t.text", ""
    else:
        columns += (
            f", ts_headline('english', t.text, {tsquery}, "
            '\'HighlightAll=true, StartSel="\x02", StopSel="\x03"\') AS marked'
        )
    sql = (
        f"SELECT {columns} "
        f"FROM {kind.value} t {join} JOIN essay e ON e.id = t.essay_id "
        f"WHERE t.search_vector @@ {tsquery} AND {filters} "
        f"ORDER BY ts_rank_cd(t.search_vector, {tsquery}) DESC, t.id "
        "LIMIT :limit OFFSET :offset"
    )
    return sql, params


def count_statement(
    dialect: str, kind: Kind, query: Query, scope: Scope, *, any_term: bool, cap: int
) -> tuple[str, dict[str, object]]:
    # The inner LIMIT stops the engine at `cap` matches: a count, unlike a page,
    # needs no ranking, and past the cap it needs no more rows either.
    if dialect == "sqlite":
        fts = f"search_{kind.value}"
        params: dict[str, object] = {"q": fts5_match(query, scope, any_term=any_term, prefix=False)}
        inner = (
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q AND rowid NOT IN "
            f"(SELECT x.id FROM essay r JOIN {kind.value} x ON x.essay_id = r.id "
            "WHERE r.active = false)"
        )
    else:
        tsquery, params = ts_query(query, any_term=any_term, prefix=False)
        filters = postgresql_filters(scope, params)
        inner = (
            f"SELECT t.id FROM {kind.value} t JOIN essay e ON e.id = t.essay_id "
            f"WHERE t.search_vector @@ {tsquery} AND {filters}"
        )
    return f"SELECT count(*) FROM ({inner} LIMIT :cap) AS matched", params | {"cap": cap}


def rows_statement(
    dialect: str,
    kind: Kind,
    ids: Sequence[int],
    query: Query | None = None,
    scope: Scope | None = None,
    *,
    any_term: bool = False,
) -> tuple[str, dict[str, object]]:
    """Whole hits for rows already ranked, in no particular order; with `query`, marked.

    The ids come from the database, and are written into the statement as integers.
    """
    listed = ", ".join(str(int(row_id)) for row_id in ids) or "NULL"
    columns, join = hit_columns(kind)
    params: dict[str, object] = {}
    if query is None or scope is None:
        marked = "NULL"
    elif dialect == "sqlite":
        fts = f"search_{kind.value}"
        params["q"] = fts5_match(query, scope, any_term=any_term, prefix=False)
        marked = (
            f"(SELECT highlight({fts}, 0, char(2), char(3)) FROM {fts} "
            f"WHERE {fts} MATCH :q AND rowid = t.id)"
        )
    else:
        tsquery, params = ts_query(query, any_term=any_term, prefix=False)
        marked = (
            f"ts_headline('english', t.text, {tsquery}, "
            '\'HighlightAll=true, StartSel="\x02", StopSel="\x03"\')'
        )
    sql = (
        f"SELECT {columns}, {marked} AS marked FROM {kind.value} t {join} "
        f"JOIN essay e ON e.id = t.essay_id WHERE t.id IN ({listed}) AND e.active = true"
    )
    return sql, params
