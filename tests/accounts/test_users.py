"""Accounts: creation rules, principals, password changes and disabling end sessions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch.accounts import sessions, users
from dispatch.accounts.errors import AccountError, AccountNotFound
from dispatch.accounts.models import User
from dispatch.principal import Role
from tests.accounts.conftest import COUNTY, JIANGNA, AccountsDb, password_of


def test_principal_carries_home_path_roles_and_department(adb: AccountsDb) -> None:
    adb.user("judicial")
    adb.user("leader.county")
    with adb.factory() as s:
        judicial = users.principal_for_user(users.get_user(s, "judicial"))
        leader = users.principal_for_user(users.get_user(s, "leader.county"))
    assert judicial.center_path == "532600/532622/532622101"
    assert judicial.roles == {Role.LIAISON} and judicial.department == "532622101-judicial"
    assert leader.center_path == "532600/532622" and leader.department is None
    assert leader.sees("532600/532622/532622102/x") and not judicial.sees("532600/532622/532622102")


@pytest.mark.parametrize(
    ("username", "center", "roles", "dept", "error", "needle"),
    [
        ("Bad Name", JIANGNA, ["operator"], None, AccountError, "username"),
        ("ok.name", "999999", ["operator"], None, AccountNotFound, "999999"),
        ("ok.name", JIANGNA, ["wizard"], None, AccountError, "wizard"),
        ("ok.name", JIANGNA, ["system"], None, AccountError, "system"),
        ("ok.name", COUNTY, ["liaison"], None, AccountError, "department"),
        ("ok.name", COUNTY, ["liaison"], "no-such-dept", AccountNotFound, "no-such-dept"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(
    adb: AccountsDb, username: str, center: str, roles: list[str], dept: str | None,
    error: type[Exception], needle: str,
) -> None:
    with pytest.raises(error, match=needle), adb.factory.begin() as s:
        users.add_user(s, username, "Long-enough-1", center, roles, department=dept)
    with adb.factory() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_and_weak_passwords_refused_without_echo(adb: AccountsDb) -> None:
    adb.user("op.jiangna")
    with pytest.raises(AccountError, match="exists"), adb.factory.begin() as s:
        users.add_user(s, "op.jiangna", "Another-pass-1", JIANGNA, ["operator"])
    with pytest.raises(ValueError) as info, adb.factory.begin() as s:
        users.add_user(s, "weak.one", "aaaaaaaaaaaa", JIANGNA, ["operator"])
    assert "aaaaaaaaaaaa" not in str(info.value)


def test_password_is_an_argon2id_hash(adb: AccountsDb) -> None:
    adb.user("op.jiangna")
    with adb.factory() as s:
        stored = users.get_user(s, "op.jiangna").password_hash
    assert stored.startswith("$argon2id$") and password_of("op.jiangna") not in stored


def test_password_change_and_disable_end_open_sessions(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    adb.user("op.pingyuan")
    with adb.factory.begin() as s:
        first = sessions.login(s, "op.jiangna", pw, adb.settings).token
        other = sessions.login(s, "op.pingyuan", password_of("op.pingyuan"), adb.settings).token
    assert first and other
    with adb.factory.begin() as s:
        users.set_password(s, "op.jiangna", "Brand-new-pass-2")
        users.set_disabled(s, "op.pingyuan", True)
    with adb.factory.begin() as s:
        assert sessions.resolve(s, first).principal is None
        assert sessions.resolve(s, other).principal is None
        assert not sessions.login(s, "op.jiangna", pw, adb.settings).ok
        assert sessions.login(s, "op.jiangna", "Brand-new-pass-2", adb.settings).ok
        refused = sessions.login(s, "op.pingyuan", password_of("op.pingyuan"), adb.settings)
    assert not refused.ok and refused.reason == "disabled"


def test_list_users_by_subtree(adb: AccountsDb) -> None:
    for name in ("op.jiangna", "op.pingyuan", "leader.county", "op.village"):
        adb.user(name)
    with adb.factory() as s:
        under = [u.username for u in users.list_users(s, "532600/532622/532622101")]
        everyone = [u.username for u in users.list_users(s)]
    assert sorted(under) == ["op.jiangna", "op.village"]
    assert len(everyone) == 4
