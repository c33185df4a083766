"""Interface strings of the case rules (intake channels, 退单, 协办, grids): key → (zh-CN, English). Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "admin.token_channels": (
        "可报送事件的受理渠道（授予“上报”时必选）",
        "Intake channels it may report on (needed with “report”)",
    ),
    "refusal.channel": (
        "您的账号不能在此受理渠道登记案件，请选择可用的渠道",
        "Your account may not register cases on this intake channel; choose one you are granted",
    ),
    "refusal.resend_conflict": (
        "该渠道的这个外部编号已登记过内容不同的事件；重复推送须与原报告一致，新事件请使用新编号",
        "This channel's external id was already registered with different content; a resend must "
        "repeat the report unchanged, a new report needs a new external id",
    ),
    "refusal.reported_at": (
        "事发时间不可用：只有自带时钟的系统渠道可以填写，且不能晚于现在、过早须说明原因",
        "The reported time cannot be used: only channels with their own clock may give it, never "
        "later than now, and an old one needs a reason",
    ),
}
