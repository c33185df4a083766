"""Burn time, camera, center and case number into an evidence picture, in Chinese.

OpenCV's Hershey fonts cannot draw Chinese, so the caption is drawn with Pillow and a CJK
font: Debian's Noto Sans CJK (``fonts-noto-cjk``) when installed, else the font the command
center ships under ``dashboard/static``. Without any CJK font the burn-in refuses rather than
drawing boxes in place of characters.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dispatch.sla import TZ

ROOT = Path(__file__).resolve().parents[2]
FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    *sorted((ROOT / "dashboard" / "static").glob("*.[ot]t[fc]")),
    *sorted((ROOT / "dashboard" / "static").glob("*.woff2")),
)


class NoCjkFont(RuntimeError):
    """No font able to draw Chinese was found."""


@dataclass(frozen=True)
class Caption:
    at: datetime
    camera: str
    center: str
    case_number: str

    def lines(self) -> list[str]:
        local = self.at.astimezone(TZ)
        return [
            f"时间 {local:%Y年%m月%d日 %H:%M:%S}",
            f"画面 {self.camera}",
            f"中心 {self.center}",
            f"事件编号 {self.case_number}",
        ]


@lru_cache(maxsize=8)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_CANDIDATES:
        if path.exists():
            try:
                return ImageFont.truetype(str(path), size)
            except OSError:
                continue  # e.g. a FreeType built without WOFF2 support
    raise NoCjkFont("no CJK font found: install fonts-noto-cjk")


def burn_in(jpeg: bytes, caption: Caption, quality: int = 90) -> bytes:
    """The picture with the caption in a dark band at its foot, as JPEG."""
    with Image.open(io.BytesIO(jpeg)) as opened:
        picture = opened.convert("RGB")
    width, height = picture.size
    size = max(14, min(32, width // 36))
    font = cjk_font(size)
    lines = caption.lines()
    pad = size // 2
    band = len(lines) * (size + pad // 2) + pad
    canvas = Image.new("RGB", (width, height + band), (12, 16, 24))
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    y = height + pad // 2
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 230, 140))
        y += size + pad // 2
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=quality)
    return out.getvalue()
