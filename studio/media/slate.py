"""The "be right back" picture shown when a camera or a remote stream is lost."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from studio.fonts import font
from studio.media.frame import bgr_to_i420


def slate_i420(width: int, height: int, detail: str = "") -> np.ndarray:
    """A calm dark card with 稍等片刻 / Be right back and an optional detail line."""
    img = Image.new("RGB", (width, height), (28, 30, 38))
    d = ImageDraw.Draw(img)
    big = font(max(16, height // 9), bold=True)
    small = font(max(12, height // 24))
    lines = [("稍等片刻", big, (255, 255, 255)), ("Be right back", small, (200, 204, 214))]
    if detail:
        lines.append((detail, small, (150, 156, 170)))
    heights = [d.textbbox((0, 0), t, font=f)[3] for t, f, _ in lines]
    y = (height - sum(heights) - 20 * (len(lines) - 1)) // 2
    for (text, f, colour), h in zip(lines, heights, strict=True):
        w = d.textlength(text, font=f)
        d.text(((width - w) / 2, y), text, font=f, fill=colour)
        y += h + 20
    bgr = np.asarray(img)[:, :, ::-1]
    return bgr_to_i420(np.ascontiguousarray(bgr))
