"""Interface strings of alerts that follow their case and the demo data: key → (zh-CN, English). Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # steps of an alert's trail when its case moves (dispatch.case_alerts.follow_case)
    "alert_step.handed_over": ("事件已转至其他中心，本中心告警关闭，转至", "Case moved on; closed here, now with"),
    "alert_step.taken_over": ("随事件转来，原在", "Came with the case from"),
    "alert_step.reason": ("原因：{action}", "Reason: {action}"),
}
