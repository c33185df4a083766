"""An alert's text in the viewer's language, from its kind and parameters.

The dispatch side stores what an alert is about (``Alert.params``: case number, due time,
camera, tamper condition …) next to a plain ``message`` record. Pages word the alert here, so
a Chinese wall reads Chinese and an English one English. Alerts without parameters (raised
before migration 0006) and parameters this version cannot word fall back to the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.i18n import tr
from dashboard.i18n.table import TABLE
from dispatch.sla import TZ
from dispatch.types import AlertKind


def alert_text(kind: str, params: dict[str, Any] | None, message: str, lang: str) -> str:
    if not params:
        return message
    try:
        values = dict(params)
        if kind in (AlertKind.CASE_OVERDUE.value, AlertKind.CASE_NEAR_DEADLINE.value):
            due = datetime.fromisoformat(values["due"])
            values["due"] = due.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        if kind == AlertKind.ORDER_UNSIGNED.value:  # 签收时限 (dispatch.order_alerts)
            deadline = datetime.fromisoformat(values["deadline"])
            values["deadline"] = deadline.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        key = f"alert_text.{kind}"
        if kind == AlertKind.SUPERVISION.value:
            key = f"alert_text.supervision.{values['action']}"
        elif kind == AlertKind.CAMERA_TAMPERED.value:
            if not values.get("detail"):
                key = f"alert_text.{AlertKind.CAMERA_OFFLINE.value}"  # name and id only
            values["condition"] = tamper_condition(values.get("detail", ""), lang)
        if key not in TABLE:
            return message
        return tr(key, lang, **values)
    except (KeyError, ValueError, TypeError):
        return message


def tamper_condition(detail: str, lang: str) -> str:
    """``black``, ``frozen``, ``blur`` or ``motion:<zone>`` in words."""
    name, _, zone = detail.partition(":")
    key = f"tamper.{name}"
    if key not in TABLE:
        return detail
    return tr(key, lang, zone=zone) if name == "motion" else tr(key, lang)


__all__ = ["alert_text", "tamper_condition"]
