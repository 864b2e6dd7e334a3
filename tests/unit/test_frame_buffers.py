"""Reused frame buffers: nothing anyone still holds is ever written again.

The compositor's canvases, the decoders' pictures and the encoder's AVFrames
share memory to save full-frame copies; these tests check that a frame kept by
someone (a program tap, the encode queue, a view) keeps its pixels, and that the
pixels are the ones the copying path gave.
"""

from __future__ import annotations

import av
import numpy as np

from studio.config import Profile
from studio.media.compositor import Compositor, ImageLayer, Scene, VideoLayer
from studio.media.encoder import Encoder
from studio.media.frame import (
    BufferPool,
    Frame,
    av_frame_to_i420,
    blank,
    planes,
    resize_i420,
    rgb_to_yuv,
)
from studio.media.sources.base import Source


class _Fed(Source):
    kind = "fed"

    def __init__(self, w: int, h: int) -> None:
        super().__init__("fed", w, h, 30)
        self.seq = 0

    def show(self, data: np.ndarray) -> None:
        self.seq += 1
        self.slot.put(Frame(data, self.width, self.height, 0.0, self.seq))

    def _workers(self):  # type: ignore[no-untyped-def]
        return []


def _noise(w: int, h: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(16, 236, (h * 3 // 2, w), dtype=np.uint8)


def test_pool_hands_out_only_buffers_nobody_holds() -> None:
    pool = BufferPool((6, 4), keep=2)
    a = pool.take()
    b = pool.take()
    assert a is not b
    view = a[1:3]  # a view keeps its base held
    del a
    c = pool.take()
    assert c is not view.base and c is not b
    del view
    d = pool.take()
    assert any(d is buf for buf in pool._bufs)  # released: reused, not a new array
    assert d is not b and d is not c


def test_a_kept_canvas_is_never_rewritten_by_later_frames() -> None:
    """What a program tap or the encode queue holds stays the frame it was."""
    w, h = 64, 36
    comp = Compositor(w, h)
    src = _Fed(w, h)
    card = ImageLayer("card", x=8, y=8, rgba=np.full((10, 20, 4), (255, 0, 0, 255), np.uint8))
    scene = Scene("s", program=[VideoLayer("cam", source=src), card])
    kept = []
    for k in range(12):  # more frames than the pool keeps
        src.show(_noise(w, h, k))
        frame, _ = comp.render(scene)
        kept.append((frame, frame.copy()))
    for frame, snapshot in kept:
        assert np.array_equal(frame, snapshot)
    ry = rgb_to_yuv((255, 0, 0))[0]
    for k, (frame, _) in enumerate(kept):  # each is its own source picture plus the card
        y = planes(frame, w, h)[0]
        assert np.array_equal(y[20:], planes(_noise(w, h, k), w, h)[0][20:])
        assert abs(int(y[8:18, 8:28].mean()) - ry) <= 1


def test_released_canvases_are_reused_and_carry_no_stale_pixels() -> None:
    w, h = 64, 36
    comp = Compositor(w, h)
    src = _Fed(w, h)
    scene = Scene("s", program=[VideoLayer("cam", source=src)])
    src.show(blank(w, h, (255, 255, 255)))
    first, _ = comp.render(scene)
    first_id = id(first)
    del first
    portrait = _Fed(90, 160)  # letterboxed next: the bars must be filled black again
    portrait.show(blank(90, 160, (255, 255, 255)))
    second, _ = comp.render(Scene("s", program=[VideoLayer("cam", source=portrait)]))
    assert id(second) == first_id  # the same buffer came back
    assert planes(second, w, h)[0][:, :5].max() == 16  # its letterbox bars are black again


def test_scaled_straight_into_the_canvas_matches_the_copying_path() -> None:
    """A 1080p picture on a 720p canvas, scaled into the canvas, and again on a repeat tick."""
    comp = Compositor(1280, 720)
    src = _Fed(1920, 1080)
    pic = _noise(1920, 1080, 3)
    src.show(pic)
    scene = Scene("s", program=[VideoLayer("cam", source=src)])
    expected = resize_i420(pic, 1920, 1080, 1280, 720)
    out, _ = comp.render(scene)
    assert np.array_equal(out, expected)
    again, _ = comp.render(scene)  # no new source frame: the same picture
    assert np.array_equal(again, expected) and np.array_equal(out, expected)


def test_decoding_into_a_pool_gives_the_same_pixels_as_to_ndarray() -> None:
    for w, h in ((1280, 720), (642, 362)):  # 642: the decoder pads each line
        pic = _noise(w, h, 5)
        frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
        pool = BufferPool((h * 3 // 2, w), keep=2)
        data, fw, fh = av_frame_to_i420(frame, pool)
        assert (fw, fh) == (w, h)
        assert np.array_equal(data, frame.to_ndarray())
        assert any(data is buf for buf in pool._bufs)


def test_encoder_takes_the_canvas_without_keeping_it() -> None:
    """Frames handed over without a copy decode back to their own pictures, and the
    canvas is free for the pool once ``encode_video`` returned."""
    w, h = 320, 180
    profile = Profile(width=w, height=h, fps=30, video_bitrate=2_000_000, encoder="x264")
    enc = Encoder(profile)
    pool = BufferPool((h * 3 // 2, w), keep=1)
    greys = [40, 120, 200, 80]
    packets = []
    try:
        for i, g in enumerate(greys):
            canvas = pool.take()
            canvas[...] = blank(w, h, (g, g, g))
            packets += enc.encode_video(canvas, i)
            del canvas
        assert len(pool._bufs) == 1  # the one buffer came back every time
        packets += enc.encode_video(None, 0)
    finally:
        enc.close()
    dec = av.CodecContext.create("h264", "r")
    dec.extradata = enc.video.codec_context.extradata
    got = []
    for p in packets:
        pkt = av.Packet(p.data)
        pkt.pts = p.pts
        got += [int(f.to_ndarray()[:h].mean()) for f in dec.decode(pkt)]
    got += [int(f.to_ndarray()[:h].mean()) for f in dec.decode(None)]
    want = [rgb_to_yuv((g, g, g))[0] for g in greys]
    assert len(got) == len(want)
    assert all(abs(a - b) <= 3 for a, b in zip(got, want, strict=True))


class _Lending(_Fed):
    """A source that hands over each frame's buffer, as the file and URL sources do."""

    def show(self, data: np.ndarray) -> None:
        self.seq += 1
        self.slot.put(Frame(data, self.width, self.height, 0.0, self.seq, lent=True))


def _card(w: int, h: int, rgb: tuple[int, int, int], a: int = 255) -> np.ndarray:
    return np.full((h, w, 4), (*rgb, a), np.uint8)


def _expected(pic: np.ndarray, w: int, h: int, layers: list[ImageLayer]) -> np.ndarray:
    """The same scene composed by a compositor that copies (the source does not lend)."""
    src = _Fed(w, h)
    src.show(pic.copy())
    out, _ = Compositor(w, h).render(Scene("s", program=[VideoLayer("cam", source=src), *layers]))
    return out


def test_overlays_drawn_on_a_lent_frame_leave_no_trace_on_a_repeat() -> None:
    """Drawn onto the source's own buffer; a tick without a new frame, the card moved and a
    half-transparent toast faded, shows the clean picture under where they were."""
    w, h = 96, 54
    pic = _noise(w, h, 9)
    src = _Lending(w, h)
    card = ImageLayer("card", x=10, y=6, rgba=_card(24, 16, (255, 0, 0)))
    toast = ImageLayer("toast", x=40, y=30, rgba=_card(30, 12, (0, 0, 255), 128))
    comp = Compositor(w, h)
    scene = Scene("s", program=[VideoLayer("cam", source=src), card, toast])
    lent = pic.copy()
    src.show(lent)
    first, _ = comp.render(scene)
    assert first is lent  # drawn on in place: no copy
    assert np.array_equal(first, _expected(pic, w, h, [card, toast]))
    card.x, toast.opacity = 50, 0.5  # the next tick has no new source frame
    again, _ = comp.render(scene)
    assert again is not lent
    assert np.array_equal(again, _expected(pic, w, h, [card, toast]))
    assert np.array_equal(first[:6], pic[:6])  # what was handed on is never written again
    card.visible = toast.visible = False
    bare, _ = comp.render(scene)
    assert np.array_equal(bare, pic)


def test_a_lent_frame_is_copied_when_another_layer_shows_it_or_it_fades() -> None:
    w, h = 96, 54
    pic = _noise(w, h, 11)
    src = _Lending(w, h)
    card = ImageLayer("card", x=10, y=6, rgba=_card(24, 16, (0, 255, 0)))
    cam = VideoLayer("cam", source=src)
    pip = VideoLayer("pip", source=src, x=60, y=30, w=32, h=18)
    comp = Compositor(w, h)
    lent = pic.copy()
    src.show(lent)
    out, _ = comp.render(Scene("s", program=[cam, card, pip]))
    assert out is not lent and np.array_equal(lent, pic)  # two layers: the buffer untouched
    comp.render(Scene("s", program=[cam, card]))  # drawn on in place now
    cam.opacity = 0.5  # a fade on the same (repeated) frame uses the clean picture
    faded, _ = comp.render(Scene("s", program=[cam]))
    ref_src = _Fed(w, h)
    ref_src.show(pic.copy())
    ref, _ = Compositor(w, h).render(
        Scene("s", program=[VideoLayer("cam", source=ref_src, opacity=0.5)])
    )
    assert np.array_equal(faded, ref)


def test_decoded_at_the_size_asked_for_matches_the_copy_then_scale_path() -> None:
    """Scaling straight out of the decoder's planes gives what copying them out and scaling
    the copy gives (libswscale's area filter, 1080p -> 720p and -> 360p); another aspect is not
    scaled by the source (the compositor crops or letterboxes it)."""
    pic = _noise(1920, 1080, 13)
    frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
    for w, h in ((1280, 720), (640, 360)):
        pool = BufferPool((h * 3 // 2, w), keep=2)
        data, fw, fh = av_frame_to_i420(frame, pool, (w, h))
        assert (fw, fh) == (w, h) and any(data is buf for buf in pool._bufs)
        assert np.array_equal(data, resize_i420(pic, 1920, 1080, w, h))
    data, fw, fh = av_frame_to_i420(frame, None, (720, 720))
    assert (fw, fh) == (1920, 1080) and np.array_equal(data, pic)


def test_the_compositor_asks_for_its_canvas_size_only_while_the_picture_fills_it() -> None:
    """A lending 1080p source under a 720p canvas is asked for 720p; shown as a tile, it is
    asked for nothing (its own size); and the program is the same pixels either way."""
    w, h = 1280, 720
    pic = _noise(1920, 1080, 17)
    card = ImageLayer("card", x=40, y=30, rgba=_card(200, 120, (255, 0, 0), 200))
    src = _Lending(1920, 1080)
    cam = VideoLayer("cam", source=src)
    comp = Compositor(w, h)
    src.show(pic.copy())
    first, _ = comp.render(Scene("s", program=[cam, card]))
    assert src.deliver_size == (w, h)
    expected = _expected(resize_i420(pic, 1920, 1080, w, h), w, h, [card])
    assert np.array_equal(first, expected)
    # the source now hands over 720p pictures (as av_frame_to_i420 scales them), drawn on
    delivered, _, _ = av_frame_to_i420(
        av.VideoFrame.from_ndarray(pic, format="yuv420p"), None, (w, h)
    )
    src.width, src.height = w, h
    src.show(delivered)
    out, _ = comp.render(Scene("s", program=[cam, card]))
    assert out is delivered and np.array_equal(out, expected)
    tile = VideoLayer("cam", source=src, x=0, y=0, w=640, h=360)
    comp.render(Scene("s", program=[tile, card]))
    assert src.deliver_size is None  # a tile: the source's own size again
    comp.render(Scene("s", program=[cam, card]))
    assert src.deliver_size == (w, h)
    comp.render(Scene("s", program=[cam, card, tile]))
    assert src.deliver_size is None  # shown twice
    comp.render(Scene("s", program=[cam, card]))
    backdrop = ImageLayer("bg", x=0, y=0, rgba=_card(w, h, (0, 0, 0)))
    comp.render(Scene("s", program=[backdrop, tile]))
    assert src.deliver_size is None  # no longer the picture under everything: withdrawn
