"""The ``/metrics`` page through the standard client library (``prometheus_client``).

Per scrape, :func:`render` collects:

- the hub's cameras (:class:`HubCollector`): status, frame rates, counters of frames, skipped
  frames, stalls and reconnects, viewers, JPEG encodes, last-frame age (absent before a first
  frame, never a ``-1``), decoded pictures;
- WebRTC sessions of the gateway (WHIP publishers, WHEP viewers) per camera;
- :data:`REGISTRY`, the process-wide metrics: the library's process and platform collectors
  and gauges other parts of the product set, e.g. the recorder's
  :data:`RECORDING_DISK_BYTES` and :data:`RECORDING_SEGMENTS_BEHIND`;
- collectors the product adds per request (open alerts of the caller's scope).

Samples labelled with a camera are given only for the cameras the caller may see.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Gauge, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector

from streams.types import STATUSES

if TYPE_CHECKING:
    from streams.hub import StreamHub
    from streams.webrtc.gateway import WebRtcGateway

#: The text format every Prometheus server reads (the library's default is version 1.0.0).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

#: Process-wide metrics, exposed on every scrape (camera-labelled samples filtered).
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

#: Set by the recorder: bytes its segments take on each storage path.
RECORDING_DISK_BYTES = Gauge(
    "zongzhi_recording_disk_used_bytes", "Bytes of recorded segments on a storage path",
    ["path"], registry=REGISTRY,
)
#: Set by the recorder: segments of a camera written but not yet closed and indexed.
RECORDING_SEGMENTS_BEHIND = Gauge(
    "zongzhi_recording_segments_behind", "Recorded segments not yet closed and indexed",
    ["camera"], registry=REGISTRY,
)


class HubCollector(Collector):
    """The hub's cameras and WebRTC sessions, read at scrape time."""

    def __init__(self, hub: StreamHub, cameras: set[str] | None,
                 gateway: WebRtcGateway | None = None) -> None:
        self.hub, self.cameras, self.gateway = hub, cameras, gateway

    def collect(self) -> Iterator[Metric]:
        now = time.monotonic()
        cam_labels = ["camera", "center"]
        stream_labels = [*cam_labels, "stream"]
        g = lambda name, doc, labels=stream_labels: GaugeMetricFamily(name, doc, labels=labels)  # noqa: E731
        c = lambda name, doc: CounterMetricFamily(name, doc, labels=stream_labels)  # noqa: E731
        status = g("zongzhi_camera_status", "1 for the camera's current status, 0 for the others",
                   [*cam_labels, "status"])
        fps_in = g("zongzhi_camera_fps_in", "Frames per second received")
        fps_out = g("zongzhi_camera_fps_out", "JPEG frames per second encoded for viewers")
        viewers = g("zongzhi_camera_viewers", "Viewers (MJPEG and WebRTC) of the stream")
        age = g("zongzhi_camera_last_frame_age_seconds",
                "Seconds since the last frame (absent before the first)")
        frames = c("zongzhi_camera_frames", "Frames (packets) received")
        decoded = c("zongzhi_camera_decoded_frames", "Pictures decoded (all of them only while "
                    "pictures are wanted; else keyframes for tamper checks)")
        skipped = c("zongzhi_camera_skipped_frames", "Frames viewers skipped (slow viewers)")
        reconnects = c("zongzhi_camera_reconnects", "Reconnects of the stream")
        stalls = c("zongzhi_camera_stalls", "Stalls: no frame for the stall threshold")
        encode_s = c("zongzhi_camera_encode_seconds", "Seconds spent encoding JPEG")
        encoded = c("zongzhi_camera_encoded_frames", "JPEG pictures encoded")
        health = {h.camera_id: h for h in self.hub.health()}
        for camera_id in self.hub.camera_ids():
            h = health.get(camera_id)
            if h is None or (self.cameras is not None and camera_id not in self.cameras):
                continue
            for st in STATUSES:
                status.add_metric([camera_id, h.center, st], float(h.status == st))
            cam = self.hub.camera(camera_id)
            for role, stream in (("sub", cam.sub), ("main", cam.main)):
                if stream is None:
                    continue
                labels = [camera_id, h.center, role]
                meter = stream.meter
                rate_in, rate_out = meter.rates(now)
                fps_in.add_metric(labels, rate_in)
                fps_out.add_metric(labels, rate_out)
                viewers.add_metric(labels, stream.viewers)
                if meter.last_frame_at is not None:
                    age.add_metric(labels, now - meter.last_frame_at)
                frames.add_metric(labels, meter.frames_in)
                decoded.add_metric(labels, stream.decoded_frames)
                skipped.add_metric(labels, meter.skipped_total)
                reconnects.add_metric(labels, meter.reconnects_total)
                stalls.add_metric(labels, meter.stalls_total)
                encode_s.add_metric(labels, meter.encode_seconds)
                encoded.add_metric(labels, meter.frames_encoded)
        yield from (status, fps_in, fps_out, viewers, age, frames, decoded, skipped, reconnects,
                    stalls, encode_s, encoded)
        if self.gateway is not None:
            yield self._sessions()

    def _sessions(self) -> Metric:
        assert self.gateway is not None
        family = GaugeMetricFamily("zongzhi_webrtc_sessions",
                                   "WebRTC sessions: WHIP publishers and WHEP viewers",
                                   labels=["camera", "kind"])
        counts: dict[tuple[str, str], int] = {}
        for session in list(self.gateway.sessions.values()):
            if self.cameras is None or session.camera_id in self.cameras:
                key = (session.camera_id, session.kind)
                counts[key] = counts.get(key, 0) + 1
        for (camera_id, kind), n in sorted(counts.items()):
            family.add_metric([camera_id, kind], n)
        return family


class _Visible(Collector):
    """A registry's metrics without the samples of cameras the caller may not see."""

    def __init__(self, registry: CollectorRegistry, cameras: set[str] | None) -> None:
        self.registry, self.cameras = registry, cameras

    def collect(self) -> Iterator[Metric]:
        for metric in self.registry.collect():
            if self.cameras is not None:
                metric.samples = [s for s in metric.samples
                                  if s.labels.get("camera", None) in (None, *self.cameras)]
            yield metric


class _Together(Collector):
    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def render(hub: StreamHub, cameras: set[str] | None = None,
           gateway: WebRtcGateway | None = None, extra: Iterable[Collector] = ()) -> bytes:
    """The metrics page for ``hub``; only ``cameras`` when given (the caller's subtree)."""
    return generate_latest(_Together([HubCollector(hub, cameras, gateway),
                                      _Visible(REGISTRY, cameras), *extra]))
