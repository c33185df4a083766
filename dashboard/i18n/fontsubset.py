"""Build the CJK web font the pages ship with (a developer tool, not run by the server).

The command center runs on intranets where client machines may lack Chinese fonts and no
CDN can be reached, so the pages carry their own: Noto Sans CJK SC (SIL OFL, from Debian's
``fonts-noto-cjk``) cut down to GB 2312 (6,763 hanzi), ASCII, CJK punctuation, every character
of the translation table and of the demo's name lists, and a few place-name characters beyond
GB 2312. Run after changing the table::

    python -m dashboard.i18n.fontsubset   # needs: pip install fonttools brotli

The result, ``dashboard/server/static/NotoSansSC-Regular.woff2`` (about 2 MB), is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the Simplified Chinese face inside the collection
TARGET = Path(__file__).resolve().parents[1] / "server" / "static" / "NotoSansSC-Regular.woff2"
#: Characters of Yunnan place names outside GB 2312 (villages are often named with them).
EXTRA = "竜峝垴坣箐岜戛迤"


def charset() -> str:
    """GB 2312 (symbols and both hanzi levels), ASCII and the translation table's text."""
    chars: set[str] = {chr(c) for c in range(0x20, 0x7F)}
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(bytes([b1, b2]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars |= set("·—…“”‘’《》「」、。，：；！？（）【】％＋－／●○▲△■□◆◇★☆→←↑↓")
    from dashboard.i18n import all_text

    chars |= set(all_text())
    # Place and person names of the demo prefecture (a few, like 竜, lie outside GB 2312).
    demo = Path(__file__).resolve().parents[2] / "dispatch" / "demo"
    for source in sorted(demo.glob("*.py")):
        chars |= {ch for ch in source.read_text(encoding="utf-8") if ord(ch) >= 0x3000}
    chars |= set(EXTRA)
    return "".join(sorted(chars))


def build(source: Path = SOURCE, target: Path = TARGET) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    font = TTCollection(str(source)).fonts[SC_INDEX]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.hinting = False  # screens at wall distance do not need hinting; saves ~10%
    options.desubroutinize = True  # smaller after Brotli
    options.name_IDs = ["*"]  # keep the license and copyright names (OFL)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=charset())
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(str(target))
    return target.stat().st_size


if __name__ == "__main__":
    size = build()
    print(f"wrote {TARGET} ({size / 1e6:.2f} MB)", file=sys.stderr)
