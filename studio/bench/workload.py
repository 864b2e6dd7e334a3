"""The reference workload both sides of the bench run: a clip, three overlays, one encode.

Everything is generated here, in a temp dir, so the bench needs no fixtures:

- a 1080p30 clip with motion (the scrolling test bars plus a textured band, so
  x264 has real detail to spend bits on), a beep track and the test source's
  frame-number strip (the same strip glass-to-glass reads back);
- the show overlays as RGBA PNGs: a product card with Chinese text, a QR pop-up
  and an order toast that slides in every few seconds. The studio blends the
  PNG pixels, ffmpeg's ``overlay`` filter blends the same files, so both sides
  do the same work. :func:`overlay_set` is the one place to switch to the real
  overlay renderers once they land.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from studio.config import Profile
from studio.fonts import font
from studio.media.audio import SAMPLE_RATE
from studio.media.frame import planes
from studio.media.sources.test_pattern import TestPatternSource

FPS = 30
AUDIO_BITRATE = 128_000
BITRATES = {1080: 4_500_000, 720: 2_500_000, 540: 1_500_000, 360: 800_000}
TOAST_PERIOD = 4.0  # seconds between toasts
TOAST_SLIDE = 0.5  # seconds a toast takes to slide in


def bench_profile(width: int, height: int, fps: int = FPS) -> Profile:
    """The issue's encode: x264 veryfast zerolatency, CBR-ish, 2 s GOP, no B-frames."""
    return Profile(
        width=width,
        height=height,
        fps=fps,
        video_bitrate=BITRATES.get(height, 2_500_000),
        audio_bitrate=AUDIO_BITRATE,
        encoder="x264",
        preset="veryfast",
        tune="zerolatency",
        keyframe_seconds=2.0,
        bframes=0,
    )


# -- the clip -------------------------------------------------------------------------


def _texture(width: int, height: int, seed: int = 7) -> np.ndarray:
    """A detailed luma texture twice as wide as the frame (smooth blobs + fine grain)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(30, 220, (height // 16, width // 8), dtype=np.uint8)
    smooth = cv2.resize(coarse, (2 * width, height), interpolation=cv2.INTER_CUBIC)
    grain = rng.integers(-14, 15, smooth.shape, dtype=np.int16)
    return np.clip(smooth.astype(np.int16) + grain, 16, 235).astype(np.uint8)


class ClipRenderer:
    """Frame ``k`` of the reference picture: test bars + code strip + a moving texture band."""

    def __init__(self, width: int, height: int, fps: int = FPS) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.pattern = TestPatternSource(width, height, fps, caption="bench")
        self.band = (height * 30 // 100 // 2 * 2, height * 85 // 100 // 2 * 2)
        self.tex = _texture(width, self.band[1] - self.band[0])

    def render(self, k: int) -> np.ndarray:
        frame = self.pattern.render(k)
        y, u, v = planes(frame, self.width, self.height)
        y0, y1 = self.band
        shift = (k * 6) % self.width
        # a slow vertical wobble too, so motion search has two axes to work on
        dy = int(8 * math.sin(k / 9.0))
        tex = np.roll(self.tex[:, shift : shift + self.width], dy, axis=0)
        y[y0:y1] = tex
        c = (k * 2) % 256
        u[y0 // 2 : y1 // 2] = (tex[::2, ::2] // 4 + c // 4 + 64).astype(np.uint8)
        v[y0 // 2 : y1 // 2] = 128
        return frame


def make_clip(path: Path, seconds: float, width: int = 1920, height: int = 1080) -> Path:
    """Encode the reference clip (H.264 high quality + AAC beep) into ``path`` (MP4)."""
    renderer = ClipRenderer(width, height)
    frames = max(1, round(seconds * FPS))
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.options = {"preset": "veryfast", "crf": "18", "g": str(2 * FPS)}
        vs.codec_context.time_base = Fraction(1, FPS)
        aus = out.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        aus.codec_context.bit_rate = AUDIO_BITRATE
        samples_per_frame = SAMPLE_RATE // FPS
        audio_pts = 0
        pending = np.zeros((0, 2), np.float32)
        for k in range(frames):
            vf = av.VideoFrame.from_ndarray(renderer.render(k), format="yuv420p")
            vf.pts, vf.time_base = k, Fraction(1, FPS)
            out.mux(vs.encode(vf))
            pending = np.concatenate(
                [pending, TestPatternSource.tone(k * samples_per_frame, samples_per_frame)]
            )
            while len(pending) >= 1024:
                block, pending = pending[:1024], pending[1024:]
                af = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block.T), format="fltp", layout="stereo"
                )
                af.sample_rate, af.pts = SAMPLE_RATE, audio_pts
                af.time_base = Fraction(1, SAMPLE_RATE)
                audio_pts += 1024
                out.mux(aus.encode(af))
        out.mux(vs.encode(None))
        out.mux(aus.encode(None))
    return path


# -- the overlays -----------------------------------------------------------------------


@dataclass(frozen=True)
class Overlay:
    """One overlay: its PNG, where it sits, and whether it slides in (the toast)."""

    name: str
    path: Path
    x: int
    y: int
    width: int
    height: int
    slides: bool = False

    def rgba(self) -> np.ndarray:
        return np.asarray(Image.open(self.path).convert("RGBA"))

    def x_at(self, t: float, canvas_w: int) -> int:
        """The toast's x at media time ``t`` (the formula of :meth:`ffmpeg_x`)."""
        if not self.slides:
            return self.x
        p = t % TOAST_PERIOD
        return int(self.x + (canvas_w - self.x) * max(0.0, 1.0 - p / TOAST_SLIDE))

    def ffmpeg_x(self) -> str:
        """The same slide as an ffmpeg ``overlay`` x expression (evaluated per frame)."""
        if not self.slides:
            return str(self.x)
        return f"trunc({self.x}+(W-{self.x})*max(0\\,1-mod(t\\,{TOAST_PERIOD})/{TOAST_SLIDE}))"


