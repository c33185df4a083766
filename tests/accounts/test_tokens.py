"""API tokens: bound to a center and named actions, shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch.accounts import tokens
from dispatch.accounts.crypto import utcnow
from dispatch.accounts.errors import AccountError
from dispatch.accounts.models import ApiToken
from dispatch.principal import Role
from tests.accounts.conftest import COUNTY, AccountsDb


def test_token_principal_is_narrowed_to_its_center_actions_and_sources(adb: AccountsDb) -> None:
    value = adb.token("hotline", COUNTY, ["report"], ["hotline_12345"])
    assert value.startswith("zzt_") and len(value) > 40
    with adb.factory.begin() as s:
        principal, reason = tokens.resolve_token(s, value)
        row = s.scalars(sa.select(ApiToken)).one()
    assert reason == "" and principal is not None
    assert principal.center_path == "532600/532622" and principal.roles == {Role.SYSTEM}
    assert principal.allowed_actions == {"report"} and principal.allowed_sources == {"hotline_12345"}
    assert value not in row.token_hash and row.prefix == value[:10]
    assert row.last_used_at is not None


def test_revoked_expired_and_unknown_tokens_are_refused(adb: AccountsDb) -> None:
    value = adb.token("police-push", COUNTY, ["report"])
    soon = adb.token("short-lived", COUNTY, ["report"])
    with adb.factory.begin() as s:
        s.scalars(sa.select(ApiToken).where(ApiToken.name == "short-lived")).one().expires_at = (
            utcnow() - timedelta(seconds=1)
        )
        tokens.revoke_token(s, "police-push")
    with adb.factory.begin() as s:
        assert tokens.resolve_token(s, value) == (None, "revoked")
        assert tokens.resolve_token(s, soon) == (None, "expired")
        assert tokens.resolve_token(s, value[:-2] + "xx") == (None, "unknown")
        assert tokens.resolve_token(s, "not-a-token") == (None, "unknown")


@pytest.mark.parametrize(
    ("name", "actions", "needle"),
    [("Bad Name", ["report"], "name"), ("ok", ["fly"], "fly"), ("ok", [], "action")],
)
def test_bad_tokens_are_refused(adb: AccountsDb, name: str, actions: list[str], needle: str) -> None:
    with pytest.raises(AccountError, match=needle), adb.factory.begin() as s:
        tokens.create_token(s, name, COUNTY, actions)


def test_listing_never_shows_values(adb: AccountsDb) -> None:
    value = adb.token("hotline", COUNTY, ["report", "stream.view"], ["hotline_12345"])
    with adb.factory() as s:
        listed = tokens.list_tokens(s)
    assert [t.name for t in listed] == ["hotline"]
    assert value not in repr(vars(listed[0]))


def test_a_token_must_expire_in_the_future(adb: AccountsDb) -> None:
    for when in (utcnow(), utcnow() - timedelta(days=1)):
        with pytest.raises(AccountError, match="future"), adb.factory.begin() as s:
            tokens.create_token(s, "hotline", COUNTY, ["report"], expires_at=when)
    with adb.factory.begin() as s:
        row, _ = tokens.create_token(s, "hotline", COUNTY, ["report"], expires_at=utcnow() + timedelta(days=1))
        assert tokens.token_state(row) == "active"
        assert tokens.token_state(row, now=utcnow() + timedelta(days=2)) == "expired"
