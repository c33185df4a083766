"""Every action an administrator can grant a token has words in both languages: the token
form lists them all, and one without a label broke the form under strict translations."""

from __future__ import annotations

import pytest

from dashboard.i18n import TABLE
from dispatch.accounts import admin


@pytest.mark.parametrize("action", admin.grantable_actions())
def test_every_grantable_action_has_a_label(action: str) -> None:
    key = f"action.{action}" if f"action.{action}" in TABLE else f"grant.{action}"
    assert key in TABLE, f"no words for the grant {action!r} (add grant.{action} to the table)"
    zh, en = TABLE[key]
    assert zh and en and zh != en
