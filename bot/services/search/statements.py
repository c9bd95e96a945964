"""The SQL of a search, for FTS5 on SQLite and tsvector on PostgreSQL.

The user's words only ever reach these statements as quoted terms or bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Side
from bot.services.search.exact import postgresql_exact, sqlite_exact
from bot.services.search.query import Kind, Query


@dataclass(frozen=True)
class Scope:
    """Filters resolved to ids before the search runs, so the search itself needs no join.

    `guild_id` is the server searching: it reads the shipped essays and its own reading
    list; without one (the command line), the shipped essays only."""

    side: Side | None
    essay_id: int | None
    guild_id: int | None = None


def hidden_essays(scope: Scope, alias: str) -> str:
    """The condition on essay `alias` for essays this search must not see: retired ones,
    and those on another server's reading list. The server id is written as an integer."""
    if scope.guild_id is None:
        return f"({alias}.active = false OR {alias}.guild_id IS NOT NULL)"
    return (
        f"({alias}.active = false OR ({alias}.guild_id IS NOT NULL "
        f"AND {alias}.guild_id <> {int(scope.guild_id)}))"
    )


async def resolve_scope(
    session: AsyncSession, side: Side | None, essay: str | None, guild_id: int | None = None
) -> Scope | None:
    """Resolve an essay slug; None when it names no essay this server can search (nothing
    can match)."""
    if essay is None:
        return Scope(side, None, guild_id)
    connection = await session.connection()
    scope = Scope(side, None, guild_id)
    essay_id = (
        await connection.execute(
            text(
                f"SELECT e.id FROM essay e WHERE e.slug = :slug AND NOT {hidden_essays(scope, 'e')}"
            ),
            {"slug": essay},
        )
    ).scalar()
    return None if essay_id is None else Scope(side, essay_id, guild_id)


def excluded(column: str, ids: Sequence[int]) -> str:
    """The condition leaving out rows already shown (ids from the database, as integers)."""
    if not ids:
        return ""
    return f"AND {column} NOT IN ({', '.join(str(int(i)) for i in ids)}) "


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


def _paged(
    ranked: str,
    table: str,
    params: dict[str, object],
    window: int | None,
    exact: str | None,
    *,
    best: str,
) -> tuple[str, str]:
    """The `page` CTE after `ranked` (an open `WITH ranked AS (... ORDER BY ...` whose
    scores sort `best` first: "" ascending, " DESC" descending), and the order of its rows.
    With `window`, the page is cut from the best `window` rows, those holding more typed
    words (`exact`, see exact.py) first; without, from the engine's order at any offset."""
    if window is None or exact is None:
        page = ranked + "LIMIT :limit OFFSET :offset), page AS (SELECT *, 0 AS exact FROM ranked) "
    else:
        params["window"] = window
        page = ranked + (
            "LIMIT :window), page AS (SELECT ranked.id, ranked.score, "
            f"{exact} AS exact FROM ranked JOIN {table} t ON t.id = ranked.id "
            f"ORDER BY exact DESC, ranked.score{best}, ranked.id LIMIT :limit OFFSET :offset) "
        )
    return page, f"ORDER BY page.exact DESC, page.score{best}, page.id"


def sqlite_statement(
    kind: Kind,
    query: Query,
    scope: Scope,
    *,
    any_term: bool,
    prefix: bool,
    lean: bool = False,
    window: int | None = None,
    exclude: Sequence[int] = (),
) -> tuple[str, dict[str, object]]:
    # Rank inside FTS5 first and join only the page's rows: ranking cost grows with the
    # number of matches, and joins would multiply it. Weights: only the text column counts.
    # highlight() runs per page row in a subquery: next to the join SQLite would otherwise
    # compute it for every match. Retired essays' rows, and those of other servers' reading
    # lists, are left out before ranking.
    # With `window`, the page is cut from the best `window` rows ordered exact words first
    # (see exact.py); without, from the engine's order at any offset.
    # `lean` (autocomplete) wants only ids and text: no attribution, no highlight.
    fts = f"search_{kind.value}"
    table = kind.value
    params: dict[str, object] = {"q": fts5_match(query, scope, any_term=any_term, prefix=prefix)}
    ranked = (
        f"WITH ranked AS (SELECT rowid AS id, bm25({fts}, 1.0, 0.0, 0.0) AS score FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid NOT IN (SELECT x.id FROM essay r "
        f"JOIN {table} x ON x.essay_id = r.id WHERE {hidden_essays(scope, 'r')}) "
        f"{excluded('rowid', exclude)}ORDER BY score, rowid "
    )
    exact = None if window is None else sqlite_exact(query, params, prefix=prefix)
    page, order = _paged(ranked, table, params, window, exact, best="")
    if lean:
        return page + f"SELECT t.id, t.text FROM page JOIN {table} t ON t.id = page.id {order}", (
            params
        )
    columns, join = hit_columns(kind)
    sql = (
        f"SELECT {columns}, (SELECT highlight({fts}, 0, char(2), char(3)) FROM {fts} "
        f"WHERE {fts} MATCH :q AND rowid = page.id) AS marked "
        f"FROM page JOIN {table} t ON t.id = page.id {join} "
        f"JOIN essay e ON e.id = t.essay_id {order}"
    )
    return page + sql, params


