"""Fixtures shared by the whole suite.

Database tests run on both backends: ``database_url`` is parametrized over SQLite (a fresh
file per test) and PostgreSQL (a database of its own per test run, its ``public`` schema
emptied before each test). PostgreSQL is reached at ``ZONGZHI_TEST_POSTGRES_URL``
(default: the local server, trust auth). A missing server fails the tests; it never skips
them: ``tests/run`` starts the server.

Tests are marked ``postgres``, ``rtsp`` and ``browser`` from what they use (see
``pytest_collection_modifyitems`` below), so the layers select themselves:
``tests/run -m "not browser and not rtsp"`` is the fast layer.
"""

from __future__ import annotations

import inspect
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _product_loggers_as_pytest_found_them() -> Iterator[None]:
    """A server started in the test process sends the product's loggers to its own handler and
    stops them propagating (dashboard.server.logs); put them back after each test, so a later
    test's ``caplog`` still sees camera and dispatch log lines."""
    yield
    from dashboard.server.logs import LOGGERS

    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if h.get_name() == "zongzhi"]:
            logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


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


# Markers from what a test uses, so that ``-m "not browser and not rtsp"`` is the fast layer
# and ``-m "not postgres"`` runs without a server. A test needs:
# - ``postgres`` when it (or a fixture it uses) takes ``postgres_url``, or runs with a
#   fixture parametrized to "postgresql" (``database_url`` and the like);
# - ``rtsp`` when it takes the ``rtsp_server`` fixture or starts an ``RtspServer`` itself;
# - ``browser`` when it, or one of its fixtures, launches Chromium with ``tests.browser.CHROMIUM``.
# Explicit marks on a test add to these.
_STARTS = {"browser": "CHROMIUM", "rtsp": "RtspServer"}
_FIXTURES = {"postgres": "postgres_url", "rtsp": "rtsp_server"}


def _names_used(code: CodeType) -> set[str]:
    """Global and attribute names a function's code refers to, nested functions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names_used(const)
    return names


def _code_of(func: object) -> CodeType | None:
    func = inspect.unwrap(func)  # type: ignore[arg-type]
    return getattr(func, "__code__", None)


def _needs(item: pytest.Function) -> set[str]:
    needs = {marker for marker, fixture in _FIXTURES.items() if fixture in item.fixturenames}
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(v == "postgresql" for v in callspec.params.values()
                                    if isinstance(v, str)):
        needs.add("postgres")
    codes = [_code_of(item.function)]
    for defs in item._fixtureinfo.name2fixturedefs.values():
        codes += [_code_of(d.func) for d in defs]
    used: set[str] = set()
    for code in codes:
        if code is not None:
            used |= _names_used(code)
    needs |= {marker for marker, name in _STARTS.items() if name in used}
    return needs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function):
            for marker in sorted(_needs(item) - {m.name for m in item.iter_markers()}):
                item.add_marker(marker)
