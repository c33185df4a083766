"""Interface strings of the SLA clock and the KPI definitions: key → (zh-CN, English). Merged
into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "clock.calendar_edge": (
        "节假日日历只到 {last} 年：{year} 年的法定节假日和调休尚未载入，{year} 年的期限只跳过周末。"
        "请更新 chinesecalendar 软件包，或在部署文件的 [holidays] 中列出 {year} 年的安排。",
        "The holiday calendar ends with {last}: {year}'s public holidays and make-up working "
        "days are not loaded, so deadlines in {year} skip weekends only. Update the "
        "chinesecalendar package or list {year}'s schedule in the deployment file's "
        "[holidays].",
    ),
    "clock.calendar_none": (
        "未载入节假日日历：期限只跳过周末。",
        "No holiday calendar is loaded: deadlines skip weekends only.",
    ),
    "kpi.satisfaction_strict_rate": ("满意率（仅满意）", "Satisfaction, strict (satisfied only)"),
    "kpi.satisfaction_broad_rate": (
        "满意率（满意+基本满意）",
        "Satisfaction, broad (satisfied + basically satisfied)",
    ),
    "kpi.extended_late": ("逾期延期", "Late extensions"),
}
