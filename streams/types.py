"""Values the stream side hands to the rest of the product: events and health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

StreamRole = Literal["sub", "main"]
Status = Literal["online", "degraded", "offline"]
Grade = Literal["excellent", "fair", "poor", "unusable"]
EventKind = Literal["status", "tamper", "tamper_end", "gathering"]
TamperKind = Literal["black", "frozen", "blur", "motion"]

STATUSES: tuple[Status, ...] = ("online", "degraded", "offline")
GRADES: tuple[Grade, ...] = ("excellent", "fair", "poor", "unusable")
EVENT_KINDS: tuple[EventKind, ...] = ("status", "tamper", "tamper_end", "gathering")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CameraEvent:
    """Something the dispatch side may turn into an alert.

    ``kind='status'``: ``status`` is the new status, ``old_status`` the previous one.
    ``kind='tamper'``: ``detail`` names the condition (black, frozen, blur, motion:<zone>),
    ``status`` is the camera's status at the time, ``snapshot_jpeg`` the picture that showed it.
    ``kind='tamper_end'``: every reported condition is over (``detail``: those that ended).
    The first status event of a camera has ``old_status`` None.
    ``kind='gathering'``: ``detail`` is ``<zone>:<people counted>`` (:mod:`streams.gathering`),
    ``snapshot_jpeg`` the picture that showed the gathering.
    """

    camera_id: str
    center: str
    kind: EventKind
    status: Status
    old_status: Status | None = None
    detail: str = ""
    at: datetime = field(default_factory=utcnow)
    snapshot_jpeg: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


EventCallback = Callable[[CameraEvent], None]


@dataclass(frozen=True)
class CameraHealth:
    """One camera's health as the watchdog last computed it (sub-stream measurements)."""

    camera_id: str
    center: str
    name: str
    status: Status
    grade: Grade
    fps_in: float
    fps_out: float
    expected_fps: float | None
    last_frame_age: float | None
    stalls_last_hour: int
    reconnects_last_hour: int
    viewers: int
    main_open: bool
    source: str
    error: str | None
