"""The hub's recorders: which cameras record, onto which folder, and what triggers them.

::

    recorder = Recorder(hub, policy, on_segment=index.add)
    recorder.start()        # recovers leftovers of a previous run, then attaches to cameras
    recorder.trigger("cam-1")                 # an alert: record from the pre-event buffer
    recorder.hold("cam-1", "case:12"); recorder.release("cam-1", "case:12")
    recorder.stop()         # every open segment closed cleanly

Cameras record their main stream (the sub-stream when they have no main one), by copying its
packets; cameras that give pictures only (WHIP publishers, simulated cameras) are encoded
first (:mod:`streams.record.encode`) and their segments marked ``transcoded``. Cameras added to
the hub later (a phone publishing by WHIP creates one) are attached within ``SYNC_SECONDS``,
and detached when removed. The hub's
detections (tamper, motion, any analysis event) trigger event recordings by themselves
(``triggers``: motion for ``motion:<zone>``, alerts for the rest); alerts and cases of the
dispatch side come through :meth:`trigger` and :meth:`hold`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from config.recording import RecordingPolicy
from streams.hub import StreamHub, UnknownCamera
from streams.record.camera import CameraRecorder, SegmentCallback
from streams.record.encode import EncodingHook, needs_encoding
from streams.record.segment import PART, SegmentInfo, probe, recover_partial
from streams.stream import Stream
from streams.types import CameraEvent

log = logging.getLogger("streams.record")
#: How often cameras added to or removed from the hub are attached or detached.
SYNC_SECONDS = 1.0


@dataclass
class Attached:
    """One recording camera: its recorder, the stream it hooks and how (copy or encode)."""

    recorder: CameraRecorder
    stream: Stream
    key: int
    encoder: EncodingHook | None = None

    def detach(self) -> None:
        self.stream.remove_packet_hook(self.key)
        if self.encoder is not None:
            self.encoder.close()
        else:
            self.recorder.close()


class Recorder:
    def __init__(self, hub: StreamHub, policy: RecordingPolicy, on_segment: SegmentCallback) -> None:
        self.hub, self.policy = hub, policy
        self._on_segment = on_segment
        self._lock = threading.Lock()
        self._cameras: dict[str, Attached] = {}
        self._stop = threading.Event()
        self._sync: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------
    def start(self, recover: bool = True) -> list[SegmentInfo]:
        """Recover what a previous run left unfinished (unless done already), then attach to
        every recording camera. Returns the segments recovered (passed to ``on_segment``)."""
        recovered = self.recover() if recover else []
        for camera_id in self.hub.camera_ids():
            self.attach(camera_id)
        self.hub.subscribe(self._on_event)
        self._stop.clear()
        self._sync = threading.Thread(target=self._follow_hub, name="recorder:sync", daemon=True)
        self._sync.start()
        return recovered

    def stop(self) -> None:
        self._stop.set()
        if self._sync is not None:
            self._sync.join(5)
            self._sync = None
        self.hub.unsubscribe(self._on_event)
        with self._lock:
            attached = list(self._cameras.values())
            self._cameras.clear()
        for got in attached:
            got.detach()

    def _follow_hub(self) -> None:
        while not self._stop.wait(SYNC_SECONDS):
            try:
                self.sync()
            except Exception:
                log.exception("following the hub's cameras failed")

    def sync(self) -> None:
        """Attach cameras the hub gained, detach those it lost or replaced."""
        current = set(self.hub.camera_ids())
        with self._lock:
            known = dict(self._cameras)
        for camera_id, got in known.items():
            try:
                same = camera_id in current and self.hub.camera(camera_id).stream("main") is got.stream
            except UnknownCamera:
                same = False
            if not same:
                with self._lock:
                    if self._cameras.get(camera_id) is got:
                        del self._cameras[camera_id]
                got.detach()
        for camera_id in current - set(self._cameras):
            try:
                self.attach(camera_id)
            except UnknownCamera:
                pass  # removed meanwhile

    def recover(self) -> list[SegmentInfo]:
        out: list[SegmentInfo] = []
        for root in {entry.path for entry in self.policy.storage}:
            for part in sorted(root.glob(f"*/*/*.mp4{PART}")):
                camera_id = part.parent.parent.name
                info = recover_partial(part, camera_id)
                log.info("%s: unfinished segment %s %s", camera_id, part.name,
                         "recovered" if info else "discarded (nothing readable)")
                if info is not None:
                    out.append(info)
                    self._on_segment(info)
        return out

    def recover_camera(self, camera_id: str, quiet_seconds: float = 1.0) -> list[SegmentInfo]:
        """Repair the unfinished segments of one camera only (a stream worker taking the camera
        over from a dead owner). A ``.part`` written to within ``quiet_seconds`` is left alone:
        some process is still writing it."""
        out: list[SegmentInfo] = []
        now = time.time()
        for root in {entry.path for entry in self.policy.storage}:
            for part in sorted((root / camera_id).glob(f"*/*.mp4{PART}")):
                try:
                    if now - part.stat().st_mtime < quiet_seconds:
                        continue
                except FileNotFoundError:
                    continue
                info = recover_partial(part, camera_id)
                log.info("%s: unfinished segment %s %s", camera_id, part.name,
                         "recovered" if info else "discarded (nothing readable)")
                if info is not None:
                    out.append(info)
                    self._on_segment(info)
        return out

    def detach(self, camera_id: str) -> None:
        """Stop recording ``camera_id`` now (its open segment is closed and reported)."""
        with self._lock:
            got = self._cameras.pop(camera_id, None)
        if got is not None:
            got.detach()

    def attach(self, camera_id: str) -> CameraRecorder | None:
        """Start recording ``camera_id`` by its mode (nothing when off)."""
        mode = self.policy.mode_of(camera_id)
        storage = self.policy.storage_of(camera_id)
        if mode == "off" or storage is None:
            return None
        with self._lock:
            if camera_id in self._cameras:
                return self._cameras[camera_id].recorder
            cam = self.hub.camera(camera_id)
            cfg = cam.config
            url = cfg.main_url if cam.main is not None and cfg.main_url else cfg.sub_url
            encode = needs_encoding(url)
            rec = CameraRecorder(
                camera_id, mode, storage.path, segment_seconds=self.policy.segment_seconds,
                # Continuous recording needs only the current GOP to start a segment.
                pre_seconds=0.0 if mode == "continuous" else self.policy.pre_event_seconds,
                post_seconds=self.policy.post_event_seconds, on_segment=self._on_segment,
                transcoded=encode,
            )
            stream = self.hub.open_stream(camera_id, "main")
            if encode:  # pictures only: the hook needs them decoded (drawn) to encode them
                encoder = EncodingHook(rec, cfg.fps or stream.expected_fps())
                got = Attached(rec, stream, stream.add_packet_hook(encoder, frames=True), encoder)
            else:
                got = Attached(rec, stream, stream.add_packet_hook(rec, frames=False))
            self._cameras[camera_id] = got
        log.info("%s: recording %s to %s%s", camera_id, mode, storage.path,
                 " (encoding its pictures)" if encode else "")
        return rec

    # events --------------------------------------------------------------------------
    def camera(self, camera_id: str) -> CameraRecorder | None:
        got = self._cameras.get(camera_id)
        return got.recorder if got else None

    def trigger(self, camera_id: str, at: float | None = None) -> bool:
        """An alert on ``camera_id``: whether a recorder took it."""
        rec = self.camera(camera_id)
        if rec is None:
            return False
        rec.trigger(at)
        return True

    def hold(self, camera_id: str, key: str) -> None:
        rec = self.camera(camera_id)
        if rec is not None:
            rec.hold(key)

    def release(self, camera_id: str, key: str) -> None:
        rec = self.camera(camera_id)
        if rec is not None:
            rec.release(key)

    def _on_event(self, event: CameraEvent) -> None:
        if event.kind == "status":  # an offline camera sends nothing to record
            return
        kind = "motion" if event.detail.startswith("motion") else "alerts"
        if kind in self.policy.triggers:
            self.trigger(event.camera_id, event.at.timestamp() if event.at else None)

    # disk ----------------------------------------------------------------------------
    def on_disk(self, root: Path) -> list[SegmentInfo]:
        """Every finished segment under ``root`` (for rebuilding the index)."""
        out = []
        for path in sorted(root.glob("*/*/*.mp4")):
            info = probe(path, path.parent.parent.name)
            if info is not None:
                out.append(info)
        return out

    def streams(self) -> dict[str, Stream]:
        return {cid: got.stream for cid, got in self._cameras.items()}


__all__ = ["Recorder", "UnknownCamera"]
