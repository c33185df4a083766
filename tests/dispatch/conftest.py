"""Fixtures of the dispatch tests: a migrated-by-models database with the example deployment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dispatch.factories import Db, make_db


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    """The example deployment imported into a fresh database, on SQLite and on PostgreSQL."""
    made = make_db(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()
