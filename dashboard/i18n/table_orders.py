"""Interface strings of work orders (退单 arbitration, 签收 limits, 协办 feedback): key → (zh-CN, English). Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # workflow actions
    "action.approve_return": ("同意退单", "Approve return"),
    "action.reject_return": ("驳回退单", "Reject return"),
    "action.feedback": ("协办反馈", "Assist feedback"),
    # order states
    "order_state.return_asked": ("退单待审核", "Return awaiting decision"),
    "order_state.unreported": ("未反馈", "Never reported"),
    # form fields
    "field.feedback": ("协办情况", "What the assisting unit did"),
    # the signing limit's alert
    "alert.order_unsigned": ("派单超时未签收", "Order not signed in time"),
    "alert_text.order_unsigned": ("{number} · {target} 未在 {deadline} 前签收",
                                  "{number} · {target} not signed by {deadline}"),
    # the inbox
    "desk.tab.return_review": ("退单待审核", "Returns to decide"),
    "desk.return_reason": ("退单原因：{reason}", "Return reason: {reason}"),
    "desk.return_rejected": ("退单被驳回：{note}", "Return rejected: {note}"),
    # the case page's orders and the lead's resolution
    "order.decision": ("退单审核", "Return decision"),
    "order.decision.approved": ("同意退单（{at}）", "Approved ({at})"),
    "order.decision.rejected": ("驳回退单（{at}）：{note}", "Rejected ({at}): {note}"),
    "order.feedback": ("协办反馈", "Assist feedback"),
    "order.feedback_text": ("{at}：{text}", "{at}: {text}"),
    "order.feedback_late": ("（超期反馈）", " (after the deadline)"),
    "order.no_feedback": ("未反馈", "Never reported"),
    "trail.assists": ("协办反馈：", "Assists' feedback:"),
    "trail.assist_reported": ("{target}：{text}", "{target}: {text}"),
    "trail.assist_unreported": ("{target}：未反馈", "{target}: never reported"),
    "trail.assist_photos": ("（照片 {n} 张）", " ({n} photos)"),
    # KPIs
    "kpi.return_rate": ("退单率", "Return rate"),
}