def postgresql_filters(scope: Scope, params: dict[str, object]) -> str:
    """The side, essay and visible-essay conditions, their values added to `params`."""
    filters = [f"NOT {hidden_essays(scope, 'e')}"]
    if scope.side is not None:
        filters.append("t.side = :side")
        params["side"] = scope.side.value
    if scope.essay_id is not None:
        filters.append("t.essay_id = :essay_id")
        params["essay_id"] = scope.essay_id
    return " AND ".join(filters)


def postgresql_statement(
    kind: Kind,
    query: Query,
    scope: Scope,
    *,
    any_term: bool,
    prefix: bool,
    lean: bool = False,
    window: int | None = None,
    exclude: Sequence[int] = (),
) -> tuple[str, dict[str, object]]:
    # As on SQLite: rank every match, keep the page's (or the window's) ids, and only
    # then join, highlight and, within the window, put exact words first.
    tsquery, params = ts_query(query, any_term=any_term, prefix=prefix)
    filters = postgresql_filters(scope, params)
    table = kind.value
    ranked = (
        f"WITH ranked AS (SELECT t.id, ts_rank_cd(t.search_vector, {tsquery}) AS score "
        f"FROM {table} t JOIN essay e ON e.id = t.essay_id "
        f"WHERE t.search_vector @@ {tsquery} AND {filters} {excluded('t.id', exclude)}"
        "ORDER BY score DESC, t.id "
    )
    exact = None if window is None else postgresql_exact(query, params, prefix=prefix)
    page, order = _paged(ranked, table, params, window, exact, best=" DESC")
    if lean:
        return page + f"SELECT t.id, t.text FROM page JOIN {table} t ON t.id = page.id {order}", (
            params
        )
    columns, join = hit_columns(kind)
    columns += (
        f", ts_headline('english', t.text, {tsquery}, "
        '\'HighlightAll=true, StartSel="\x02", StopSel="\x03"\') AS marked'
    )
    sql = (
        f"SELECT {columns} FROM page JOIN {table} t ON t.id = page.id {join} "
        f"JOIN essay e ON e.id = t.essay_id {order}"
    )
    return page + sql, params


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
            f"WHERE {hidden_essays(scope, 'r')})"
        )
    else:
        tsquery, params = ts_query(query, any_term=any_term, prefix=False)
        filters = postgresql_filters(scope, params)
        inner = (
            f"SELECT t.id FROM {kind.value} t JOIN essay e ON e.id = t.essay_id "
            f"WHERE t.search_vector @@ {tsquery} AND {filters}"
        )
    return f"SELECT count(*) FROM ({inner} LIMIT :cap) AS matched", params | {"cap": cap}


def rows_statement(kind: Kind, ids: Sequence[int], guild_id: int | None = None) -> str:
    """Whole hits, with nothing marked, for rows of essays the server can see; ids from
    the database, written into the statement as integers."""
    listed = ", ".join(str(int(row_id)) for row_id in ids) or "NULL"
    columns, join = hit_columns(kind)
    hidden = hidden_essays(Scope(None, None, guild_id), "e")
    return (
        f"SELECT {columns}, NULL AS marked FROM {kind.value} t {join} "
        f"JOIN essay e ON e.id = t.essay_id WHERE t.id IN ({listed}) AND NOT {hidden}"
    )
