"""Clips: a stretch of recorded video cut from segments by copy, and its export with the time
and camera name burned in (the only place recorded video is re-encoded).

:func:`cut` copies the packets from the keyframe at or before ``start`` to ``end`` out of the
segments covering them into one MP4 (no re-encoding, so the evidence is the camera's own
bytes). :func:`export_burned` decodes a clip, draws the local time and the camera's name on
every picture with a CJK font (Pillow; OpenCV cannot draw Chinese) and encodes H.264.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from streams.record.segment import SegmentInfo, SegmentWriter

FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)


class NoRecording(LookupError):
    """Nothing is recorded for that camera in that interval."""


@dataclass(frozen=True)
class Clip:
    path: Path
    start: float  # epoch seconds of its first picture
    end: float
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cut(segments: Sequence[SegmentInfo], start: float, end: float, out: Path) -> Clip:
    """Copy ``[start, end]`` (epoch seconds) of one camera's segments into ``out``.

    Raises :class:`NoRecording` when no segment overlaps the interval."""
    chosen = sorted((s for s in segments if s.end > start and s.start < end), key=lambda s: s.start)
    if not chosen:
        raise NoRecording(f"nothing recorded between {start:.0f} and {end:.0f}")
    writer: SegmentWriter | None = None
    first_wall = chosen[0].start
    out.parent.mkdir(parents=True, exist_ok=True)
    target = out.with_suffix(".cut.mp4")
    offset = 0.0  # seconds of the clip before the current segment, for continuous timestamps
    for seg in chosen:
        with av.open(str(seg.path), format="mp4") as container:  # also a growing .part
            stream = container.streams.video[0]
            tb = stream.time_base
            base_ts: int | None = None
            pending: list[av.Packet] = []  # the GOP that holds ``start``
            for packet in _readable(container, stream):
                if packet.dts is None or packet.size == 0:
                    continue
                if base_ts is None:
                    base_ts = packet.dts
                wall = seg.start + float((packet.dts - base_ts) * tb)
                if wall > end:
                    break
                if writer is None:
                    if packet.is_keyframe:
                        pending = []
                        first_wall = wall
                    if not pending and not packet.is_keyframe:
                        continue
                    pending.append(packet)
                    if wall < start:
                        continue
                    writer = SegmentWriter("clip", target, stream, first_wall)
                    offset = first_wall
                    for held in pending:
                        _write(writer, held, tb, seg.start, base_ts, offset)
                    continue
                _write(writer, packet, tb, seg.start, base_ts, offset)
    if writer is None:
        raise NoRecording("no picture recorded in that interval")
    info = writer.close()
    if info is None:
        raise NoRecording("no picture recorded in that interval")
    target.replace(out)
    return Clip(out, first_wall, info.end, sha256_of(out), out.stat().st_size)


def _readable(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> Iterator[av.Packet]:
    """The packets of a file up to a torn last fragment (a segment still being written)."""
    demux = container.demux(stream)
    while True:
        try:
            yield next(demux)
        except (StopIteration, av.FFmpegError):
            return


def _write(writer: SegmentWriter, packet: av.Packet, tb: object, seg_start: float, base_ts: int,
           offset: float) -> None:
    # Timestamps on the clip's own clock: seconds since its first picture, across segments.
    shift = int(round((seg_start - offset) / tb))  # type: ignore[operator]
    packet.dts = packet.dts - base_ts + shift
    packet.pts = (packet.pts - base_ts + shift) if packet.pts is not None else packet.dts
    writer.write(packet, tb, 0.0)  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise RuntimeError("no CJK font found: install fonts-noto-cjk")


def export_burned(clip: Clip, camera_name: str, tz: tzinfo, out: Path, *, crf: int = 23) -> Clip:
    """Re-encode ``clip`` with ``YYYY-MM-DD HH:MM:SS camera`` burned into its foot."""
    with av.open(str(clip.path)) as src:
        stream = src.streams.video[0]
        rate = stream.average_rate or 10
        with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as dst:
            enc = dst.add_stream("libx264", rate=rate)
            enc.width, enc.height = stream.codec_context.width, stream.codec_context.height
            enc.pix_fmt = "yuv420p"
            enc.options = {"crf": str(crf), "preset": "veryfast"}
            band_cache: dict[str, np.ndarray] = {}
            first: float | None = None
            n = 0
            for frame in src.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                first = t if first is None else first
                label = f"{datetime.fromtimestamp(clip.start + t - first, tz):%Y-%m-%d %H:%M:%S}  {camera_name}"
                rgb = frame.to_ndarray(format="rgb24")
                band = band_cache.get(label)
                if band is None:
                    band_cache.clear()
                    band = band_cache[label] = _band(label, rgb.shape[1])
                rgb[-band.shape[0]:] = band  # the caption band replaces the picture's foot
                picture = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                picture.pts, n = n, n + 1  # frames counted in the encoder's 1/rate
                for packet in enc.encode(picture):
                    dst.mux(packet)
            for packet in enc.encode():
                dst.mux(packet)
    return Clip(out, clip.start, clip.end, sha256_of(out), out.stat().st_size)


def _band(text: str, width: int) -> np.ndarray:
    size = max(14, min(36, width // 32))
    font = _font(size)
    height = size + size // 2
    band = Image.new("RGB", (width, height), (12, 16, 24))
    ImageDraw.Draw(band).text((size // 2, size // 6), text, font=font, fill=(255, 230, 140))
    return np.asarray(band).copy()
