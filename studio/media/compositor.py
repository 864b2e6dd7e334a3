"""Scenes of layers blended into the I420 output frame.

A scene is an ordered list of layers: video from a source, an image with
alpha, text, a solid colour. Each layer has a rectangle, an opacity and a
visibility. Images and text are converted to premultiplied YUV once, when their
content, size or opacity changes; per frame only their own rectangle is
blended, with numpy integer arithmetic on the planes.

Two layer sets: ``program`` is what viewers get; ``guide`` layers are drawn
only into the local preview (commission, next cue, notes).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageDraw

from studio.fonts import font
from studio.media.frame import blank, fit_rect, planes, resize_i420, rgb_image_to_yuv444, rgb_to_yuv
from studio.media.sources.base import Source

log = logging.getLogger(__name__)


def _even(v: float) -> int:
    return round(v) // 2 * 2


@dataclass(eq=False)
class Layer:
    """A rectangle on the canvas. ``x, y, w, h`` in output pixels (rounded to even)."""

    name: str
    x: int = 0
    y: int = 0
    w: int = 0  # 0 = full canvas width
    h: int = 0
    opacity: float = 1.0
    visible: bool = True

    def rect(self, cw: int, ch: int) -> tuple[int, int, int, int]:
        w = _even(self.w or cw)
        h = _even(self.h or ch)
        return _even(self.x), _even(self.y), w, h


@dataclass(eq=False)
class SolidLayer(Layer):
    rgb: tuple[int, int, int] = (0, 0, 0)


@dataclass(eq=False)
class VideoLayer(Layer):
    """A source's newest frame, letterboxed (``fit``) or stretched into the rectangle."""

    source: Source | None = None
    fit: bool = True
    _cache_key: tuple = field(default=(), repr=False)
    _cache: np.ndarray | None = field(default=None, repr=False)
    _cache_rect: tuple[int, int, int, int] = field(default=(0, 0, 0, 0), repr=False)


@dataclass(eq=False)
class ImageLayer(Layer):
    """RGBA pixels (straight alpha, uint8, H x W x 4); ``w``/``h`` default to the image size."""

    rgba: np.ndarray | None = None
    version: int = 0  # bump when rgba changes in place
    _prepared: tuple | None = field(default=None, repr=False)
    _key: tuple = field(default=(), repr=False)

    def set_image(self, rgba: np.ndarray) -> None:
        self.rgba = rgba
        self.version += 1


@dataclass(eq=False)
class TextLayer(ImageLayer):
    """Text rasterised with the bundled CJK font; re-rasterised only when it changes."""

    text: str = ""
    size: int = 32
    rgb: tuple[int, int, int] = (255, 255, 255)
    background: tuple[int, int, int, int] | None = (0, 0, 0, 160)
    padding: int = 12
    _text_key: tuple = field(default=(), repr=False)

    def rasterise(self) -> None:
        key = (self.text, self.size, self.rgb, self.background, self.padding)
        if key == self._text_key:
            return
        self._text_key = key
        f = font(self.size)
        probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        left, top, right, bottom = probe.multiline_textbbox((0, 0), self.text or " ", font=f)
        w = _even(right - left + 2 * self.padding + 1)
        h = _even(bottom - top + 2 * self.padding + 1)
        img = Image.new("RGBA", (w, h), self.background or (0, 0, 0, 0))
        ImageDraw.Draw(img).multiline_text(
            (self.padding - left, self.padding - top), self.text, font=f, fill=(*self.rgb, 255)
        )
        self.set_image(np.asarray(img))


@dataclass
class Scene:
    name: str
    program: list[Layer] = field(default_factory=list)
    guide: list[Layer] = field(default_factory=list)

    def find(self, name: str) -> Layer | None:
        for layer in (*self.program, *self.guide):
            if layer.name == name:
                return layer
        return None


@dataclass
class _Prepared:
    """Premultiplied planes of an image layer clipped to the canvas."""

    x: int
    y: int
    w: int
    h: int
    y_pre: np.ndarray
    y_inv: np.ndarray
    u_pre: np.ndarray
    v_pre: np.ndarray
    c_inv: np.ndarray
    opaque: bool


