"""Interface strings of the risk register's workflow (re-grading, the 一案一策 review date,
督办) and of the inbox's exports: key → (zh-CN, English). Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # actions and their fields
    "action.regrade": ("调整风险等级", "Re-grade risk"),
    "action.plan_review": ("一案一策复核", "Review plan"),
    "field.review_on": ("下次复核日期", "Next review date"),
    "field.deadline": ("办理期限", "Answer by"),
    # the trail's lines
    "trail.from_risk": ("原风险等级", "Previous risk"),
    "trail.by_center": ("督办单位", "Supervised by"),
    "trail.reviewed_on": ("原定复核日期", "Review date due"),
    # the case's summary
    "case.plan_review_on": ("一案一策复核日期", "Plan review date"),
    "case.plan_review_late": ("（已逾期）", " (overdue)"),
    "case.supervise": ("上级督办", "Supervision by a higher center"),
    "case.supervise_text": ("{by} 于 {at} 督办：{note}", "{by} on {at}: {note}"),
    "case.supervise_due": ("（期限 {due}）", " (answer by {due})"),
    # alerts
    "alert.plan_review_overdue": ("一案一策复核逾期", "Plan review overdue"),
    "alert_text.plan_review_overdue": ("{number} · 复核日期 {review_on} · 包保领导 {leader}",
                                       "{number} · review date {review_on} · leader {leader}"),
    "alert_text.supervision.supervise": ("{number} 已被上级督办", "{number} supervised from above"),
    # the inbox
    "desk.supervised_by": ("{by}督办", "Supervised by {by}"),
    "desk.supervise_note": ("督办意见：{note}", "Supervision: {note}"),
    "desk.supervise_due": ("督办期限 {due}", "Answer by {due}"),
    "export.inbox.supervise": ("督办", "Supervision"),
    "export.inbox.order": ("派单", "Order"),
    "export.inbox.sign_deadline": ("签收时限", "Sign by"),
    "export.inbox.supervision": ("催办/通报", "Urged / notified"),
    # refusals
    "refusal.same_grade": ("风险等级未改变，请选择另一个等级", "The risk grade is unchanged: choose another grade"),
    "refusal.reason_length": ("请填写调整原因（2 至 500 字）", "Give a reason of 2 to 500 characters"),
    "refusal.date_passed": ("{field}不能早于今天", "{field} cannot be before today"),
    "refusal.date_format": ("{field}不是有效日期", "{field} is not a valid date"),
    "refusal.review_needs_plan": ("设定复核日期前请先填写一案一策", "A review date needs a plan first"),
    "refusal.no_plan": ("该事件尚无一案一策，请先指定包保领导和方案", "The case has no plan yet: assign a leader and plan first"),
    "refusal.not_from_above": ("督办须由上级中心对下级办理的事件发起", "Supervision is issued by a higher center on a case held below it"),
}
