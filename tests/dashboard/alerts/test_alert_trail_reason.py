"""An alert's trail words why it moved or closed: the new (or former) holder by name and the
case action that caused it, translated, never the stored action name."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.alerts.card import Names, step_line
from dispatch.models import AlertStep

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TOWNSHIP = "532600/532622/532622101"
NAMES = Names(centers={TOWNSHIP: "者腊乡综治中心"}, cameras={}, cases={}, people={}, steps={})


def line(step: str, note: str | None, lang: str) -> str:
    row = AlertStep(alert_id=1, at=AT, step=step, center_path=TOWNSHIP, note=note)
    return step_line(row, NAMES, lang)


def test_handed_over_names_the_new_holder_and_the_action() -> None:
    zh = line("handed_over", "escalate", "zh-CN")
    assert "者腊乡综治中心" in zh and "原因：上报上级" in zh
    assert "escalate" not in zh and TOWNSHIP not in zh
    en = line("handed_over", "escalate", "en")
    assert "Case moved on" in en and "Reason: Escalate" in en


def test_taken_over_and_cleared_name_their_reason() -> None:
    assert "随事件转来" in line("taken_over", "escalate", "zh-CN")
    cleared = line("cleared", "merge", "en")
    assert "Cleared" in cleared and "Reason: Merge duplicate" in cleared
    assert "Note" not in cleared  # a reason, not a person's words
