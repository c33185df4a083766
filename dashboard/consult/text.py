"""Visible strings of the session page, zh-CN first (to be merged into dashboard/i18n_table)."""

from __future__ import annotations

from dashboard.i18n import current_lang

TEXT: dict[str, tuple[str, str]] = {
    "title": ("视频会商", "Video session"),
    "case_id": ("事件编号（ID）", "Case id"),
    "start": ("开始会商", "Start session"),
    "invite_chain": ("按链路邀请（村、乡、部门、包保领导、网格员）", "Invite along the chain"),
    "attach_n": ("自动接入附近摄像机数", "Attach nearest cameras"),
    "no_session": ("请选择事件并开始会商。", "Choose a case and start a session."),
    "not_found": ("会商不存在或无权查看。", "No such session, or not yours to see."),
    "ended": ("会商已结束。", "This session has ended."),
    "case": ("事件", "Case"),
    "state": ("状态", "State"),
    "due": ("期限", "Deadline"),
    "overdue": ("已超期", "Overdue"),
    "people": ("参会人员", "Participants"),
    "cameras": ("摄像机", "Cameras"),
    "attach": ("接入", "Attach"),
    "detach": ("移除", "Detach"),
    "proposed": ("建议接入（由近及远）", "Proposed (nearest first)"),
    "links": ("邀请链接（仅显示一次）", "Join links (shown once)"),
    "invite": ("邀请", "Invite"),
    "name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "arrival": ("记录到场（三必到）", "Record on-site arrival"),
    "evidence": ("取证截图", "Evidence snapshot"),
    "feed": ("画面", "Feed"),
    "note": ("会商记录", "Note"),
    "add_note": ("添加记录", "Add note"),
    "actions": ("处置", "Actions"),
    "do": ("执行", "Do it"),
    "reason": ("理由", "Reason"),
    "lead": ("主办部门或下级中心代码", "Lead department or lower center code"),
    "timeline": ("时间线", "Timeline"),
    "end": ("结束会商", "End session"),
    "conclusion": ("会商结论", "Conclusion"),
    "summary": ("会商纪要", "Summary"),
    "done": ("已完成", "Done"),
    "open_join": ("在新窗口打开本人入会页", "Open my join page"),
}


def tx(key: str) -> str:
    zh, en = TEXT[key]
    return zh if current_lang().startswith("zh") else en