def _rounded(size: tuple[int, int], fill: tuple[int, int, int, int], radius: int) -> Image.Image:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=fill)
    return img


def _card(s: float) -> Image.Image:
    w, h = int(660 * s) // 2 * 2, int(300 * s) // 2 * 2
    img = _rounded((w, h), (255, 255, 255, 235), int(24 * s))
    d = ImageDraw.Draw(img)
    side = h - int(40 * s)
    pic = np.zeros((side, side, 3), np.uint8)  # a product picture stand-in: a warm gradient
    pic[..., 0] = np.linspace(200, 120, side, dtype=np.uint8)[:, None]
    pic[..., 1] = np.linspace(120, 60, side, dtype=np.uint8)[None, :]
    pic[..., 2] = 40
    img.paste(Image.fromarray(pic, "RGB"), (int(20 * s), int(20 * s)))
    tx = int(40 * s) + side
    d.text(
        (tx, int(26 * s)),
        "云南小粒咖啡豆 500g",
        font=font(int(34 * s), bold=True),
        fill=(30, 30, 30, 255),
    )
    d.text(
        (tx, int(82 * s)), "直播间专享 · 限时", font=font(int(26 * s)), fill=(120, 120, 120, 255)
    )
    d.text((tx, int(140 * s)), "¥59.9", font=font(int(60 * s), bold=True), fill=(230, 40, 40, 255))
    d.text(
        (tx, int(222 * s)), "原价 ¥89  库存 128", font=font(int(24 * s)), fill=(140, 140, 140, 255)
    )
    return img


def _qr(s: float) -> Image.Image:
    import segno

    side = int(260 * s) // 2 * 2
    img = _rounded((side, side + int(50 * s) // 2 * 2), (255, 255, 255, 240), int(16 * s))
    qr = segno.make("https://shop.example.com/p/bench-demo-token", error="m")
    matrix = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], np.uint8)
    pad = int(16 * s)
    code = Image.fromarray(matrix, "L").resize(
        (side - 2 * pad, side - 2 * pad), Image.Resampling.NEAREST
    )
    img.paste(code.convert("RGBA"), (pad, pad))
    ImageDraw.Draw(img).text(
        (side // 2, side + int(14 * s)),
        "扫码购买",
        font=font(int(28 * s)),
        fill=(30, 30, 30, 255),
        anchor="mt",
    )
    return img


def _toast(s: float, text: str) -> Image.Image:
    f = font(int(32 * s))
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=f)
    w = (right - left + int(56 * s)) // 2 * 2
    h = int(84 * s) // 2 * 2
    img = _rounded((w, h), (20, 20, 20, 200), h // 2)
    ImageDraw.Draw(img).text(
        (int(28 * s) - left, (h - (bottom - top)) // 2 - top),
        text,
        font=f,
        fill=(255, 220, 120, 255),
    )
    return img


TOAST_TEXT = "上海·王女士 刚刚下单 云南小粒咖啡豆 ×2"


def toast_image(text: str, height: int) -> np.ndarray:
    """An order toast as straight-alpha RGBA (the commerce bench renders one per order)."""
    return np.asarray(_toast(height / 1080, text))


def overlay_set(width: int, height: int, directory: Path) -> list[Overlay]:
    """The show's overlays for a ``width`` x ``height`` canvas, written as PNGs to ``directory``.

    Authored for 1080p and scaled, so neither side resamples per frame. Kept
    clear of the frame-number strip at the bottom.
    """
    s = height / 1080
    directory.mkdir(parents=True, exist_ok=True)
    margin = int(60 * s) // 2 * 2
    out: list[Overlay] = []
    for name, img, pos in (
        ("card", _card(s), lambda w, h: (margin, int(560 * s) // 2 * 2)),
        ("qr", _qr(s), lambda w, h: (width - w - margin, int(150 * s) // 2 * 2)),
        ("toast", _toast(s, TOAST_TEXT), lambda w, h: (width - w - margin, int(880 * s) // 2 * 2)),
    ):
        path = directory / f"{name}-{height}p.png"
        img.save(path)
        x, y = pos(*img.size)
        out.append(Overlay(name, path, x, y, img.size[0], img.size[1], slides=name == "toast"))
    return out