def prepare_rgba(
    rgba: np.ndarray, x: int, y: int, w: int, h: int, opacity: float, cw: int, ch: int
) -> _Prepared | None:
    """Scale an RGBA image to w x h, clip to the canvas, convert to premultiplied YUV."""
    if rgba.shape[1] != w or rgba.shape[0] != h:
        rgba = np.asarray(Image.fromarray(rgba, "RGBA").resize((w, h), Image.Resampling.LANCZOS))
    # clip to the canvas
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(cw, x + w), min(ch, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    rgba = rgba[y0 - y : y1 - y, x0 - x : x1 - x]
    h, w = rgba.shape[:2]
    h, w = h // 2 * 2, w // 2 * 2
    rgba = rgba[:h, :w]
    a = rgba[:, :, 3].astype(np.float32) * (opacity / 255.0)
    yuv = rgb_image_to_yuv444(rgba[:, :, :3])
    # alpha on a 0..256 scale so that blending is one multiply-add and a shift
    a256 = np.rint(a * 256.0)
    y_pre = np.rint(yuv[:, :, 0] * a256).astype(np.uint16)
    y_inv = (256 - a256).astype(np.uint16)
    # chroma: alpha-weighted average over each 2x2 block
    a4 = a256.reshape(h // 2, 2, w // 2, 2)
    ac = a4.mean(axis=(1, 3))
    u_pre = np.rint((yuv[:, :, 1].reshape(h // 2, 2, w // 2, 2) * a4).mean(axis=(1, 3)))
    v_pre = np.rint((yuv[:, :, 2].reshape(h // 2, 2, w // 2, 2) * a4).mean(axis=(1, 3)))
    return _Prepared(
        x0,
        y0,
        w,
        h,
        y_pre,
        y_inv,
        u_pre.astype(np.uint16),
        v_pre.astype(np.uint16),
        (256 - np.rint(ac)).astype(np.uint16),
        bool((a256 >= 256).all()),
    )


def _blend_plane(dst: np.ndarray, pre: np.ndarray, inv: np.ndarray, tmp: np.ndarray) -> None:
    t = tmp[: dst.shape[0], : dst.shape[1]]
    np.multiply(dst, inv, out=t, dtype=np.uint16)
    t += pre
    t >>= 8
    dst[...] = t


class Compositor:
    """Renders a scene into I420 frames of the output size."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.lock = threading.RLock()  # scene edits from other threads take it
        self._tmp = np.empty((height, width), np.uint16)
        self._black = blank(width, height)

    def render(
        self, scene: Scene, with_guide: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(program frame, preview frame or None). Never blocks on a source."""
        with self.lock:
            first = next((ly for ly in scene.program if ly.visible and ly.opacity > 0), None)
            # a picture that fills the frame is copied over it anyway: skip the black fill
            covered = isinstance(first, VideoLayer) and self._video_covers(first)
            canvas = np.empty_like(self._black) if covered else self._black.copy()
            for layer in scene.program:
                if layer.visible and layer.opacity > 0:
                    self._draw(canvas, layer)
            preview = None
            if with_guide:
                preview = canvas.copy()
                for layer in scene.guide:
                    if layer.visible and layer.opacity > 0:
                        self._draw(preview, layer)
            return canvas, preview

    def _draw(self, canvas: np.ndarray, layer: Layer) -> None:
        cw, ch = self.width, self.height
        if isinstance(layer, VideoLayer):
            self._draw_video(canvas, layer)
        elif isinstance(layer, ImageLayer):
            if isinstance(layer, TextLayer):
                layer.rasterise()
            self._draw_image(canvas, layer)
        elif isinstance(layer, SolidLayer):
            x, y, w, h = layer.rect(cw, ch)
            if layer.opacity >= 1.0:
                yy, uu, vv = rgb_to_yuv(layer.rgb)
                yp, up, vp = planes(canvas, cw, ch)
                x1, y1 = min(cw, x + w), min(ch, y + h)
                yp[y:y1, x:x1] = yy
                up[y // 2 : y1 // 2, x // 2 : x1 // 2] = uu
                vp[y // 2 : y1 // 2, x // 2 : x1 // 2] = vv
            else:
                rgba = np.empty((2, 2, 4), np.uint8)
                rgba[:] = (*layer.rgb, 255)
                prep = prepare_rgba(rgba, x, y, w, h, layer.opacity, cw, ch)
                if prep:
                    self._blend(canvas, prep)

    def _video_covers(self, layer: VideoLayer) -> bool:
        """True when the layer's newest frame will fill the whole canvas, opaque."""
        frame = layer.source.slot.peek() if layer.source is not None else None
        if frame is None or layer.opacity < 1.0:
            return False
        if layer.rect(self.width, self.height) != (0, 0, self.width, self.height):
            return False
        return not layer.fit or frame.width * self.height == frame.height * self.width

    def _draw_image(self, canvas: np.ndarray, layer: ImageLayer) -> None:
        if layer.rgba is None:
            return
        ih, iw = layer.rgba.shape[:2]
        w = _even(layer.w or iw)
        h = _even(layer.h or ih)
        x, y = _even(layer.x), _even(layer.y)
        content = (layer.version, id(layer.rgba), w, h, round(layer.opacity, 3))
        inside = x >= 0 and y >= 0 and x + w <= self.width and y + h <= self.height
        prep = layer._prepared[0] if layer._prepared else None
        if (
            layer._key[:1] == (content,)
            and inside
            and prep is not None
            and (prep.w, prep.h) == (w, h)
        ):
            # only moved (a slide-in): the premultiplied planes are reused as they are
            if (prep.x, prep.y) != (x, y):
                layer._prepared = (replace(prep, x=x, y=y),)
        elif layer._key != (content, x, y):
            layer._prepared = (
                prepare_rgba(layer.rgba, x, y, w, h, layer.opacity, self.width, self.height),
            )
        layer._key = (content, x, y)
        prep = layer._prepared[0] if layer._prepared else None
        if prep is not None:
            self._blend(canvas, prep)

    def _blend(self, canvas: np.ndarray, p: _Prepared) -> None:
        yp, up, vp = planes(canvas, self.width, self.height)
        ys = yp[p.y : p.y + p.h, p.x : p.x + p.w]
        if p.opaque:
            ys[...] = (p.y_pre >> 8).astype(np.uint8)
            up[p.y // 2 : (p.y + p.h) // 2, p.x // 2 : (p.x + p.w) // 2] = p.u_pre >> 8
            vp[p.y // 2 : (p.y + p.h) // 2, p.x // 2 : (p.x + p.w) // 2] = p.v_pre >> 8
            return
        _blend_plane(ys, p.y_pre, p.y_inv, self._tmp)
        cy, cx = p.y // 2, p.x // 2
        _blend_plane(up[cy : cy + p.h // 2, cx : cx + p.w // 2], p.u_pre, p.c_inv, self._tmp)
        _blend_plane(vp[cy : cy + p.h // 2, cx : cx + p.w // 2], p.v_pre, p.c_inv, self._tmp)

    def _draw_video(self, canvas: np.ndarray, layer: VideoLayer) -> None:
        if layer.source is None:
            return
        frame = layer.source.slot.peek()
        if frame is None:
            return
        cw, ch = self.width, self.height
        x, y, w, h = layer.rect(cw, ch)
        if layer.fit:
            fx, fy, w, h = fit_rect(frame.width, frame.height, w, h)
            x, y = x + fx, y + fy
        key = (frame.seq, id(frame.data), w, h)
        if key != layer._cache_key:
            layer._cache = resize_i420(frame.data, frame.width, frame.height, w, h)
            layer._cache_key = key
        src = layer._cache
        assert src is not None
        if (x, y, w, h) == (0, 0, cw, ch) and layer.opacity >= 1.0:
            canvas[...] = src
            return
        sy, su, sv = planes(src, w, h)
        dy, du, dv = planes(canvas, cw, ch)
        x1, y1 = min(cw, x + w), min(ch, y + h)
        if x1 <= x or y1 <= y:
            return
        if layer.opacity >= 1.0:
            dy[y:y1, x:x1] = sy[: y1 - y, : x1 - x]
            du[y // 2 : y1 // 2, x // 2 : x1 // 2] = su[: (y1 - y) // 2, : (x1 - x) // 2]
            dv[y // 2 : y1 // 2, x // 2 : x1 // 2] = sv[: (y1 - y) // 2, : (x1 - x) // 2]
        else:
            a = round(layer.opacity * 256)
            for d, s in (
                (dy[y:y1, x:x1], sy),
                (du[y // 2 : y1 // 2, x // 2 : x1 // 2], su),
                (dv[y // 2 : y1 // 2, x // 2 : x1 // 2], sv),
            ):
                ss = s[: d.shape[0], : d.shape[1]].astype(np.uint16) * a
                _blend_plane(d, ss, np.full(d.shape, 256 - a, np.uint16), self._tmp)
