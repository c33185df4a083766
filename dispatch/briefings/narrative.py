"""The short narrative of a briefing, generated from its figures by template, in Chinese and
English ("今日全县共受理…，办结…，按期办结率…"). It is part of the briefing's content (a
signed briefing keeps the text it was signed with), so it is written here, in both languages,
rather than translated when shown; kind names match the interface's table (tested)."""

from __future__ import annotations

from typing import Any

from dispatch.briefings.model import Kind, Table
from dispatch.briefings.periods import Period

_WHEN = {
    Kind.DAILY: ("今日", "Today"),
    Kind.WEEKLY: ("本周", "This week"),
    Kind.MONTHLY: ("本月", "This month"),
    Kind.QUARTERLY: ("本季度", "This quarter"),
}
_PREVIOUS = {
    Kind.DAILY: ("昨日", "yesterday"),
    Kind.WEEKLY: ("上周", "last week"),
    Kind.MONTHLY: ("上月", "last month"),
    Kind.QUARTERLY: ("上季度", "last quarter"),
}
_AREA = {1: ("全州", "the prefecture"), 2: ("全县", "the county"), 3: ("全乡（镇）", "the township"),
         4: ("全村（社区）", "the village")}  # fmt: skip
KIND_NAMES = {
    "dispute": ("矛盾纠纷", "Dispute"),
    "hazard": ("安全隐患", "Safety hazard"),
    "service_request": ("民生诉求", "Public-service request"),
    "petition": ("信访", "Petition"),
    "special_population": ("特殊人群", "Special population"),
    "emergency": ("突发事件", "Emergency"),
    "gathering": ("聚集活动", "Gathering"),
}


def pct(value: Any) -> str:
    """A rate as the articles print it: two decimals and a percent sign (93.72%)."""
    return "—" if value is None else f"{value * 100:.2f}%"


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def narrative(
    period: Period, level: int, h: dict[str, Any], rising: Table | None = None
) -> dict[str, str]:
    """``{"zh-CN": …, "en": …}`` from the headline ``h`` (and, for an assessment, the kinds
    table, whose first row is the largest rise)."""
    when_zh, when_en = _WHEN[period.kind]
    area_zh, area_en = _AREA.get(level, _AREA[4])
    zh = [
        f"{when_zh}{area_zh}共受理事项{h['accepted']}件（新上报{h['reported']}件），"
        f"办结{h['closed']}件，按期办结率{pct(h['on_time_rate'])}，"
        f"结案率{pct(h['closure_rate'])}，逾期{h['overdue']}件"
    ]
    en = [
        f"{when_en} {area_en} accepted {h['accepted']} matters ({h['reported']} newly "
        f"reported) and closed {h['closed']}; on-time closure rate {pct(h['on_time_rate'])}, "
        f"closure rate {pct(h['closure_rate'])}, {h['overdue']} overdue"
    ]
    zh.append(
        f"新增高风险事项{h['new_high_risk']}件，上报上级{h['escalations']}件，"
        f"督办{h.get('supervisions', 0)}次，催办{h['urges']}次，通报{h['notices']}次"
    )
    en.append(
        f"{h['new_high_risk']} new high-risk matters, {h['escalations']} escalated, "
        f"{h.get('supervisions', 0)} supervised, {h['urges']} urged, {h['notices']} notified"
    )
    if "previous_reported" in h:
        prev_zh, prev_en = _PREVIOUS[period.kind]
        d = h["reported"] - h["previous_reported"]
        zh.append(f"上报量较{prev_zh}{'增加' if d >= 0 else '减少'}{abs(d)}件")
        en.append(f"reports {_signed(d)} on {prev_en}")
        if rising is not None and rising.rows and int(rising.rows[0][3] or 0) > 0:
            kind, _, _, up, _ = rising.rows[0]
            names = KIND_NAMES.get(str(kind), (str(kind), str(kind)))
            zh.append(f"上升最多的是{names[0]}（+{up}件）")
            en.append(f"{names[1].lower()} rose most (+{up})")
        zh.append(f"返工率{pct(h.get('rework_rate'))}，满意率{pct(h.get('satisfaction_broad_rate'))}")
        en.append(
            f"rework rate {pct(h.get('rework_rate'))}, satisfaction "
            f"{pct(h.get('satisfaction_broad_rate'))}"
        )
    if h.get("cameras"):
        zh.append(f"视频在线率{pct(h['camera_availability'])}")
        en.append(f"cameras available {pct(h['camera_availability'])} of the time")
    return {"zh-CN": "；".join(zh) + "。", "en": "; ".join(en) + "."}
