"""Shared vocabulary of the dispatch domain: the enumerations stored in the database.

Values are stored as plain strings (portable across SQLite and PostgreSQL, readable in SQL);
these enums are the one place that lists them.
"""

from __future__ import annotations

from enum import StrEnum

# The deployment file (config) names these too; config sits below dispatch, so they live there.
from config.vocabulary import CaseKind as CaseKind
from config.vocabulary import Complexity as Complexity
from config.vocabulary import DepartmentMode as DepartmentMode
from config.vocabulary import Risk as Risk


class CaseState(StrEnum):
    REPORTED = "reported"  # 待受理
    ACCEPTED = "accepted"  # 已受理, 待派单
    REFUSED = "refused"  # 不予受理 (terminal)
    DISPATCHED = "dispatched"  # 已派单, 待签收
    SIGNED = "signed"  # 已签收
    HANDLING = "handling"  # 处置中
    RESOLVED = "resolved"  # 已办结, 待核查
    VERIFIED = "verified"  # 已核查, 待回访
    VISITED = "visited"  # 已回访, 待归档
    CLOSED = "closed"  # 已归档
    SUSPENDED = "suspended"  # 缓办 (SLA clock paused)
    MERGED = "merged"  # 已合并 into another case (terminal)


#: States in which a case is still owed a result (the SLA clock runs, except while suspended).
OPEN_STATES: frozenset[CaseState] = frozenset(
    {
        CaseState.REPORTED,
        CaseState.ACCEPTED,
        CaseState.DISPATCHED,
        CaseState.SIGNED,
        CaseState.HANDLING,
        CaseState.RESOLVED,
        CaseState.VERIFIED,
        CaseState.VISITED,
        CaseState.SUSPENDED,
    }
)
TERMINAL_STATES: frozenset[CaseState] = frozenset(
    {CaseState.CLOSED, CaseState.REFUSED, CaseState.MERGED}
)
#: States in which the SLA clock runs (open and not suspended).
TICKING_STATES: frozenset[CaseState] = OPEN_STATES - {CaseState.SUSPENDED}


class Channel(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员上报
    HOTLINE_12345 = "hotline_12345"  # 12345 热线
    POLICE_PUSH = "police_push"  # 警情推送
    CITIZEN_SNAPSHOT = "citizen_snapshot"  # 随手拍
    WALK_IN = "walk_in"  # 来访
    HANDED_DOWN = "handed_down"  # 上级交办
    CAMERA_ALERT = "camera_alert"  # 视频告警
    REFERRAL = "referral"  # 线索移送 (court / prosecutor)


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


SATISFIED_VALUES: frozenset[Satisfaction] = frozenset(
    {Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED}
)


class OrderRole(StrEnum):
    LEAD = "lead"  # 主办
    ASSIST = "assist"  # 协办


class OrderState(StrEnum):
    PENDING = "pending"  # 待签收
    SIGNED = "signed"  # 已签收
    RETURN_REQUESTED = "return_asked"  # 退单待审 (awaiting the dispatching center)
    RETURNED = "returned"  # 已退单 (return approved)
    DONE = "done"  # 已办结 (lead) / 已反馈 (assist reported its part)
    UNREPORTED = "unreported"  # 未反馈: an assist that never reported when the lead resolved
    CANCELLED = "cancelled"  # 已撤回 (case escalated, merged or re-dispatched)


class CameraStatus(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    TAMPERED = "tampered"


class AlertKind(StrEnum):
    CASE_OVERDUE = "case_overdue"
    CASE_NEAR_DEADLINE = "case_near_deadline"
    HIGH_RISK_CASE = "high_risk_case"
    ESCALATION = "escalation"
    SUPERVISION = "supervision"
    ORDER_UNSIGNED = "order_unsigned"  # an order not signed (签收) within the policy's limit
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_TAMPERED = "camera_tampered"
    CAMERA_GATHERING = "camera_gathering"  # 聚集: people gathered in a camera's zone
    PLAN_REVIEW_OVERDUE = "plan_review_overdue"  # 一案一策 not reviewed by its review date


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class PersonKind(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员
    STAFF = "staff"  # 中心工作人员
    LIAISON = "liaison"  # 部门联络员
    UNIT_HEAD = "unit_head"  # 联户长
