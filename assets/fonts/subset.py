"""Rebuild the bundled CJK font subset: ``python assets/fonts/subset.py``.

Why a subset: Noto Sans CJK is ~16 MB per weight; product names, prices and the
studio's own strings need only the GB2312 repertoire (6,763 hanzi, the set
every Simplified-Chinese input method and shop system covers) plus ASCII,
Latin-1 punctuation and the CJK/full-width punctuation. Source: Debian's
``fonts-noto-cjk`` (SIL OFL 1.1), the SC face of the collection. Needs fontTools.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
SC_INDEX_NAME = "Noto Sans CJK SC"
HERE = Path(__file__).resolve().parent


def gb2312_chars() -> set[int]:
    """Every character GB2312 encodes (levels 1 and 2 hanzi, symbols, kana, full-width)."""
    out: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


def codepoints() -> list[int]:
    cps = gb2312_chars()
    cps |= set(range(0x20, 0x7F))  # ASCII
    cps |= set(range(0xA0, 0x100))  # Latin-1 (¥, ×, ·)
    cps |= set(range(0x2000, 0x2070))  # general punctuation (…, ‘’ “”, –)
    cps |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps |= set(range(0xFF00, 0xFFF0))  # full-width forms (￥, ！, ：)
    cps |= {0x20AC, 0x2103, 0x2116, 0x2190, 0x2191, 0x2192, 0x2193, 0x25B2, 0x25BC, 0x2605}
    return sorted(cps)


def build(weight: str) -> Path:
    collection = TTCollection(SOURCE.format(weight=weight))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1).startswith(SC_INDEX_NAME))
    options = subset.Options()
    options.layout_features = ["kern", "palt", "vert", "locl", "liga"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # Pillow/FreeType autohint CFF well; hints are ~20 % of the size
    sub = subset.Subsetter(options)
    sub.populate(unicodes=codepoints())
    sub.subset(font)
    out = HERE / f"NotoSansSC-GB2312-{weight}.otf"
    font.save(out)
    return out


def main() -> int:
    for weight in ("Regular", "Bold"):
        path = build(weight)
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
