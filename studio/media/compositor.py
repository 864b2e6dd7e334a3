"""Scenes of layers blended into the I420 output frame.

A scene is an ordered list of layers: video from a source, an image with
alpha, text, a solid colour. Each layer has a rectangle, an opacity and a
visibility. Images and text are converted to premultiplied YUV once, when their
content or size changes (or handed over converted, by the overlay raster worker:
:func:`premultiply`); a slide, a clip at the canvas edge and a fade reuse those
planes (a view, an integer scale), so nothing float-heavy runs per frame on the
output clock. Per frame only the layer's own rectangle is blended: two OpenCV
byte passes per plane (numpy integer arithmetic while a layer fades).

Two layer sets: ``program`` is what viewers get; ``guide`` layers are drawn
only into the local preview (commission, next cue, notes).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from studio.fonts import font
from studio.media.frame import (
    BufferPool,
    Frame,
    blank,
    crop_i420,
    fill_crop,
    fit_rect,
    planes,
    resize_i420,
    rgb_image_to_yuv444,
    rgb_to_yuv,
)
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
    """A source's newest frame, letterboxed (``fit``), cropped to fill (``fill``: its centre
    covers the rectangle, as a 连麦 tile does, when that keeps ``frame.FILL_KEEPS`` of the picture
    each way; a guide holding a product up must not lose it to the crop) or stretched."""

    source: Source | None = None
    fit: bool = True
    fill: bool = False
    _cache_key: tuple = field(default=(), repr=False)
    _cache: np.ndarray | None = field(default=None, repr=False)
    _cache_rect: tuple[int, int, int, int] = field(default=(0, 0, 0, 0), repr=False)


@dataclass(eq=False)
class ImageLayer(Layer):
    """RGBA pixels (straight alpha, uint8, H x W x 4); ``w``/``h`` default to the image size."""

    rgba: np.ndarray | None = None
    version: int = 0  # bump when rgba changes in place
    _prepared: tuple | None = field(default=None, repr=False)  # (whole image's planes,)
    _key: tuple = field(default=(), repr=False)
    _given: Premultiplied | None = field(default=None, repr=False)
    # (what it was placed for, (planes cut to the canvas, luma slices, chroma slices) or None)
    _placed: tuple = field(default=(), repr=False)

    def set_image(self, rgba: np.ndarray, planes: Premultiplied | None = None) -> None:
        """New pixels; ``planes`` (from :func:`premultiply`, drawn ahead) saves the conversion."""
        self.rgba = rgba
        self._given = planes
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
class Premultiplied:
    """Premultiplied YUV planes of an image at (x, y): what blending needs, nothing else.

    Twice: on a 0..256 alpha scale in uint16 (``*_pre``, ``*_inv``: fades scale these),
    and in uint8 (``*8``: colour x alpha / 255 and 255 - alpha), which the full-opacity
    blend takes. That one is two OpenCV passes over bytes, a multiply with its rounding
    and a saturating add, where numpy's uint16 multiply-add-shift made four passes and
    two conversions: a third of the time (docs/performance.md: part 1, session 12).
    """

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
    y_pre8: np.ndarray
    y_inv8: np.ndarray
    u_pre8: np.ndarray
    v_pre8: np.ndarray
    c_inv8: np.ndarray


def prepare_rgba(
    rgba: np.ndarray, x: int, y: int, w: int, h: int, opacity: float, cw: int, ch: int
) -> Premultiplied | None:
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
    u_mean = (yuv[:, :, 1].reshape(h // 2, 2, w // 2, 2) * a4).mean(axis=(1, 3))
    v_mean = (yuv[:, :, 2].reshape(h // 2, 2, w // 2, 2) * a4).mean(axis=(1, 3))
    return Premultiplied(
        x0,
        y0,
        w,
        h,
        y_pre,
        y_inv,
        np.rint(u_mean).astype(np.uint16),
        np.rint(v_mean).astype(np.uint16),
        (256 - np.rint(ac)).astype(np.uint16),
        bool((a256 >= 256).all()),
        _u8(yuv[:, :, 0] * a256 / 256),
        _u8(255 - a256 * (255 / 256)),
        _u8(u_mean / 256),
        _u8(v_mean / 256),
        _u8(255 - ac * (255 / 256)),
    )


def _u8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def premultiply(rgba: np.ndarray) -> Premultiplied | None:
    """The whole image's planes at opacity 1 (even size), for any thread to make ahead."""
    h, w = rgba.shape[0] // 2 * 2, rgba.shape[1] // 2 * 2
    return prepare_rgba(rgba[:h, :w], 0, 0, w, h, 1.0, w, h)


