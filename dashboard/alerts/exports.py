"""The alert center's list as a sheet: one row per camera or case (a group, as on screen, in
the same order), every page of the current filter, as of the click."""

from __future__ import annotations

from dashboard.alerts.card import Names, read_names
from dashboard.alerts.groups import AlertGroup, group_alerts
from dashboard.alerts.text import alert_text
from dashboard.i18n import label, tr
from dashboard.server.services import services
from dashboard.shared.export import columns
from dispatch.alerts import AlertFilter, find_alerts
from dispatch.principal import Principal
from dispatch.sheets import Sheet

#: As many alerts as the page reads for its list.
LIMIT = 1000


def alerts_sheet(viewer: Principal, scope_path: str, flt: AlertFilter, lang: str) -> Sheet:
    with services().session_factory() as session:
        alerts = find_alerts(session, viewer, scope_path, flt, limit=LIMIT)
        groups = group_alerts(alerts)
        names = read_names(session, alerts)
    cols = columns(
        lang, ("alerts.severity", "text"), ("alerts.kind", "text"), ("export.count", "int"),
        ("alerts.center", "text"), ("alerts.raised", "datetime"), ("alerts.message", "text"),
        ("field.camera", "text"), ("export.case", "text"), ("export.acked", "text"),
        ("export.acked_by", "text"), ("export.acked_at", "datetime"), ("export.note", "text"),
        ("export.cleared_at", "datetime"),
    )
    return Sheet(tr("export.name.alerts", lang), cols, [_row(g, names, lang) for g in groups])


def _row(group: AlertGroup, names: Names, lang: str) -> tuple[object, ...]:
    alert = group.lead
    acked = next((a for a in group.alerts if a.acked_at is not None), None)
    return (
        label("severity", alert.severity, lang), label("alert", alert.kind, lang), int(group.count),
        names.centers.get(alert.center_path, alert.center_path), alert.raised_at,
        alert_text(alert.kind, alert.params, alert.message, lang),
        names.cameras.get(alert.camera_id, alert.camera_id) if alert.camera_id else None,
        names.cases.get(alert.case_id) if alert.case_id else None,
        tr("alerts.filter.acked.no" if group.unacked else "alerts.filter.acked.yes", lang),
        names.person(acked.acked_by) if acked else None, acked.acked_at if acked else None,
        acked.ack_note if acked else None, alert.cleared_at,
    )


__all__ = ["alerts_sheet"]
