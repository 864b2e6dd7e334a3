"""Generated pictures: product images for the demo catalog and session posters.

Nothing binary is shipped: images are drawn with Pillow on demand and cached.
Chinese text needs a CJK font; we look for Noto CJK (Debian ``fonts-noto-cjk``)
via ``fc-match`` or well-known paths and fall back to Pillow's default font
(Latin only) so a missing font degrades the picture, never the request.
"""

from __future__ import annotations

import functools
import io
import logging
import shutil
import subprocess
import unicodedata
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

_CJK_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """Path of a font with Chinese glyphs, or None."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
            if out and "CJK" in out and Path(out).exists():
                return out
        except (OSError, subprocess.SubprocessError):
            log.debug("fc-match failed", exc_info=True)
    for p in _CJK_PATHS:
        if Path(p).exists():
            return p
    log.warning("no CJK font found (install fonts-noto-cjk); Chinese text will not render")
    return None


@functools.lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            log.warning("cannot load font %s", path)
    return ImageFont.load_default(size)


def safe_text(text: str, limit: int = 200) -> str:
    """User text made drawable on one line: control, format and unpaired surrogate
    characters (newlines, tabs, bidi overrides...) become spaces. Pillow refuses to
    measure multi-line text, so a title with a newline broke its poster for good."""
    clean = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text[:limit])
    return " ".join(clean.split())


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _hex(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except (ValueError, IndexError):
        return (232, 93, 74)


@functools.lru_cache(maxsize=256)
def product_image(name: str, category: str, color: str, size: int = 480) -> bytes:
    """A square product picture: soft gradient, a simple shape per category, the name."""
    base = _hex(color)
    img = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for y in range(size):  # vertical gradient from a pale tint to the product colour
        t = y / size
        row = tuple(int(255 * (1 - t * 0.55) + c * t * 0.55) for c in base)
        d.line([(0, y), (size, y)], fill=row)
    cx, cy, r = size // 2, int(size * 0.42), size // 4
    dark = tuple(max(0, c - 40) for c in base)
    if category in ("服饰", "鞋包"):
        d.rounded_rectangle(
            [cx - r, cy - r, cx + r, cy + r], radius=r // 3, fill=base, outline=dark, width=6
        )
    elif category in ("美妆", "个护"):
        d.rounded_rectangle(
            [cx - r // 2, cy - r, cx + r // 2, cy + r],
            radius=r // 4,
            fill=base,
            outline=dark,
            width=6,
        )
        d.rectangle([cx - r // 3, cy - r - r // 3, cx + r // 3, cy - r], fill=dark)
    elif category in ("食品", "生鲜"):
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=base, outline=dark, width=6)
    else:
        d.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=base, outline=dark)
    f = font(max(18, size // 12))
    name = safe_text(name)
    text = name if len(name) <= 10 else name[:10] + "…"
    w = d.textlength(text, font=f)
    d.text(((size - w) / 2, size * 0.78), text, fill=(40, 40, 40), font=f)
    return _png(img)


def qr_png(url: str, scale: int = 8) -> Image.Image:
    """A QR code for ``url`` as a Pillow image (segno renders, we compose)."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=2)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def poster(title: str, guide: str, store: str, when: str, url: str) -> bytes:
    """A 750x1200 poster for WeChat groups: title, time, guide and their exclusive QR."""
    w, h = 750, 1200
    title, guide, store, when = (safe_text(t) for t in (title, guide, store, when))
    img = Image.new("RGB", (w, h), (250, 244, 238))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 300], fill=(232, 80, 60))
    d.text((48, 60), "直播预告", fill=(255, 235, 200), font=font(40))
    y = 130
    for line in _wrap(d, title, font(52), w - 96)[:2]:
        d.text((48, y), line, fill=(255, 255, 255), font=font(52))
        y += 70
    d.text((48, 340), f"开播时间：{when}", fill=(60, 60, 60), font=font(34))
    d.text((48, 400), f"导购：{guide}", fill=(60, 60, 60), font=font(34))
    d.text((48, 460), f"门店：{store}", fill=(60, 60, 60), font=font(34))
    qr = qr_png(url, scale=10)
    qs = 460
    qr = qr.resize((qs, qs), Image.Resampling.NEAREST)
    img.paste(qr, ((w - qs) // 2, 560))
    label = "扫码预约 · 导购专属码"
    f = font(32)
    d.text(((w - d.textlength(label, font=f)) / 2, 1050), label, fill=(232, 80, 60), font=f)
    return _png(img)


def _wrap(
    d: ImageDraw.ImageDraw, text: str, f: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if d.textlength(cur + ch, font=f) > width:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return [*lines, cur] if cur else lines
