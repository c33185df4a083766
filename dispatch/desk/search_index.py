"""The text a case is found by, and the index over it on each backend.

``cases.search_text`` holds the case number, title, description, reporter, phone, address and
grid name, lowercased, each field between newlines (``"\\nzz-532601-…\\n邻里纠纷\\n…\\n"``), so
a query matches inside one field and the field boundaries can be searched for (a two-character
name such as 王芳 is found as the whole field ``"\\n王芳\\n"``). :func:`compose` builds it; the
models keep it current on insert and on change of those fields, the demo writer fills it in bulk.

The index: SQLite FTS5 with the ``trigram`` tokenizer over an external-content table
(``cases_search``, kept in step by triggers on ``cases``); PostgreSQL a ``pg_trgm`` GIN index.
Neither is declared in the models (they are backend-specific): migration ``0007`` creates them,
and :func:`install` does the same for databases built with ``create_all``. :data:`OBJECTS`
names them so schema comparisons can leave them out.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa

SEP = "\n"
#: Longest query kept (characters); longer input is cut, never an error.
MAX_QUERY = 64

FTS_TABLE = "cases_search"
TRGM_INDEX = "ix_cases_search_text_trgm"
#: Tables and indexes of the search index that the models do not declare (the FTS5 table and
#: its shadow tables on SQLite, the GIN index on PostgreSQL).
OBJECTS: frozenset[str] = frozenset(
    {FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config")), TRGM_INDEX}
)

SQLITE_DDL: tuple[str, ...] = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='cases', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON cases BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text ON cases BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRES_DDL: tuple[str, ...] = (
    f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON cases USING gin (search_text gin_trgm_ops)",
)


def compose(*fields: str | None) -> str:
    """The search text of a case from its fields (None and empty fields keep their place)."""
    return SEP + SEP.join(_clean(f or "") for f in fields) + SEP


def _clean(text: str) -> str:
    # Newlines separate fields, so a field's own line breaks become spaces.
    return " ".join(text.split()).lower()


def normalize_query(raw: str) -> str:
    """A query as it is matched: control characters (NUL included) dropped, whitespace
    collapsed, lowercased, cut to :data:`MAX_QUERY` characters. LIKE wildcards stay literal
    characters; the search escapes them."""
    kept = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return _clean(kept)[:MAX_QUERY].strip()


def install(conn: sa.Connection) -> None:
    """Create the backend's search index on an existing ``cases`` table (idempotent)."""
    if conn.dialect.name == "sqlite":
        for ddl in SQLITE_DDL:
            conn.exec_driver_sql(ddl)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for ddl in POSTGRES_DDL:
            conn.exec_driver_sql(ddl)


def uninstall(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def rebuild(conn: sa.Connection) -> None:
    """Re-read every case's search text into the SQLite index (after bulk writes that bypass
    the triggers); nothing to do on PostgreSQL, whose index follows the table."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def include_name(name: str | None, type_: str, _parent: Any = None) -> bool:
    """Alembic ``include_name`` hook: leave the search index out of model comparisons."""
    return name not in OBJECTS
