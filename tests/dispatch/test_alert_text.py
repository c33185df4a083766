"""Alerts read in the viewer's language: raised by the real flows, worded from kind + params."""

from __future__ import annotations

import re
from datetime import timedelta

from dashboard.alerts.text import alert_text
from dispatch.alerts import list_alerts, raise_camera_alert, record_camera_status
from dispatch.clock import SlaClock
from dispatch.events import InProcessBus
from dispatch.models import Alert, Case
from tests.dispatch.factories import (
    ADMIN,
    LEADER,
    OPERATOR,
    PREFECTURE,
    T0,
    Db,
    act,
    new_case,
    walk_to_handling,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b(case|due|camera|escalated|urged|notified|picture|zone)\b", re.I)


def texts(db: Db) -> dict[str, tuple[str, str, Alert]]:
    with db.begin() as s:
        alerts = list_alerts(s, ADMIN, PREFECTURE, open_only=False, limit=500)
        s.expunge_all()
    return {a.kind: (alert_text(a.kind, a.params, a.message, "zh-CN"),
                     alert_text(a.kind, a.params, a.message, "en"), a) for a in alerts}


def test_every_kind_reads_in_one_language(db: Db) -> None:
    case_id, _ = walk_to_handling(db)
    with db.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.due_at is not None
        number, due = case.number, case.due_at
    clock = SlaClock(db.factory, InProcessBus(), db.sla)
    clock.run_once(due - timedelta(hours=3))  # near its deadline
    clock.run_once(due + timedelta(minutes=1))  # overdue, and urged by the default rule
    act(db, LEADER, case_id, "notify", reason="逾期未办结")
    high = new_case(db, OPERATOR, risk="high", title="Crowd at the gate")
    act(db, OPERATOR, high.id, "escalate", reason="需县级协调")
    with db.begin() as s:
        record_camera_status(s, "cam-jiangna-1", "online", T0)
        record_camera_status(s, "cam-jiangna-1", "offline", T0 + timedelta(minutes=1))
        raise_camera_alert(s, "cam-jiangna-1", "tampered", detail="motion:gate", at=T0)

    got = texts(db)
    assert set(got) >= {"case_near_deadline", "case_overdue", "supervision", "high_risk_case",
                        "escalation", "camera_offline", "camera_tampered"}
    for kind, (zh, en, alert) in got.items():
        assert alert.params, f"{kind}: raised without parameters"
        assert zh != alert.message and en != alert.message, f"{kind}: fell back to the record"
        assert not ENGLISH_WORDS.search(zh), f"{kind}: English in the Chinese text {zh!r}"
        # English text may quote Chinese data (names, titles), never Chinese wording.
        for value in (str(v) for v in alert.params.values()):
            en = en.replace(value, "")
        assert not CJK.search(en), f"{kind}: Chinese in the English text"
    local_due = (due + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # Asia/Shanghai
    assert got["case_overdue"][0] == f"{number} · 期限 {local_due}"
    assert got["case_overdue"][1] == f"{number} · due {local_due}"
    assert got["high_risk_case"][1].endswith(": Crowd at the gate")
    assert "布防区域内有移动：gate" in got["camera_tampered"][0]
    assert got["camera_tampered"][1].endswith("motion in zone gate")
    assert got["supervision"][0].endswith(("已被催办", "已被通报"))


def test_alerts_without_parameters_keep_their_record() -> None:
    old = "临近期限 case near its deadline: 2026-0001"
    assert alert_text("case_near_deadline", None, old, "en") == old
    # Parameters this version cannot word (a future action, a broken time) fall back too.
    assert alert_text("supervision", {"number": "N1", "action": "later"}, old, "zh-CN") == old
    assert alert_text("case_overdue", {"number": "N1", "due": "not a time"}, old, "en") == old
    assert alert_text("camera_tampered", {"camera": "北门", "camera_id": "c1", "detail": "odd"},
                      old, "en") == "北门 (c1): odd"
