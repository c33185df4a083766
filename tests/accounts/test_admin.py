"""Account administration (dispatch.accounts.admin): within the administrator's subtree, on
the access audit, never by a non-administrator or a token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.accounts import admin, sessions, tokens
from dispatch.accounts.errors import AccountError
from dispatch.accounts.models import AccessAudit, ApiToken, User
from dispatch.accounts.users import get_user, principal_for_user
from dispatch.principal import Principal, Role
from tests.accounts.conftest import COUNTY, JIANGNA, PINGYUAN, AccountsDb


def _principal(adb: AccountsDb, username: str) -> Principal:
    with adb.factory() as s:
        return principal_for_user(get_user(s, username))


def _county_admin(adb: AccountsDb) -> Principal:
    with adb.factory.begin() as s:
        admin_user, _ = admin.create_account(s, _principal(adb, "admin"), "county.admin", COUNTY, ["admin"])
        return principal_for_user(admin_user)


def _audit(adb: AccountsDb) -> list[tuple[str, str | None, str]]:
    with adb.factory() as s:
        return [(r.event, r.actor, r.resource) for r in s.scalars(sa.select(AccessAudit).order_by(AccessAudit.id))]


def test_every_change_is_audited_with_the_administrator_as_actor(adb: AccountsDb) -> None:
    adb.user("admin")
    boss = _principal(adb, "admin")
    with adb.factory.begin() as s:
        user, password = admin.create_account(s, boss, "zhao.liu", JIANGNA, ["operator"], display_name="赵六")
        assert user.must_change_password and len(password) >= 12
    with adb.factory.begin() as s:
        assert sessions.login(s, "zhao.liu", password, adb.settings).ok
    with adb.factory.begin() as s:
        admin.set_roles(s, boss, "zhao.liu", ["leader"])
        admin.set_home(s, boss, "zhao.liu", PINGYUAN)
        fresh = admin.reset_password(s, boss, "zhao.liu")
        admin.set_disabled(s, boss, "zhao.liu", True)
        _, value = admin.create_token(s, boss, "hotline", COUNTY, ["report"], expires_days=30)
        admin.revoke_token(s, boss, "hotline")
    with adb.factory() as s:
        row = s.scalars(sa.select(User).where(User.username == "zhao.liu")).one()
        assert row.roles == ["leader"] and row.center.code == PINGYUAN and row.disabled
        assert s.scalars(sa.select(ApiToken)).one().created_by == "admin"
    with adb.factory.begin() as s:
        assert not sessions.login(s, "zhao.liu", fresh, adb.settings).ok  # disabled
        assert tokens.resolve_token(s, value) == (None, "revoked")
    assert [e for e, a, _ in _audit(adb) if a == "admin"] == [
        "user_added", "user_roles_changed", "user_center_changed", "password_changed",
        "user_disabled", "token_created", "token_revoked",
    ]


def test_an_administrator_manages_only_its_subtree(adb: AccountsDb) -> None:
    adb.user("admin")
    adb.user("op.jiangna")
    county = _county_admin(adb)
    with adb.factory.begin() as s:
        names = {u.username for u in admin.accounts(s, county)}
        assert "op.jiangna" in names and "admin" not in names
        with pytest.raises(admin.NotAdministrator):
            admin.set_disabled(s, county, "admin", True)
        with pytest.raises(admin.NotAdministrator):
            admin.create_account(s, county, "far.away", "532600", ["operator"])
        with pytest.raises(admin.NotAdministrator):
            admin.set_home(s, county, "op.jiangna", "532600")
        with pytest.raises(admin.NotAdministrator):
            admin.create_token(s, county, "wide", "532600", ["report"])


def test_non_administrators_and_tokens_change_nothing(adb: AccountsDb) -> None:
    adb.user("admin")
    leader = _principal(adb, "leader.county") if adb.user("leader.county") else None
    assert leader is not None
    token_admin = Principal(actor="token:x", center_path="532600", roles=frozenset({Role.ADMIN}),
                            allowed_actions=frozenset({"report"}))
    for who in (leader, token_admin):
        with adb.factory.begin() as s, pytest.raises(admin.NotAdministrator):
            admin.accounts(s, who)
        with adb.factory.begin() as s, pytest.raises(admin.NotAdministrator):
            admin.create_account(s, who, "sneaky", COUNTY, ["admin"])


def test_an_administrator_cannot_lock_itself_out(adb: AccountsDb) -> None:
    adb.user("admin")
    boss = _principal(adb, "admin")
    with adb.factory.begin() as s:
        with pytest.raises(AccountError, match="own"):
            admin.set_disabled(s, boss, "admin", True)
        with pytest.raises(AccountError, match="own"):
            admin.set_roles(s, boss, "admin", ["leader"])


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_token_expiry_from_the_page_must_be_positive(adb: AccountsDb, days: int) -> None:
    adb.user("admin")
    with adb.factory.begin() as s, pytest.raises(AccountError, match="1–3650"):
        admin.create_token(s, _principal(adb, "admin"), "hotline", COUNTY, ["report"], expires_days=days)