def _clip(p: Premultiplied, x: int, y: int, cw: int, ch: int) -> Premultiplied | None:
    """``p`` placed at (x, y) and cut to the canvas: views of its planes, no conversion."""
    x0, y0, x1, y1 = max(0, x), max(0, y), min(cw, x + p.w), min(ch, y + p.h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    if (x0, y0, x1, y1) == (x, y, x + p.w, y + p.h):
        if (p.x, p.y) == (x, y):
            return p
        # moved, whole (a sliding toast): the same planes at a new place; the constructor,
        # not dataclasses.replace, which costs ~10 us of introspection a frame
        return Premultiplied(
            x, y, p.w, p.h, p.y_pre, p.y_inv, p.u_pre, p.v_pre, p.c_inv, p.opaque,
            p.y_pre8, p.y_inv8, p.u_pre8, p.v_pre8, p.c_inv8,
        )  # fmt: skip
    ox, oy, w, h = x0 - x, y0 - y, x1 - x0, y1 - y0  # all even: chroma halves exactly
    luma = (slice(oy, oy + h), slice(ox, ox + w))
    chroma = (slice(oy // 2, (oy + h) // 2), slice(ox // 2, (ox + w) // 2))
    return Premultiplied(
        x0, y0, w, h, p.y_pre[luma], p.y_inv[luma], p.u_pre[chroma], p.v_pre[chroma],
        p.c_inv[chroma], p.opaque, p.y_pre8[luma], p.y_inv8[luma], p.u_pre8[chroma],
        p.v_pre8[chroma], p.c_inv8[chroma],
    )  # fmt: skip


def _faded(pre: np.ndarray, inv: np.ndarray, o: int) -> tuple[np.ndarray, np.ndarray]:
    """Premultiplied planes at ``o``/256 of their opacity (a fade): two integer multiplies."""
    pre_o = ((pre.astype(np.uint32) * o) >> 8).astype(np.uint16)
    inv_o = (256 - (((256 - inv.astype(np.uint32)) * o) >> 8)).astype(np.uint16)
    return pre_o, inv_o


def _blend_plane8(dst: np.ndarray, pre8: np.ndarray, inv8: np.ndarray) -> None:
    """dst = dst x inv8 / 255 + pre8, rounded and saturated, in place (a view is fine)."""
    cv2.multiply(dst, inv8, dst=dst, scale=1 / 255)
    cv2.add(dst, pre8, dst=dst)


def _blend_plane(dst: np.ndarray, pre: np.ndarray, inv: np.ndarray, tmp: np.ndarray) -> None:
    t = tmp[: dst.shape[0], : dst.shape[1]]
    np.multiply(dst, inv, out=t, dtype=np.uint16)
    t += pre
    t >>= 8
    dst[...] = t


def _shown_once(src: Source, scene: Scene) -> bool:
    """True when exactly one layer of the scene (program or guide) shows ``src``."""
    layers = (*scene.program, *scene.guide)
    return sum(isinstance(ly, VideoLayer) and ly.source is src for ly in layers) == 1


class Compositor:
    """Renders a scene into I420 frames of the output size."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.lock = threading.RLock()  # scene edits from other threads take it
        self._tmp = np.empty((height, width), np.uint16)
        self._black = blank(width, height)
        # canvases go to the encode queue, the encoder's AVFrame and program taps; one
        # comes back here once none of them holds it (no 3 MB page-faulted in per frame)
        self._canvases = BufferPool(self._black.shape, keep=8)
        # a lent source frame drawn on: its (seq, buffer id), what lay under each layer, and
        # the restored picture once asked for (see ``_borrow``)
        self._lent_key: tuple[int, int] = (-1, 0)
        self._lent_saved: list[tuple[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
        self._restored: np.ndarray | None = None
        self._saving: list | None = None
        self._asked: Source | None = None  # the source asked for canvas-size pictures

    def render(
        self, scene: Scene, with_guide: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(program frame, preview frame or None). Never blocks on a source."""
        with self.lock:
            first = next((ly for ly in scene.program if ly.visible and ly.opacity > 0), None)
            self._ask_size(first if isinstance(first, VideoLayer) else None, scene)
            # a picture that fills the frame is copied over it anyway: skip the black fill
            covered = isinstance(first, VideoLayer) and self._video_covers(first)
            self._saving = None
            canvas = self._borrow(first, scene) if covered else None
            drawn = first if canvas is not None else None  # its picture is the canvas already
            if canvas is None:
                canvas = self._canvases.take()
                if not covered:
                    np.copyto(canvas, self._black)
            for layer in scene.program:
                if layer.visible and layer.opacity > 0 and layer is not drawn:
                    self._draw(canvas, layer)
            self._saving = None
            preview = None
            if with_guide:
                preview = canvas.copy()
                for layer in scene.guide:
                    if layer.visible and layer.opacity > 0:
                        self._draw(preview, layer)
            return canvas, preview

    # -- drawing on the source's own buffer ---------------------------------------
    # ffmpeg's overlay filter blends onto the decoded picture; so does this, when the
    # source lent the frame (Frame.lent), it covers the canvas exactly and no other layer
    # shows that source: no 3 MB copy per frame. What lies under each later layer is kept
    # first, so a repeated source frame (no new one by the next tick) or any other use of
    # it gets the picture as the source gave it (``_picture``).

    def _ask_size(self, first: VideoLayer | None, scene: Scene) -> None:
        """Ask a lending source for pictures at the canvas size while the first layer shows
        it over the whole canvas and no other layer shows it: a decoding source then scales
        as it copies out of the decoder, and ``_borrow`` draws on that buffer. One pass over
        the picture instead of a copy and a scale (1080p into a 720p show). Withdrawn as
        soon as that stops being true, so no layer gets a picture smaller than it needs."""
        src = first.source if first is not None else None
        if self._asked is not None and self._asked is not src:
            self._asked.deliver_size = None
            self._asked = None
        if first is None or src is None:
            return
        frame = src.slot.peek()
        if frame is None or not frame.lent or src.borrower not in (None, self):
            return
        src.borrower = self  # one compositor sizes and draws on a source's frames
        covers = first.rect(self.width, self.height) == (0, 0, self.width, self.height)
        whole = covers and _shown_once(src, scene)
        src.deliver_size = (self.width, self.height) if whole else None
        self._asked = src if whole else None

    def _borrow(self, first: Layer | None, scene: Scene) -> np.ndarray | None:
        """The first layer's frame buffer to draw on, a clean copy of it on a repeat, or None."""
        assert isinstance(first, VideoLayer) and first.source is not None
        src = first.source
        frame = src.slot.peek()
        if (
            frame is None
            or not frame.lent
            or (frame.width, frame.height) != (self.width, self.height)
            or frame.data.shape != self._black.shape
            or not frame.data.flags.c_contiguous
            or src.borrower not in (None, self)
            or not _shown_once(src, scene)
        ):  # fmt: skip
            return None
        src.borrower = self  # one compositor draws on a source's frames, never two
        if self._lent_key == (frame.seq, id(frame.data)):  # a repeat: last tick drew on it
            canvas = self._canvases.take()
            np.copyto(canvas, self._picture(frame))
            return canvas
        self._lent_key, self._lent_saved, self._restored = (frame.seq, id(frame.data)), [], None
        self._saving = self._lent_saved
        return frame.data

    def _picture(self, frame: Frame) -> np.ndarray:
        """The frame's pixels as its source gave them (restored if this compositor drew on it)."""
        if self._lent_key != (frame.seq, id(frame.data)):
            return frame.data
        if self._restored is None:
            clean = frame.data.copy()
            cy, cu, cv = planes(clean, self.width, self.height)
            for (ys, cs), (yo, uo, vo) in reversed(self._lent_saved):
                cy[ys], cu[cs], cv[cs] = yo, uo, vo
            self._restored = clean
        return self._restored

    def _keep_under(self, canvas: np.ndarray, layer: Layer) -> None:
        """Save the canvas under ``layer``'s rectangle (before it is drawn on a lent frame);
        an image layer keeps its own (``_draw_image``), where it knows its place already."""
        cw, ch = self.width, self.height
        x, y, w, h = layer.rect(cw, ch)
        x0, y0, x1, y1 = max(0, x), max(0, y), min(cw, x + w), min(ch, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        ys = (slice(y0, y1), slice(x0, x1))
        cs = (slice(y0 // 2, (y1 + 1) // 2), slice(x0 // 2, (x1 + 1) // 2))
        yp, up, vp = planes(canvas, cw, ch)
        self._lent_saved.append(((ys, cs), (yp[ys].copy(), up[cs].copy(), vp[cs].copy())))

    def _draw(self, canvas: np.ndarray, layer: Layer) -> None:
        cw, ch = self.width, self.height
        if isinstance(layer, ImageLayer):  # keeps what lies under it itself
            if isinstance(layer, TextLayer):
                layer.rasterise()
            self._draw_image(canvas, layer)
            return
        if self._saving is not None:
            self._keep_under(canvas, layer)
        if isinstance(layer, VideoLayer):
            self._draw_video(canvas, layer)
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

    def _placed(
        self, layer: ImageLayer
    ) -> tuple[Premultiplied, tuple[slice, slice], tuple[slice, slice]] | None:
        """The layer's planes cut to the canvas and the slices they go to, worked out once
        while neither the image nor its place changes: a card that stays put costs a tuple
        compare a frame, not its geometry again (the clock thread's Python is what the
        studio spends beyond the ffmpeg CLI: docs/performance.md, part 1)."""
        rgba = layer.rgba
        if rgba is None:
            return None
        x, y = layer.x, layer.y  # read once: the key and the cut must agree
        key = (layer.version, id(rgba), layer.w, layer.h, x, y, self.width, self.height)
        kept = layer._placed
        if kept and kept[0] == key and layer._prepared is not None:
            return kept[1]
        ih, iw = rgba.shape[:2]
        w = _even(layer.w or iw)
        h = _even(layer.h or ih)
        content = (layer.version, id(rgba), w, h)
        if layer._key != content or layer._prepared is None:
            given = layer._given
            if given is not None and (given.w, given.h) == (w, h):
                whole: Premultiplied | None = given  # drawn and converted ahead
            else:
                whole = prepare_rgba(rgba, 0, 0, w, h, 1.0, w, h)
            layer._prepared, layer._key = (whole,), content
        whole = layer._prepared[0]
        part = (
            _clip(whole, _even(x), _even(y), self.width, self.height) if whole is not None else None
        )
        placed = None
        if part is not None:
            px, py, pw, ph = part.x, part.y, part.w, part.h  # all even
            luma = (slice(py, py + ph), slice(px, px + pw))
            chroma = (slice(py // 2, (py + ph) // 2), slice(px // 2, (px + pw) // 2))
            placed = (part, luma, chroma)
        layer._placed = (key, placed)
        return placed

    def _draw_image(self, canvas: np.ndarray, layer: ImageLayer) -> None:
        placed = self._placed(layer)
        if placed is None:
            return
        part, luma, chroma = placed
        yp, up, vp = planes(canvas, self.width, self.height)
        ys, us, vs = yp[luma], up[chroma], vp[chroma]
        if self._saving is not None:  # a lent frame: what lies under it, for a repeat
            self._saving.append(((luma, chroma), (ys.copy(), us.copy(), vs.copy())))
        self._blend_views(ys, us, vs, part, layer.opacity)

    def _blend(self, canvas: np.ndarray, p: Premultiplied, opacity: float = 1.0) -> None:
        yp, up, vp = planes(canvas, self.width, self.height)
        ys = yp[p.y : p.y + p.h, p.x : p.x + p.w]
        cy, cx = p.y // 2, p.x // 2
        us = up[cy : cy + p.h // 2, cx : cx + p.w // 2]
        vs = vp[cy : cy + p.h // 2, cx : cx + p.w // 2]
        self._blend_views(ys, us, vs, p, opacity)

    def _blend_views(
        self, ys: np.ndarray, us: np.ndarray, vs: np.ndarray, p: Premultiplied, opacity: float
    ) -> None:
        """Blend ``p`` onto the canvas's Y, U and V views of its rectangle, in place."""
        if opacity >= 1.0 and not p.opaque:  # the usual case first: no fade, alpha
            _blend_plane8(ys, p.y_pre8, p.y_inv8)
            _blend_plane8(us, p.u_pre8, p.c_inv8)
            _blend_plane8(vs, p.v_pre8, p.c_inv8)
            return
        o = round(opacity * 256)
        if o < 256:  # fading: scale the planes, never convert again
            y_pre, y_inv = _faded(p.y_pre, p.y_inv, o)
            u_pre, c_inv = _faded(p.u_pre, p.c_inv, o)
            v_pre, _ = _faded(p.v_pre, p.c_inv, o)
            _blend_plane(ys, y_pre, y_inv, self._tmp)
            _blend_plane(us, u_pre, c_inv, self._tmp)
            _blend_plane(vs, v_pre, c_inv, self._tmp)
            return
        if p.opaque:
            ys[...] = p.y_pre8
            us[...] = p.u_pre8
            vs[...] = p.v_pre8
            return
        _blend_plane8(ys, p.y_pre8, p.y_inv8)
        _blend_plane8(us, p.u_pre8, p.c_inv8)
        _blend_plane8(vs, p.v_pre8, p.c_inv8)

    def _draw_video(self, canvas: np.ndarray, layer: VideoLayer) -> None:
        if layer.source is None:
            return
        frame = layer.source.slot.peek()
        if frame is None:
            return
        cw, ch = self.width, self.height
        x, y, w, h = layer.rect(cw, ch)
        whole = (0, 0, frame.width, frame.height)
        crop = (fill_crop(frame.width, frame.height, w, h) if layer.fill else None) or whole
        if layer.fit and crop[2:] == whole[2:]:
            fx, fy, w, h = fit_rect(frame.width, frame.height, w, h)
            x, y = x + fx, y + fy
        picture = self._picture(frame)  # the restored copy if this frame was drawn on
        key = (frame.seq, id(picture), w, h, crop)
        covers = (x, y, w, h) == (0, 0, cw, ch) and layer.opacity >= 1.0
        if covers and (crop[2:] != (w, h) or crop[:2] != (0, 0)):
            # scaled or cropped to fill the canvas: scale straight into it (no cached copy
            # to copy again; a repeated source frame is scaled again, which is rarer)
            part = crop_i420(picture, frame.width, frame.height, *crop)
            resize_i420(part, crop[2], crop[3], w, h, out=canvas)
            layer._cache, layer._cache_key = None, ()
            return
        if key != layer._cache_key:
            part = crop_i420(picture, frame.width, frame.height, *crop)
            layer._cache = resize_i420(part, crop[2], crop[3], w, h)
            layer._cache_key = key
        src = layer._cache
        assert src is not None
        if covers:
            np.copyto(canvas, src)
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
