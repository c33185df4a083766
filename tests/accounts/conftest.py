"""Fixtures for the accounts tests: the example deployment with cameras and accounts on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.auth import AuthSettings, ThrottlePolicy
from dispatch.accounts import models as account_models  # noqa: F401  (registers the tables)
from dispatch.accounts import tokens, users
from dispatch.models import Camera, Center
from tests.dispatch.factories import Db, make_db

JIANGNA = "532622101"  # township
PINGYUAN = "532622102"  # another township of the same county
COUNTY = "532622"
VILLAGE = "532622101201"
OTHER_VILLAGE = "532622101202"

#: camera id → center code
CAMERAS = {
    "cam-jiangna-town": JIANGNA,
    "cam-pingyuan-town": PINGYUAN,
    "cam-jiangna-1": VILLAGE,  # already in the example deployment
    "cam-dage-village": OTHER_VILLAGE,
}

#: username → (center code, roles, department)
ACCOUNTS: dict[str, tuple[str, list[str], str | None]] = {
    "op.jiangna": (JIANGNA, ["operator"], None),
    "op.pingyuan": (PINGYUAN, ["operator"], None),
    "leader.county": (COUNTY, ["leader"], None),
    "leader.jiangna": (JIANGNA, ["leader"], None),
    "op.village": (VILLAGE, ["operator"], None),
    "police": (COUNTY, ["liaison"], "532622-police"),
    "judicial": (JIANGNA, ["liaison"], "532622101-judicial"),
    "admin": ("532600", ["admin"], None),
}

#: Slow enough that no test's own latency can outlast a lock (tests move the clock instead).
TEST_POLICY = ThrottlePolicy(free_failures=5, base_delay_seconds=60, max_delay_seconds=3600, window_seconds=900)
#: The per-address ceiling: well above the per-(account, address) limit, as in production
#: (there 100), low enough that a test reaches it quickly.
TEST_ADDRESS_POLICY = ThrottlePolicy(
    free_failures=12, base_delay_seconds=60, max_delay_seconds=3600, window_seconds=900
)
T_NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def password_of(username: str) -> str:
    return f"Pw-{username}-9x7Q"


@dataclass
class AccountsDb:
    db: Db
    settings: AuthSettings = field(
        default_factory=lambda: AuthSettings(
            user_throttle=TEST_POLICY, address_throttle=TEST_ADDRESS_POLICY
        )
    )
    created: set[str] = field(default_factory=set)
    token_values: dict[str, str] = field(default_factory=dict)

    @property
    def factory(self) -> sessionmaker[Session]:
        return self.db.factory

    def user(self, username: str) -> str:
        """Create the named account of :data:`ACCOUNTS` once; returns its password."""
        if username not in self.created:
            center, roles, dept = ACCOUNTS[username]
            with self.factory.begin() as s:
                users.add_user(s, username, password_of(username), center, roles, department=dept)
            self.created.add(username)
        return password_of(username)

    def token(self, name: str, center: str, actions: list[str], sources: list[str] | None = None) -> str:
        with self.factory.begin() as s:
            _, value = tokens.create_token(s, name, center, actions, sources=sources)
        self.token_values[name] = value
        return value


def add_cameras(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        for cid, code in CAMERAS.items():
            if s.get(Camera, cid) is None:
                center = s.query(Center).filter_by(code=code).one()
                s.add(Camera(id=cid, name=f"摄像机 {cid}", center_id=center.id))


@pytest.fixture
def adb(database_url: str) -> Iterator[AccountsDb]:
    db = make_db(database_url)
    add_cameras(db.factory)
    yield AccountsDb(db)
    db.engine.dispose()


@pytest.fixture
def make_accounts_db() -> Callable[[str], AccountsDb]:
    return lambda url: AccountsDb(make_db(url))
