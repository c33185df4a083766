"""One segment file: a camera's encoded packets copied into fragmented MP4, never re-encoded.

A segment is written as ``<name>.mp4.part`` and renamed to ``<name>.mp4`` when closed, so a
finished name always means a finished file. Fragmented MP4 (``empty_moov``, a fragment per
keyframe) keeps everything up to the last whole fragment readable when the process dies;
:func:`recover_partial` turns such a leftover into a clean segment (or deletes it).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from streams.sources import MuxTemplate

log = logging.getLogger("streams.record")

#: Fragmented MP4: a browser and FFmpeg can read it while it grows and after a crash (each
#: fragment reaches the file when written: ``flush_packets``, not the 32 kB I/O buffer).
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
PART = ".part"
#: The file's ``comment`` tag of a segment encoded by the recorder (a camera without packets),
#: so a segment found on disk is indexed as ``transcoded`` too.
TRANSCODED_TAG = "zongzhi:transcoded"


@dataclass(frozen=True)
class SegmentInfo:
    """A closed segment: where it is and which wall-clock interval it covers (epoch seconds)."""

    camera_id: str
    path: Path
    start: float
    end: float
    size: int
    codec: str
    #: Encoded by the recorder from pictures (WHIP, simulated), not copied from the camera.
    transcoded: bool = False

    @property
    def duration(self) -> float:
        return self.end - self.start


def segment_path(root: Path, camera_id: str, start: float) -> Path:
    """``root/<camera>/<YYYYMMDD>/<camera>_<start ms>.mp4`` (UTC day)."""
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(start, UTC).strftime("%Y%m%d")
    return root / camera_id / day / f"{camera_id}_{int(start * 1000)}.mp4"


def start_of(path: Path) -> float | None:
    """The start time written in a segment's name, or None for a foreign file."""
    stem = path.name.removesuffix(PART).removesuffix(".mp4")
    head, _, ms = stem.rpartition("_")
    return int(ms) / 1000 if head and ms.isdigit() else None


class SegmentWriter:
    """Copies packets of one input stream into one file; timestamps start at zero.

    ``template`` describes the packets: FFmpeg's demuxer stream, or for packets read by the
    light RTSP path (no demuxer) a :class:`MuxTemplate`. Its H.264 is Annex B with the SPS
    and PPS before every keyframe; MP4's muxer takes them from the first packet into the
    ``avcC`` box and writes the samples length-prefixed."""

    def __init__(self, camera_id: str, path: Path,
                 template: av.video.stream.VideoStream | MuxTemplate,
                 start: float, *, transcoded: bool = False) -> None:
        self.camera_id, self.path, self.start = camera_id, path, start
        self.transcoded = transcoded
        path.parent.mkdir(parents=True, exist_ok=True)
        self.part = path.with_name(path.name + PART)
        self._out = av.open(str(self.part), "w", format="mp4", options={"movflags": MOVFLAGS, "flush_packets": "1"})
        if transcoded:
            self._out.metadata["comment"] = TRANSCODED_TAG
        if isinstance(template, MuxTemplate):
            self._stream = self._out.add_mux_stream(template.codec, width=template.width,
                                                    height=template.height)
            self.codec = template.codec
        else:
            self._stream = self._out.add_stream_from_template(template)
            # The format's name ("h264"), not the coder's ("libx264" when the recorder encodes).
            self.codec = template.codec_context.codec.canonical_name
        self._origin: int | None = None
        self._last_ts = -1
        self._last_duration = 0.0
        self.end = start
        self.packets = 0

    def write(self, packet: av.Packet, time_base: Fraction, wall: float) -> None:
        """Copy one packet (the caller's packet is left untouched)."""
        ts = packet.dts if packet.dts is not None else packet.pts
        if ts is None:  # no timestamp from the source: use the arrival time
            ts = int((wall - self.start) / time_base)
            if self._origin is None:
                self._origin = 0
        if self._origin is None:
            self._origin = ts
        rel = ts - self._origin
        if rel <= self._last_ts:  # a muxer refuses timestamps that go back or repeat
            rel = self._last_ts + 1
        copy = av.Packet(bytes(packet))
        pts = packet.pts - self._origin if packet.pts is not None else rel
        copy.dts, copy.pts = rel, max(pts, rel)
        copy.time_base = time_base
        copy.is_keyframe = packet.is_keyframe
        copy.stream = self._stream
        step = float(rel - self._last_ts) * float(time_base) if self._last_ts >= 0 else 0.0
        if 0 < step < 5:
            self._last_duration = step
        self._last_ts = rel
        self._out.mux(copy)
        self.packets += 1
        self.end = self.start + float(rel * time_base) + self._last_duration

    def close(self) -> SegmentInfo | None:
        """Finish the file and give it its final name; None (and no file) when it is empty."""
        try:
            self._out.close()
        except av.FFmpegError as exc:
            log.warning("%s: closing %s failed: %s", self.camera_id, self.part.name, exc)
        if self.packets == 0:
            self.part.unlink(missing_ok=True)
            return None
        os.replace(self.part, self.path)
        return SegmentInfo(self.camera_id, self.path, self.start, self.end,
                           self.path.stat().st_size, self.codec, self.transcoded)


def is_transcoded(container: av.container.InputContainer) -> bool:
    return container.metadata.get("comment") == TRANSCODED_TAG


def probe(path: Path, camera_id: str) -> SegmentInfo | None:
    """A finished segment's interval read back from the file (None when it has no video)."""
    start = start_of(path)
    if start is None:
        return None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            first = last = None
            step = 0.0
            for packet in container.demux(stream):
                if packet.dts is None:
                    continue
                if first is None:
                    first = packet.dts
                if last is not None and packet.dts > last:
                    step = float((packet.dts - last) * stream.time_base)
                last = packet.dts
            if first is None or last is None:
                return None
            end = start + float((last - first) * stream.time_base) + step
            return SegmentInfo(camera_id, path, start, end, path.stat().st_size,
                               stream.codec_context.name, is_transcoded(container))
    except (av.FFmpegError, IndexError, OSError):
        return None


def recover_partial(part: Path, camera_id: str) -> SegmentInfo | None:
    """Copy the readable packets of a segment left unfinished (the process died) into a clean
    segment under the final name; delete the leftover. None when nothing was readable."""
    final = part.with_name(part.name.removesuffix(PART))
    start = start_of(part)
    writer: SegmentWriter | None = None
    try:
        if start is None:
            return None
        with av.open(str(part), format="mp4") as container:
            stream = container.streams.video[0]
            try:
                for packet in container.demux(stream):
                    if packet.size == 0:
                        continue
                    if writer is None:
                        if not packet.is_keyframe:
                            continue
                        tmp = final.with_name(final.name.removesuffix(".mp4") + "-r.mp4")
                        writer = SegmentWriter(camera_id, tmp, stream, start,
                                               transcoded=is_transcoded(container))
                    writer.write(packet, stream.time_base, start)
            except (av.FFmpegError, OSError):
                pass  # the torn last fragment: everything before it is kept
        if writer is None:
            return None
        info = writer.close()
        if info is None:
            return None
        os.replace(info.path, final)
        return SegmentInfo(camera_id, final, info.start, info.end, final.stat().st_size, info.codec,
                           info.transcoded)
    except (av.FFmpegError, IndexError, OSError) as exc:
        log.warning("%s: leftover %s unreadable (%s); deleted", camera_id, part.name, exc)
        return None
    finally:
        part.unlink(missing_ok=True)
