"""One row per subject: the alerts about one camera or one case become a group with a count.

A camera that flaps is already one alert (its ``occurrences`` count); a camera that went
offline, then was tampered, or a case that is overdue and high-risk, shows as one row too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.models import Alert

SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}


def subject(alert: Alert) -> str:
    if alert.camera_id:
        return f"camera:{alert.camera_id}"
    if alert.case_id:
        return f"case:{alert.case_id}"
    return f"alert:{alert.id}"


@dataclass
class AlertGroup:
    key: str
    alerts: list[Alert] = field(default_factory=list)

    @property
    def unacked(self) -> list[Alert]:
        return [a for a in self.alerts if a.acked_at is None]

    @property
    def lead(self) -> Alert:
        """The alert the row shows: unacknowledged first, then the most severe, newest."""
        return min(self.alerts, key=_rank)

    @property
    def count(self) -> int:
        """How often something happened to this subject (recurrences of open alerts included)."""
        return sum(max(a.occurrences or 1, 1) for a in self.alerts)


def _rank(alert: Alert) -> tuple[bool, int, float]:
    return (alert.acked_at is not None, SEVERITY_RANK.get(alert.severity, 9),
            -alert.raised_at.timestamp())


def group_alerts(alerts: list[Alert]) -> list[AlertGroup]:
    """Groups in the order of their lead alerts (unacknowledged, severity, newest)."""
    groups: dict[str, AlertGroup] = {}
    for alert in alerts:
        groups.setdefault(subject(alert), AlertGroup(subject(alert))).alerts.append(alert)
    return sorted(groups.values(), key=lambda g: _rank(g.lead))


__all__ = ["AlertGroup", "group_alerts", "subject"]
