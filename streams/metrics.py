"""Prometheus text exposition of the hub's measurements (format version 0.0.4)."""

from __future__ import annotations

import time

from streams.types import STATUSES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# name, type, help
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("zongzhi_camera_status", "gauge", "1 for the camera's current status, 0 for the others"),
    ("zongzhi_camera_fps_in", "gauge", "Frames per second received"),
    ("zongzhi_camera_fps_out", "gauge", "JPEG frames per second encoded for viewers"),
    ("zongzhi_camera_frames_total", "counter", "Frames received"),
    ("zongzhi_camera_skipped_frames_total", "counter", "Frames viewers skipped (slow viewers)"),
    ("zongzhi_camera_reconnects_total", "counter", "Reconnects of the stream"),
    ("zongzhi_camera_stalls_last_hour", "gauge", "Stalls in the last hour"),
    ("zongzhi_camera_viewers", "gauge", "Viewers (MJPEG and WebRTC) of the stream"),
    ("zongzhi_camera_encode_seconds_total", "counter", "Seconds spent encoding JPEG"),
    ("zongzhi_camera_encoded_frames_total", "counter", "JPEG pictures encoded"),
    ("zongzhi_camera_last_frame_age_seconds", "gauge", "Seconds since the last frame"),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def render(hub: object, cameras: set[str] | None = None) -> str:
    """The metrics page for ``hub`` (a :class:`streams.hub.StreamHub`); only ``cameras`` when
    given (the caller's subtree)."""
    from streams.hub import StreamHub  # typed import without a cycle at module load

    assert isinstance(hub, StreamHub)
    now = time.monotonic()
    samples: dict[str, list[str]] = {name: [] for name, _, _ in _FAMILIES}
    health = {h.camera_id: h for h in hub.health()}
    for camera_id in hub.camera_ids():
        if cameras is not None and camera_id not in cameras:
            continue
        cam = hub.camera(camera_id)
        h = health.get(camera_id)
        if h is None:
            continue
        for st in STATUSES:
            samples["zongzhi_camera_status"].append(
                f"zongzhi_camera_status{_labels(camera=camera_id, center=h.center, status=st)} "
                f"{int(h.status == st)}"
            )
        for role, stream in (("sub", cam.sub), ("main", cam.main)):
            if stream is None:
                continue
            lab = _labels(camera=camera_id, center=h.center, stream=role)
            fps_in, fps_out = stream.meter.rates(now)
            stalls, _ = stream.meter.hourly(now)
            age = -1.0 if stream.meter.last_frame_at is None else now - stream.meter.last_frame_at
            values = {
                "zongzhi_camera_fps_in": fps_in,
                "zongzhi_camera_fps_out": fps_out,
                "zongzhi_camera_frames_total": stream.meter.frames_in,
                "zongzhi_camera_skipped_frames_total": stream.meter.skipped_total,
                "zongzhi_camera_reconnects_total": stream.meter.reconnects_total,
                "zongzhi_camera_stalls_last_hour": stalls,
                "zongzhi_camera_viewers": stream.viewers,
                "zongzhi_camera_encode_seconds_total": stream.meter.encode_seconds,
                "zongzhi_camera_encoded_frames_total": stream.meter.frames_encoded,
                "zongzhi_camera_last_frame_age_seconds": age,
            }
            for name, value in values.items():
                samples[name].append(f"{name}{lab} {float(value):.6g}")
    lines: list[str] = []
    for name, kind, help_text in _FAMILIES:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples[name]]
    return "\n".join(lines) + "\n"
