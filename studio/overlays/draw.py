"""Drawing primitives for overlays: a supersampled RGBA canvas, fitted CJK text, QR codes.

Every overlay is drawn at twice its size and reduced once, so rounded corners
and strike-throughs are anti-aliased like the text. QR codes are drawn on an
integer module grid at the final size (``segno`` builds the matrix) so that
they stay sharp enough for a phone, and a test, to scan after encoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from studio.fonts import font

SS = 2  # supersampling factor

RGBA = tuple[int, int, int, int]
WHITE: RGBA = (255, 255, 255, 255)
INK: RGBA = (34, 34, 40, 255)
GREY: RGBA = (140, 140, 150, 255)
RED: RGBA = (230, 40, 50, 255)
ORANGE: RGBA = (255, 120, 20, 255)
GOLD: RGBA = (255, 196, 40, 255)
GREEN: RGBA = (40, 170, 90, 255)


def hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except (ValueError, IndexError):
        return (141, 153, 174)


def money(yuan: float) -> str:
    """¥399 or ¥12.50: whole yuan without decimals, as shops print them."""
    return f"¥{yuan:.0f}" if abs(yuan - round(yuan)) < 0.005 else f"¥{yuan:.2f}"


def mmss(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


class Canvas:
    """An RGBA drawing of ``w x h`` final pixels, drawn at ``SS`` times that size."""

    def __init__(self, w: int, h: int, scale: float) -> None:
        self.w, self.h, self.scale = w, h, scale
        self.img = Image.new("RGBA", (w * SS, h * SS), (0, 0, 0, 0))
        self.d = ImageDraw.Draw(self.img)

    def u(self, v: float) -> int:
        """Design units (720p pixels) to supersampled pixels."""
        return round(v * self.scale * SS)

    def font(self, size: float, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return font(max(6, self.u(size)), bold)

    def rect(self, x: float, y: float, w: float, h: float, fill: RGBA, radius: float = 0) -> None:
        box = (self.u(x), self.u(y), self.u(x + w) - 1, self.u(y + h) - 1)
        if radius:
            self.d.rounded_rectangle(box, radius=self.u(radius), fill=fill)
        else:
            self.d.rectangle(box, fill=fill)

    def veil(self, fill: RGBA, radius: float = 0) -> None:
        """Composite a translucent layer over everything drawn so far (ImageDraw would replace)."""
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).rounded_rectangle(
            (0, 0, self.img.width - 1, self.img.height - 1), radius=self.u(radius), fill=fill
        )
        self.img.alpha_composite(layer)

    def text_width(self, text: str, size: float, bold: bool = False) -> float:
        """Width in design units."""
        return self.d.textlength(text, font=self.font(size, bold)) / (self.scale * SS)

    def fit(self, text: str, size: float, max_w: float, bold: bool = False) -> str:
        """``text`` or its longest prefix + … that fits ``max_w`` design units."""
        if self.text_width(text, size, bold) <= max_w:
            return text
        while text and self.text_width(text + "…", size, bold) > max_w:
            text = text[:-1]
        return text + "…"

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        fill: RGBA = INK,
        bold: bool = False,
        anchor: str = "la",
        strike: bool = False,
    ) -> float:
        """Draw text; returns its width in design units."""
        f = self.font(size, bold)
        pos = (self.u(x), self.u(y))
        self.d.text(pos, text, font=f, fill=fill, anchor=anchor)
        left, top, right, bottom = self.d.textbbox(pos, text, font=f, anchor=anchor)
        if strike:
            mid = (top + bottom) // 2 + self.u(1)
            self.d.line([(left, mid), (right, mid)], fill=fill, width=max(1, self.u(1.5)))
        return (right - left) / (self.scale * SS)

    def paste(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        size = (self.u(w), self.u(h))
        self.img.alpha_composite(
            img.convert("RGBA").resize(size, Image.Resampling.LANCZOS), (self.u(x), self.u(y))
        )

    def finish(self, sharp: Sequence[tuple[np.ndarray, int, int]] = ()) -> np.ndarray:
        """Reduce to the final size; ``sharp`` RGBA arrays are placed after, pixel-exact."""
        out = np.array(self.img.resize((self.w, self.h), Image.Resampling.LANCZOS), np.uint8)
        for arr, x, y in sharp:
            h, w = arr.shape[:2]
            out[y : y + h, x : x + w] = arr[: self.h - y, : self.w - x]
        return np.ascontiguousarray(out)


def qr_rgba(url: str, target_px: int, border: int = 2) -> np.ndarray:
    """A QR code for ``url`` no larger than ``target_px``, whole pixels per module."""
    code = segno.make(url, error="m", micro=False)
    mat = np.array([list(row) for row in code.matrix_iter(border=border)], dtype=bool)
    module = max(1, target_px // mat.shape[0])
    dark = np.kron(mat, np.ones((module, module), dtype=bool))
    out = np.full((*dark.shape, 4), 255, np.uint8)
    out[dark, :3] = 0
    return out


def even(v: float) -> int:
    return max(2, round(v) // 2 * 2)
