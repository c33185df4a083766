"""Logins, session expiry and brute-force throttling (per account and address pair, per address,
across processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from config.auth import AuthSettings
from dispatch.accounts import sessions, throttle
from dispatch.accounts.crypto import name_digest
from dispatch.accounts.models import AccessAudit, LoginThrottle, WebSession
from tests.accounts.conftest import T_NOW, AccountsDb

ROOT = Path(__file__).resolve().parents[2]


def _events(adb: AccountsDb) -> list[tuple[str, str | None, dict]]:
    with adb.factory() as s:
        rows = s.scalars(sa.select(AccessAudit).order_by(AccessAudit.id)).all()
        return [(r.event, r.actor, r.detail) for r in rows]


def _login(adb: AccountsDb, name: str, pw: str, address: str = "10.0.0.1", at=T_NOW) -> sessions.LoginOutcome:
    with adb.factory.begin() as s:
        return sessions.login(s, name, pw, adb.settings, address=address, now=at)


def test_login_opens_a_session_stored_only_as_a_digest(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    outcome = _login(adb, "op.jiangna", pw)
    assert outcome.ok and outcome.token
    with adb.factory() as s:
        row = s.scalars(sa.select(WebSession)).one()
        assert outcome.token not in row.token_hash and len(row.token_hash) == 64
        found = sessions.resolve(s, outcome.token, now=T_NOW + timedelta(minutes=1))
    assert found.principal is not None and found.principal.actor == "op.jiangna"
    assert ("login", "op.jiangna") in [(e, a) for e, a, _ in _events(adb)]


def test_single_sign_on_opens_a_session_marked_with_its_method(adb: AccountsDb) -> None:
    adb.user("op.jiangna")
    with adb.factory.begin() as s:
        outcome = sessions.login_external(
            s, "OP.Jiangna", adb.settings, method="oidc", address="10.0.0.2", now=T_NOW
        )
        refused = sessions.login_external(s, "nobody", adb.settings, method="oidc", now=T_NOW)
    assert outcome.ok and outcome.token and not refused.ok and refused.reason == "unknown_user"
    with adb.factory() as s:
        assert s.scalars(sa.select(WebSession.method)).one() == "oidc"
        found = sessions.resolve(s, outcome.token, now=T_NOW + timedelta(minutes=1))
    assert found.principal is not None and found.principal.actor == "op.jiangna"
    logins = [d for e, a, d in _events(adb) if (e, a) == ("login", "op.jiangna")]
    assert logins and logins[0].get("method") == "oidc"


def test_sessions_expire_when_idle_and_at_their_absolute_end(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    idle = timedelta(minutes=adb.settings.session_idle_minutes)
    a = _login(adb, "op.jiangna", pw).token
    b = _login(adb, "op.jiangna", pw).token
    assert a and b
    with adb.factory.begin() as s:
        # Activity keeps session b alive past the idle limit, up to the absolute limit.
        t = T_NOW
        while t < T_NOW + timedelta(hours=adb.settings.session_absolute_hours) - idle:
            t += idle - timedelta(minutes=1)
            assert sessions.resolve(s, b, now=t).principal is not None
        assert sessions.resolve(s, a, now=T_NOW + idle + timedelta(seconds=1)).reason == "idle"
        assert sessions.resolve(s, b, now=T_NOW + timedelta(hours=adb.settings.session_absolute_hours)).reason == "expired"
    with adb.factory.begin() as s:  # once ended, they stay ended
        assert sessions.resolve(s, a, now=T_NOW).reason == "ended"
    expired = [d for e, _, d in _events(adb) if e == "session_expired"]
    assert sorted(d["reason"] for d in expired) == ["expired", "idle"]


def test_logout_ends_the_session(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    token = _login(adb, "op.jiangna", pw).token
    assert token
    with adb.factory.begin() as s:
        assert sessions.logout(s, token, now=T_NOW)
        assert not sessions.logout(s, token, now=T_NOW)
    with adb.factory.begin() as s:
        assert sessions.resolve(s, token, now=T_NOW).principal is None
    assert "logout" in [e for e, _, _ in _events(adb)]


def test_five_quick_failures_lock_the_pair_even_for_the_right_password(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    policy = adb.settings.user_throttle
    for i in range(5):
        out = _login(adb, "op.jiangna", f"wrong-{i}", address="10.0.1.1", at=T_NOW + timedelta(seconds=i))
        assert not out.ok and out.reason == "bad_password"
    assert out.retry_after == policy.base_delay_seconds
    locked = _login(adb, "op.jiangna", pw, address="10.0.1.1", at=T_NOW + timedelta(seconds=10))
    assert not locked.ok and locked.reason == "throttled" and locked.retry_after > 0
    # The same account from another address is not slowed by them.
    assert _login(adb, "op.jiangna", pw, address="10.0.2.1", at=T_NOW + timedelta(seconds=11)).ok
    # A sixth failure after the lock doubles the delay (exponential), then the right password
    # works once the lock has passed and clears the pair's count.
    t = T_NOW + timedelta(seconds=5 + policy.base_delay_seconds)
    sixth = _login(adb, "op.jiangna", "wrong-6", address="10.0.1.1", at=t)
    assert sixth.retry_after == 2 * policy.base_delay_seconds
    t += timedelta(seconds=2 * policy.base_delay_seconds)
    assert _login(adb, "op.jiangna", pw, address="10.0.1.1", at=t).ok
    with adb.factory() as s:
        assert s.get(LoginThrottle, "pair:user:1@10.0.1.1") is None
    events = [e for e, _, _ in _events(adb)]
    assert events.count("login_failed") == 6 and events.count("login_throttled") == 1


def test_another_account_at_the_same_address_is_never_refused_for_them(adb: AccountsDb) -> None:
    """The reported case: five wrong passwords for one account made a different account with
    the right password, from the same address, get 429."""
    adb.user("op.jiangna")
    pw = adb.user("op.pingyuan")
    adb.settings = AuthSettings()  # the shipped limits, as in the report
    for i in range(8):
        _login(adb, "op.jiangna", f"wrong-{i}", address="10.9.9.9", at=T_NOW)
    assert _login(adb, "op.jiangna", "wrong-x", address="10.9.9.9", at=T_NOW).reason == "throttled"
    other = _login(adb, "op.pingyuan", pw, address="10.9.9.9", at=T_NOW)
    assert other.ok, other.reason


def test_one_wrong_password_a_second_does_not_keep_the_owner_out(adb: AccountsDb) -> None:
    """The reported attack: one wrong password a second for a minute kept the real user out
    (0 of 18 logins). Now every login of the owner from its own address succeeds."""
    pw = adb.user("op.jiangna")
    owner_ok = 0
    attacker_refused = 0
    for second in range(60):
        at = T_NOW + timedelta(seconds=second)
        attack = _login(adb, "op.jiangna", f"guess-{second}", address="10.66.6.6", at=at)
        attacker_refused += attack.reason == "throttled"
        if second % 3 == 0 and second > 0:  # the owner logs in every 3 s, from its desk
            owner_ok += _login(adb, "op.jiangna", pw, address="10.1.2.3", at=at).ok
    assert owner_ok == 19
    assert attacker_refused >= 50  # the attacker is slowed from its own address


def test_the_address_ceiling_stops_a_spray_across_accounts(adb: AccountsDb) -> None:
    """Many accounts guessed from one address (each below the pair limit) reach the much
    higher per-address ceiling; other addresses are unaffected."""
    pw = adb.user("op.pingyuan")
    ceiling = adb.settings.address_throttle.free_failures
    assert ceiling > adb.settings.user_throttle.free_failures
    for i in range(ceiling - 1):
        assert _login(adb, f"guess{i}", "whatever-pass", address="10.9.9.9").reason == "unknown_user"
    # Below the ceiling, others at the address are still let in.
    assert _login(adb, "op.pingyuan", pw, address="10.9.9.9").ok
    assert _login(adb, "guess-last", "whatever-pass", address="10.9.9.9").reason == "unknown_user"
    assert _login(adb, "op.pingyuan", pw, address="10.9.9.9").reason == "throttled"
    assert _login(adb, "op.pingyuan", pw, address="10.9.9.10").ok


def test_failures_are_forgotten_after_a_quiet_window(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    for _i in range(4):
        _login(adb, "op.jiangna", "bad-pass", address="10.0.4.1")
    later = T_NOW + timedelta(seconds=adb.settings.user_throttle.window_seconds + 1)
    # After the window a failure counts as the first again: no lock.
    assert _login(adb, "op.jiangna", "bad-pass", address="10.0.4.1", at=later).retry_after == 0
    assert _login(adb, "op.jiangna", pw, address="10.0.4.1", at=later).ok


def test_unknown_names_are_kept_as_digests(adb: AccountsDb) -> None:
    typed = "Pw-secret-typed-in-name-field"
    _login(adb, typed, "x" * 12)
    with adb.factory() as s:
        keys = s.scalars(sa.select(LoginThrottle.key)).all()
        audit = s.scalars(sa.select(AccessAudit)).one()
    assert throttle.pair_key(throttle.name_key(name_digest(typed.lower())), "10.0.0.1") in keys  # names compare in lower case
    assert typed not in json.dumps(audit.detail) and audit.actor is None


def test_throttle_counts_failures_from_another_process(adb: AccountsDb, database_url: str) -> None:
    """Two processes share one count: the lock set by a subprocess stops this one."""
    pw = adb.user("op.jiangna")
    script = (
        "import sys\n"
        "from dispatch.db import make_engine, make_session_factory\n"
        "from dispatch.accounts import sessions\n"
        "from dispatch.accounts import models\n"
        "from tests.accounts.conftest import TEST_POLICY\n"
        "from config.auth import AuthSettings\n"
        "f = make_session_factory(make_engine(sys.argv[1]))\n"
        "st = AuthSettings(user_throttle=TEST_POLICY, address_throttle=TEST_POLICY)\n"
        "for i in range(3):\n"
        "    with f.begin() as s:\n"
        "        assert not sessions.login(s, 'op.jiangna', 'nope-nope-1', st, address='10.8.0.1').ok\n"
    )
    # The subprocess uses the wall clock, so this test does too.
    for _i in range(2):
        assert not _login(adb, "op.jiangna", "nope-nope-1", address="10.8.0.1", at=None).ok
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script, database_url], check=True, env=env, cwd=ROOT, timeout=120)
    with adb.factory() as s:
        assert s.get(LoginThrottle, "pair:user:1@10.8.0.1").failures == 5
    assert _login(adb, "op.jiangna", pw, address="10.8.0.1", at=None).reason == "throttled"


def test_purge_drops_old_sessions_and_quiet_throttle_rows(adb: AccountsDb) -> None:
    pw = adb.user("op.jiangna")
    old = _login(adb, "op.jiangna", pw).token
    _login(adb, "op.jiangna", "bad-password-x")
    later = T_NOW + timedelta(days=40)
    fresh = _login(adb, "op.jiangna", pw, at=later).token
    with adb.factory.begin() as s:
        assert sessions.purge(s, now=later) == 1
    with adb.factory.begin() as s:
        assert sessions.resolve(s, old, now=later).reason == "unknown"
        assert sessions.resolve(s, fresh, now=later).principal is not None
        assert s.scalars(sa.select(LoginThrottle.key)).all() == []
    assert "login" in [e for e, _, _ in _events(adb)]  # the audit keeps the history
