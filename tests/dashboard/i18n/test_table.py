"""One translation table covers every label the pages can show, in both languages."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest

from dashboard.i18n import LANGS, keys_with_prefix, label, normalize, tr
from dashboard.i18n.table import TABLE
from dashboard.shared.forms import WIDGETS
from dispatch import types
from dispatch.workflow import TRANSITIONS

GROUPS: dict[str, type[StrEnum]] = {
    "state": types.CaseState, "kind": types.CaseKind, "channel": types.Channel, "risk": types.Risk,
    "satisfaction": types.Satisfaction, "complexity": types.Complexity, "alert": types.AlertKind,
    "severity": types.Severity, "camstatus": types.CameraStatus, "order_role": types.OrderRole,
    "order_state": types.OrderState,
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_stored_value_has_a_label(group: str) -> None:
    missing = {v.value for v in GROUPS[group]} - set(keys_with_prefix(group))
    assert not missing, f"{group}: no label for {sorted(missing)}"


def test_every_workflow_action_has_a_label_and_every_field_a_widget() -> None:
    for transition in TRANSITIONS:
        assert f"action.{transition.action}" in TABLE
        for field in (*transition.required, *transition.optional):
            assert field in WIDGETS, f"{transition.action}: no form widget for {field!r}"
    assert "action.report" in TABLE  # the first line of every timeline


def test_both_languages_are_filled_and_differ_where_they_should() -> None:
    for key, (zh, en) in TABLE.items():
        assert zh.strip() and en.strip(), key
        assert zh.count("{") == en.count("{"), f"{key}: placeholders differ"
        assert key == "nav.language" or not re.search("[\u4e00-\u9fff]", en), \
            f"{key}: Chinese in the English column"
    # The wall's rates count the year so far (today's would read 100 % on a quiet morning).
    assert tr("wall.kpi.closure_rate", "zh-CN") == "本年结案率"
    assert tr("wall.kpi.closure_rate", "en") == "Closure rate, year"
    assert tr("alerts.count", "en", n=3) == "3 unacknowledged"
    assert label("state", "reported", "zh-CN") == "待受理"


def test_unknown_languages_fall_back_to_chinese() -> None:
    assert normalize("en-US") == "en"
    assert normalize("<script>") == "zh-CN"
    assert normalize(None) == "zh-CN"
    assert LANGS == ("zh-CN", "en")
