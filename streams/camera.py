"""One camera of the hub: its streams, its status as last published, and its health now."""

from __future__ import annotations

from dataclasses import dataclass

from config.cameras import CameraConfig
from config.streams import StreamSettings
from streams.redact import display_url
from streams.stream import Stream
from streams.tamper import TamperDetector
from streams.types import CameraHealth, Status, StreamRole
from streams.watchdog import Measure, grade


@dataclass
class Camera:
    config: CameraConfig
    sub: Stream
    main: Stream | None  # None: the main stream is the sub-stream
    status: Status | None = None  # as last published; None: nothing published yet
    stalled: bool = True
    tamper: TamperDetector | None = None
    watched_since: float | None = None  # monotonic; when the watchdog began to judge it
    back_since: float | None = None  # offline, delivering pictures again since then

    def stream(self, role: StreamRole) -> Stream:
        return self.main if role == "main" and self.main is not None else self.sub

    @property
    def idle(self) -> bool:
        """A WHIP camera without a publisher: idle, neither failing nor judged."""
        inbox = self.sub.inbox
        return inbox is not None and inbox.publishers == 0


def measure(stream: Stream, now: float) -> Measure:
    """What the watchdog's rules read of ``stream`` at ``now`` (monotonic)."""
    fps_in, _ = stream.meter.rates(now)
    stalls, reconnects = stream.meter.hourly(now)
    age = None if stream.meter.last_frame_at is None else now - stream.meter.last_frame_at
    return Measure(stream.connected, age, fps_in, stream.expected_fps(), stalls, reconnects)


def camera_health(cam: Camera, m: Measure, st: Status, settings: StreamSettings,
                  now: float) -> CameraHealth:
    _, fps_out = cam.sub.meter.rates(now)
    return CameraHealth(
        camera_id=cam.config.id, center=cam.config.center, name=cam.config.name,
        status=st, grade=grade(m, settings.stall_min_seconds),
        fps_in=round(m.fps_in, 2), fps_out=round(fps_out, 2), expected_fps=m.expected_fps,
        last_frame_age=None if m.last_frame_age is None else round(m.last_frame_age, 3),
        stalls_last_hour=m.stalls_last_hour, reconnects_last_hour=m.reconnects_last_hour,
        viewers=cam.sub.viewers + (cam.main.viewers if cam.main else 0),
        main_open=bool(cam.main and cam.main.running),
        source=display_url(cam.config.sub_url), error=cam.sub.error,
    )
