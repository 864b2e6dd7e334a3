"""Find a font that renders Chinese: the one shipped in ``assets/fonts`` first.

Product names, slates and the UI are Chinese, so a Latin-only fallback is a
bug, not a degradation: if no CJK font can be found we say so once in the log.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
_BUNDLED = ASSETS / "fonts"
_SYSTEM_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{w}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{w}.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh{wb}.ttc",
)


@functools.cache
def cjk_font_path(bold: bool = False) -> Path | None:
    """Path of a CJK-capable font file, or None when the machine has none."""
    weight = "Bold" if bold else "Regular"
    for p in sorted(_BUNDLED.glob(f"*{weight}*.[ot]t[fc]")) + sorted(_BUNDLED.glob("*.[ot]t[fc]")):
        return p
    for pattern in _SYSTEM_CANDIDATES:
        p = Path(pattern.format(w=weight, wb="bd" if bold else ""))
        if p.exists():
            return p
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", f":lang=zh-cn:weight={200 if bold else 80}"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).exists():
            return Path(out)
    log.warning("no CJK font found: Chinese text will not render (install fonts-noto-cjk)")
    return None


@functools.lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path(bold)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)
