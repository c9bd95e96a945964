"""Quotes: random essay sentences, members' saved quotes, their search, export and import.

The package: `essay_quotes`, `member_quotes`, `saved_searches` (the pages behind the
paging buttons) and `export_import`. Everything is importable from here.
"""

from bot.services.quotes.essay_quotes import (
    check_essay,
    essay_choices,
    paragraph_count,
    punchiness,
    random_essay_quote,
    sentence_hit,
)
from bot.services.quotes.export_import import (
    EXPORT_FIELDS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportReport,
    as_csv,
    as_json,
    export_quotes,
    import_quotes,
    parse_import,
)
from bot.services.quotes.member_quotes import (
    MAX_QUOTE_CHARS,
    MessageToSave,
    QuoteHit,
    QuoteView,
    delete_quote,
    get_quote,
    pick_member_quote,
    save_message,
    search_member_quotes,
)
from bot.services.quotes.saved_searches import (
    QuotePage,
    SavedSearch,
    page_of,
    recall_search,
    remember_search,
)

__all__ = [
    "EXPORT_FIELDS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_QUOTE_CHARS",
    "ImportReport",
    "MessageToSave",
    "QuoteHit",
    "QuotePage",
    "QuoteView",
    "SavedSearch",
    "as_csv",
    "as_json",
    "check_essay",
    "delete_quote",
    "essay_choices",
    "export_quotes",
    "get_quote",
    "import_quotes",
    "page_of",
    "paragraph_count",
    "parse_import",
    "pick_member_quote",
    "punchiness",
    "random_essay_quote",
    "recall_search",
    "remember_search",
    "save_message",
    "search_member_quotes",
    "sentence_hit",
]
