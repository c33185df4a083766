"""The duty policy (值班): how an unanswered critical alert climbs the center tree, and how long
a camera must deliver pictures before its offline alert clears.

Settings section ``[duty]`` (``ZONGZHI_DUTY__ESCALATE_MINUTES=…``); tests use fractions of a
minute so a whole chain runs in seconds.
"""

from __future__ import annotations

from pydantic import Field

from config.streams import StrictModel


class DutyPolicy(StrictModel):
    renotify_minutes: float = Field(
        5, gt=0, le=1440, title="Re-notify the center's duty officer when unacknowledged this long"
    )
    escalate_minutes: float = Field(
        10, gt=0, le=1440,
        title="Then notify the parent center's duty officer after this long, and so on upwards",
    )
    top_level: int = Field(1, ge=1, le=4, title="Never notify above this level")
    reopen_minutes: float = Field(
        30, gt=0, le=10080,
        title="An acknowledged critical alert whose condition persists re-opens after this long",
    )
    reopen_kinds: list[str] = Field(
        default_factory=lambda: ["camera_offline", "camera_tampered", "case_overdue"],
        title="Alert kinds that re-open (faults that persist; a high-risk case's alert does not)",
    )
    camera_recovery_seconds: float = Field(
        60, ge=0, le=3600,
        title="A camera-offline alert clears only after this long of steady pictures",
    )
    tick_seconds: float = Field(
        15, gt=0, le=600, title="Seconds between escalation passes of the server's periodic loop"
    )


__all__ = ["DutyPolicy"]
