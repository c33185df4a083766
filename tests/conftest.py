"""Fixtures shared by the whole suite.

Database tests run on both backends: ``database_url`` is parametrized over SQLite (a fresh
file per test) and PostgreSQL (a database of its own per test run, its ``public`` schema
emptied before each test). PostgreSQL is reached at ``ZONGZHI_TEST_POSTGRES_URL``
(default: the local server, trust auth). A missing server fails the tests; it never skips
them: ``.ci/run`` starts the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database created for this test run and dropped after it."""
    admin_url = make_url(os.environ.get("ZONGZHI_TEST_POSTGRES_URL", DEFAULT_PG_URL))
    name = f"zongzhi_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {admin_url.render_as_string()}: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend, one test at a time."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zongzhi.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url
