"""``zongzhi user …`` and ``zongzhi token …``, the first administrator and the demo accounts."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch.accounts import cli, sessions, tokens
from dispatch.accounts.crypto import utcnow
from dispatch.accounts.demo import create_demo_accounts
from dispatch.accounts.models import ApiToken, User
from dispatch.localtime import TZ
from tests.accounts.conftest import AccountsDb


def run(argv: list[str], database_url: str, monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="zongzhi")
    parser.add_argument("--config", default=None)
    cli.register(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setenv("ZONGZHI_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    try:
        args = parser.parse_args(argv)
    except SystemExit as refused:  # argparse refused an argument (its message is on stderr)
        monkeypatch.undo()
        return int(refused.code or 0), out.getvalue(), err.getvalue()
    code = args.func(args)
    monkeypatch.undo()
    return code, out.getvalue(), err.getvalue()


def test_user_commands(adb: AccountsDb, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["user", "add", "zhang.san", "--center", "532622101", "--role", "operator",
                        "--password-stdin"], database_url, monkeypatch, "Zhang-San-pass-1\n")
    assert code == 0 and "532600/532622/532622101" in out and "Zhang-San-pass-1" not in out
    code, out, _ = run(["user", "add", "boss", "--admin", "--generate"], database_url, monkeypatch)
    one_time = out.strip().rsplit(" ", 1)[-1]
    assert code == 0 and "admin" in out and len(one_time) >= 12
    code, _, err = run(["user", "add", "li.si", "--center", "532622", "--role", "liaison",
                        "--password-stdin"], database_url, monkeypatch, "Li-Si-pass-1234\n")
    assert code == 2 and "department" in err
    code, out, _ = run(["user", "list", "--under", "532600/532622"], database_url, monkeypatch)
    assert "zhang.san" in out and "boss" not in out
    assert run(["user", "disable", "zhang.san"], database_url, monkeypatch)[0] == 0
    assert run(["user", "passwd", "boss", "--password-stdin"], database_url, monkeypatch, "Boss-new-pass-9\n")[0] == 0
    with adb.factory.begin() as s:
        assert not sessions.login(s, "zhang.san", "Zhang-San-pass-1", adb.settings).ok
        assert sessions.login(s, "boss", "Boss-new-pass-9", adb.settings).ok
        assert not sessions.login(s, "boss", one_time, adb.settings).ok


def test_token_commands_show_the_value_once(adb: AccountsDb, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["token", "create", "hotline", "--center", "532622", "--action", "report",
                        "--source", "hotline_12345"], database_url, monkeypatch)
    value = out.strip().splitlines()[-1]
    assert code == 0 and value.startswith("zzt_")
    code, listing, _ = run(["token", "list"], database_url, monkeypatch)
    assert "hotline" in listing and value not in listing and value[:10] in listing
    assert run(["token", "create", "bad", "--center", "532622", "--action", "fly"], database_url, monkeypatch)[0] == 2
    assert run(["token", "revoke", "hotline"], database_url, monkeypatch)[0] == 0
    with adb.factory.begin() as s:
        assert tokens.resolve_token(s, value) == (None, "revoked")
        assert s.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_token_expiry_must_be_positive(
    adb: AccountsDb, database_url: str, monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    """`--expires-days 0` used to make a token that never expires."""
    code, _, err = run(["token", "create", "hotline", "--center", "532622", "--action", "report",
                        "--expires-days", days], database_url, monkeypatch)
    assert code == 2 and "--expires-days" in err and "1 to 3650" in err
    with adb.factory() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_token_list_shows_expiry_and_last_use_in_local_time(
    adb: AccountsDb, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["token", "create", "hotline", "--center", "532622", "--action", "report",
                        "--expires-days", "30"], database_url, monkeypatch)
    value = out.strip().splitlines()[-1]
    assert code == 0
    run(["token", "create", "forever", "--center", "532622", "--action", "report"], database_url, monkeypatch)
    with adb.factory.begin() as s:
        row = s.scalars(sa.select(ApiToken).where(ApiToken.name == "hotline")).one()
        expires = row.expires_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    _, listing, _ = run(["token", "list"], database_url, monkeypatch)
    lines = {line.split()[0]: line for line in listing.splitlines()[1:]}
    assert "expires" in listing and "last used" in listing
    assert expires in lines["hotline"] and lines["hotline"].count("never") == 1  # not used yet
    assert lines["forever"].count("never") == 2 and lines["forever"].endswith("active")
    with adb.factory.begin() as s:
        assert tokens.resolve_token(s, value)[0] is not None
        used = s.scalars(sa.select(ApiToken).where(ApiToken.name == "hotline")).one().last_used_at
        used_text = used.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        s.scalars(sa.select(ApiToken).where(ApiToken.name == "forever")).one().expires_at = (
            utcnow() - timedelta(minutes=1)
        )
    _, listing, _ = run(["token", "list"], database_url, monkeypatch)
    lines = {line.split()[0]: line for line in listing.splitlines()[1:]}
    assert used_text in lines["hotline"] and "never" not in lines["hotline"]
    assert lines["forever"].endswith("expired")


def test_first_admin_is_created_once(adb: AccountsDb) -> None:
    with adb.factory.begin() as s:
        first = cli.ensure_first_admin(s)
    assert first is not None and first[0] == "admin"
    with adb.factory.begin() as s:
        assert cli.ensure_first_admin(s) is None
        outcome = sessions.login(s, "admin", first[1], adb.settings)
        assert outcome.ok and outcome.user is not None and outcome.user.must_change_password


def test_demo_prints_one_account_per_level_that_can_log_in(adb: AccountsDb) -> None:
    with adb.factory.begin() as s:
        accounts = create_demo_accounts(s)
    levels = {a.username: a.center for a in accounts}
    assert levels["zhou.leader"].endswith("(532600)") and levels["xian.leader"].endswith("(532622)")
    assert levels["xiang.operator"].endswith("(532622101)") and levels["cun.operator"].endswith("(532622101201)")
    assert levels["xian.liaison"].endswith("(532622)")
    with adb.factory.begin() as s:
        again = create_demo_accounts(s)  # a second demo start resets, never duplicates
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == len(accounts)
    # Each login costs an argon2 verification: two accounts show the reset passwords work.
    with adb.factory.begin() as s:
        for account in (again[0], again[-1]):
            assert sessions.login(s, account.username, account.password, adb.settings).ok, account.username
        assert not sessions.login(s, accounts[1].username, accounts[1].password, adb.settings).ok
