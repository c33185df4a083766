"""Fixtures of the dashboard tests: a small deployment in a fresh database, services installed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from dashboard.server.access import open_principal
from dashboard.server.services import Services, install
from dispatch.db import make_engine, make_session_factory
from dispatch.events import InProcessBus, bind_bus
from dispatch.migrate import upgrade
from dispatch.rollup import install_rollups
from dispatch.sla import Sla
from tests.dashboard.factories import PREFECTURE, load_small

os.environ.setdefault("ZONGZHI_I18N_STRICT", "1")
ENTRY = str(Path(__file__).resolve().parents[2] / "dashboard" / "server" / "entry.py")


def _services(url: str, tmp_path: Path) -> Services:
    engine = make_engine(url)
    upgrade(engine)
    factory = install_rollups(make_session_factory(engine))
    bus = InProcessBus()
    bind_bus(factory, bus)
    with factory.begin() as session:
        load_small(session)
    svc = Services(settings=Settings(data_dir=tmp_path), engine=engine, session_factory=factory, bus=bus)
    svc.open_principal = open_principal(PREFECTURE)
    svc.sla = Sla.build()
    return svc


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Installed services over a fresh SQLite file (page tests run on one backend; the
    queries they call are tested on both through ``services_any``)."""
    svc = _services(f"sqlite:///{tmp_path / 'zongzhi.db'}", tmp_path)
    install(svc)
    try:
        yield svc
    finally:
        install(None)
        svc.engine.dispose()


@pytest.fixture
def services_any(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """The same, on SQLite and on PostgreSQL."""
    svc = _services(database_url, tmp_path)
    install(svc)
    try:
        yield svc
    finally:
        install(None)
        svc.engine.dispose()
