"""Who may do what outside the case workflow: streams, video sessions, reads.

Workflow actions (accept, dispatch, sign …) are allowed per role in the workflow declaration
of the dispatch core; this table covers the other route families. A principal narrowed by an
API token may only do the actions the token names, whatever its roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.principal import Principal, Role

STREAM_VIEW = "stream.view"  # MJPEG tiles, snapshots, WHEP
STREAM_PUBLISH = "stream.publish"  # WHIP
SESSION_JOIN = "session.join"  # video-linked dispatch sessions
READ = "read"  # list and read cases, KPIs, alerts of the scope
METRICS_READ = "metrics.read"  # Prometheus /metrics (camera names and health of the deployment)
ALERT_ACK = "ack"  # acknowledge duty alerts of the scope (值班确认)
PTZ = "ptz"  # pan, tilt, zoom and presets of a camera of the scope (云台控制)
BRIEFING_GENERATE = "briefing.generate"  # generate a 日小结 / 研判 on demand
BRIEFING_SIGN = "briefing.sign"  # add the conclusion and sign a briefing off (签发)

_PEOPLE = frozenset(Role) - {Role.SYSTEM}

#: action → roles that may take it (administrators may take every action).
ROLE_GRANTS: dict[str, frozenset[Role]] = {
    READ: _PEOPLE,
    STREAM_VIEW: _PEOPLE,
    STREAM_PUBLISH: frozenset({Role.GRID_WORKER, Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER}),
    SESSION_JOIN: _PEOPLE,
    METRICS_READ: frozenset({Role.ADMIN, Role.DUTY_OFFICER, Role.LEADER}),
    ALERT_ACK: frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER}),
    PTZ: frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER}),
    BRIEFING_GENERATE: frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER}),
    BRIEFING_SIGN: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
}

#: Creating a case is the workflow's one action without a prior state.
REPORT = "report"


def workflow_actions() -> frozenset[str]:
    """Action names of the case workflow declaration, creation (``report``) included."""
    from dispatch.workflow import BY_ACTION

    return frozenset(BY_ACTION) | {REPORT}


def known_action(name: str) -> bool:
    """True for names a token may be granted: this table's and the workflow's."""
    return name in ROLE_GRANTS or name in workflow_actions()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int = 200  # 403 when refused
    reason: str = ""


def may(principal: Principal, action: str) -> bool:
    """True when the principal's roles (or its token) allow ``action`` anywhere in its scope."""
    if principal.allowed_actions is not None:
        return action in principal.allowed_actions
    return principal.has(*ROLE_GRANTS.get(action, frozenset()))


def check(principal: Principal, action: str, center_path: str) -> Decision:
    """May ``principal`` take ``action`` on something owned by the center at ``center_path``?"""
    if not principal.sees(center_path):
        return Decision(False, 403, "outside_scope")
    if not may(principal, action):
        return Decision(False, 403, "action_not_allowed")
    return Decision(True)
