"""No password, session token or API token in clear in the database or the logs.

Drives logins (good and bad, a password typed into the name field), API tokens and sessions
through a real server, then scans every column of every table and every captured log line.
"""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from dashboard.auth.cookies import SESSION_COOKIE
from dispatch.db import Base
from tests.accounts.conftest import COUNTY, AccountsDb
from tests.accounts.live import LiveApp


def dump(adb: AccountsDb) -> str:
    parts: list[str] = []
    with adb.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_secrets_never_stored_or_logged_in_clear(
    adb: AccountsDb, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [adb.user("op.jiangna"), adb.user("leader.county")]
    typed_in_name = "Xq-typed-password-in-name-7"
    token = adb.token("hotline", COUNTY, ["report"], ["hotline_12345"])
    secrets.append(token)
    with LiveApp(adb) as live:
        with live.login("op.jiangna", secrets[0]) as c:
            secrets.append(c.cookies[SESSION_COOKIE])
            assert c.get("/wall").status_code == 200
        with live.client() as c:
            page = c.get("/login").text
            csrf = re.search(r'value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
            bad = c.post("/login", data={"username": typed_in_name, "password": secrets[1], "csrf_token": csrf},
                         headers={"Origin": live.origin})
            assert bad.status_code == 401
            assert typed_in_name in bad.text  # the form keeps what was typed for the user…
            assert secrets[1] not in bad.text  # …but never a password
            assert c.post("/api/echo", content="x", headers={"Authorization": f"Bearer {token}"}).status_code == 200
            assert c.post("/api/echo", content="x", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    stored = dump(adb)
    # The test's own HTTP client (httpx/httpcore) logs what it sends at DEBUG; it is the
    # browser here, not the product, so its records are left out of the scan.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logs = "\n".join(r.getMessage() for r in server_records) + "\n".join(capfd.readouterr())
    assert "login_failed" in stored and "access login" in logs  # the scans read real content
    for secret in [*secrets, typed_in_name]:
        assert secret not in stored, "a secret is stored in clear"
        assert secret not in logs, "a secret reached the logs"
