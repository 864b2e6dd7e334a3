"""The compositor blends exactly the pixels it should, in the encoder's colour space."""

from __future__ import annotations

import numpy as np

from studio.media.compositor import Compositor, ImageLayer, Scene, SolidLayer, TextLayer, VideoLayer
from studio.media.frame import Frame, i420_to_bgr, planes, rgb_image_to_yuv444, rgb_to_yuv
from studio.media.sources.base import Source

W, H = 320, 180


def rgba(w: int, h: int, rgb: tuple[int, int, int], a: int) -> np.ndarray:
    img = np.empty((h, w, 4), np.uint8)
    img[:] = (*rgb, a)
    return img


def y_of(frame: np.ndarray) -> np.ndarray:
    return planes(frame, W, H)[0]


def test_opaque_image_covers_only_its_rectangle() -> None:
    c = Compositor(W, H)
    scene = Scene(
        "s", program=[ImageLayer("card", x=40, y=20, rgba=rgba(100, 60, (255, 0, 0), 255))]
    )
    out, preview = c.render(scene)
    assert preview is None
    y, _u, v = planes(out, W, H)
    ry, _ru, rv = rgb_to_yuv((255, 0, 0))
    assert np.all(np.abs(y[20:80, 40:140].astype(int) - ry) <= 1)
    assert np.all(np.abs(v[10:40, 20:70].astype(int) - rv) <= 1)
    by, _, _ = rgb_to_yuv((0, 0, 0))
    assert np.all(y[:20] == by) and np.all(y[80:] == by) and np.all(y[:, :40] == by)


def test_half_alpha_blends_half_way() -> None:
    c = Compositor(W, H)
    scene = Scene(
        "s",
        program=[
            SolidLayer("bg", rgb=(255, 255, 255)),
            ImageLayer("shade", x=0, y=0, rgba=rgba(W, H, (0, 0, 0), 128)),
        ],
    )
    out, _ = c.render(scene)
    white, black = rgb_to_yuv((255, 255, 255))[0], rgb_to_yuv((0, 0, 0))[0]
    expected = white + (black - white) * 128 / 255
    assert abs(float(y_of(out).mean()) - expected) < 1.5


def test_any_alpha_over_any_picture_lands_within_two_levels_of_the_exact_blend() -> None:
    """Straight alpha, every level from 0 to 255, over a noisy picture: each plane within
    two levels (roundings) of picture x (1 - a) + colour x a, at full opacity and faded;
    chroma with the alpha of each 2 x 2 block, as 4:2:0 carries it."""
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (64, 256, 4), np.uint8)
    img[:, :, 3] = np.arange(256, dtype=np.uint8)[None, :]  # each column its own alpha
    picture = rng.integers(16, 236, (H * 3 // 2, W), np.uint8)

    class Still(Source):
        kind = "still"

        def _workers(self) -> list[tuple[object, str]]:
            return []

    def block_mean(x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).mean(axis=(1, 3))

    src = Still("still", W, H, 30)
    src.slot.put(Frame(picture.copy(), W, H, 0.0, 1))
    yuv = rgb_image_to_yuv444(img[:, :, :3])
    for opacity in (1.0, 0.5):
        layer = ImageLayer("card", x=32, y=40, rgba=img, opacity=opacity)
        out, _ = Compositor(W, H).render(Scene("s", program=[VideoLayer("v", source=src), layer]))
        a = img[:, :, 3] / 255.0 * opacity
        ac = block_mean(a)
        for i, (rows, cols) in enumerate(
            ((slice(40, 104), slice(32, 288)),) + ((slice(20, 52), slice(16, 144)),) * 2
        ):
            got = planes(out, W, H)[i][rows, cols].astype(float)
            under = planes(picture, W, H)[i][rows, cols]
            if i == 0:
                exact = under * (1 - a) + yuv[:, :, 0] * a
            else:
                exact = under * (1 - ac) + block_mean(yuv[:, :, i] * a)
            assert np.abs(got - exact).max() <= 2.0, (i, opacity)
            assert np.abs(got - exact).mean() < 0.7, (i, opacity)
        assert np.array_equal(y_of(out)[:40], planes(picture, W, H)[0][:40])  # untouched


def test_opacity_and_visibility() -> None:
    c = Compositor(W, H)
    layer = ImageLayer("x", rgba=rgba(W, H, (255, 255, 255), 255), opacity=0.0)
    scene = Scene("s", program=[layer])
    assert y_of(c.render(scene)[0]).max() == 16
    layer.opacity = 1.0
    assert y_of(c.render(scene)[0]).min() > 200
    layer.visible = False
    assert y_of(c.render(scene)[0]).max() == 16


def test_guide_layer_only_in_preview() -> None:
    c = Compositor(W, H)
    scene = Scene("s", guide=[SolidLayer("note", x=0, y=0, w=100, h=50, rgb=(255, 255, 255))])
    program, preview = c.render(scene, with_guide=True)
    assert preview is not None
    assert y_of(program).max() == 16
    assert y_of(preview)[:50, :100].min() > 200


def test_layer_partly_off_canvas_is_clipped() -> None:
    c = Compositor(W, H)
    scene = Scene(
        "s",
        program=[ImageLayer("edge", x=W - 20, y=H - 10, rgba=rgba(80, 80, (255, 255, 255), 255))],
    )
    out, _ = c.render(scene)
    y = y_of(out)
    assert y[H - 10 :, W - 20 :].min() > 200
    assert y[: H - 10].max() == 16


def test_text_layer_renders_chinese_glyphs() -> None:
    c = Compositor(W, H)
    t = TextLayer("t", x=10, y=10, text="限时秒杀 ¥99", size=28, background=None)
    out, _ = c.render(Scene("s", program=[t]))
    assert t.rgba is not None and t.rgba.shape[1] > 100
    # glyph pixels, not tofu boxes: many distinct lit columns across the text
    lit = (y_of(out)[10:60, 10:200] > 100).any(axis=0)
    assert lit.sum() > 60
    v1 = t.version
    c.render(Scene("s", program=[t]))
    assert t.version == v1  # not re-rasterised without a change


class _Still(Source):
    kind = "still"

    def __init__(self, w: int, h: int, rgb: tuple[int, int, int]) -> None:
        super().__init__("still", w, h, 30)
        from studio.media.frame import blank

        self.slot.put(Frame(blank(w, h, rgb), w, h, 0.0, 1))

    def _workers(self):  # type: ignore[no-untyped-def]
        return []


def test_video_layer_letterboxes_a_portrait_source() -> None:
    c = Compositor(W, H)
    src = _Still(90, 160, (0, 0, 255))
    out, _ = c.render(Scene("s", program=[VideoLayer("cam", source=src)]))
    bgr = i420_to_bgr(out)
    middle = bgr[:, W // 2]
    sides = bgr[:, 5]
    assert middle[:, 0].mean() > 200  # blue in the middle
    assert sides.max() < 30  # black bars on the sides


def test_sliding_layer_reuses_its_prepared_pixels_and_lands_where_asked() -> None:
    c = Compositor(W, H)
    layer = ImageLayer("toast", x=0, y=20, rgba=rgba(60, 40, (255, 255, 255), 255))
    scene = Scene("s", program=[layer])
    c.render(scene)
    planes_before = layer._prepared[0].y_pre
    layer.x = 100
    out, _ = c.render(scene)
    assert layer._prepared[0].y_pre is planes_before  # moved, not re-converted
    y = y_of(out)
    assert y[20:60, 100:160].min() > 200 and y[20:60, :100].max() == 16
    layer.x = W - 30  # now partly off the canvas: a clip of the same planes, not a new one
    out, _ = c.render(scene)
    assert layer._prepared[0].y_pre is planes_before
    assert y_of(out)[20:60, W - 30 :].min() > 200
    layer.opacity = 0.5  # a fade scales the planes, it does not convert again
    out, _ = c.render(scene)
    assert layer._prepared[0].y_pre is planes_before
    assert 100 < y_of(out)[20:60, W - 30 :].mean() < 150  # half way from black to white


def test_full_frame_picture_skips_the_black_fill_but_letterbox_keeps_it() -> None:
    c = Compositor(W, H)
    full = _Still(W, H, (255, 0, 0))
    out, _ = c.render(Scene("s", program=[VideoLayer("cam", source=full)]))
    assert abs(int(y_of(out).mean()) - rgb_to_yuv((255, 0, 0))[0]) <= 1
    portrait = _Still(90, 160, (255, 0, 0))
    out, _ = c.render(Scene("s", program=[VideoLayer("cam", source=portrait)]))
    assert y_of(out)[:, :10].max() == 16  # the bars are black, not stale memory


def test_fill_crops_the_centre_when_that_keeps_most_of_the_picture() -> None:
    """A 连麦 tile: a 16:9 guest in a narrower tile covers it (no bars) with its centre kept;
    a tile that would cut away more than a quarter letterboxes instead (a product held up
    at the edge of the picture must stay on the program)."""
    from studio.media.frame import blank

    c = Compositor(W, H)
    src = _Still(320, 180, (0, 0, 0))
    pic = blank(320, 180, (255, 0, 0))  # red, with a green centre band 40 px wide
    centre = blank(40, 180, (0, 255, 0))
    py, pu, pv = planes(pic, 320, 180)
    cy, cu, cv = planes(centre, 40, 180)
    py[:, 140:180], pu[:, 70:90], pv[:, 70:90] = cy, cu, cv
    src.slot.put(Frame(pic, 320, 180, 0.0, 2))
    tile = VideoLayer("guest", source=src, x=0, y=0, w=260, h=180, fill=True)
    bgr = i420_to_bgr(c.render(Scene("s", program=[tile]))[0])
    assert bgr[:, :260].max(axis=2).min() > 150  # no black bar anywhere in the tile
    assert bgr[90, 130, 1] > 200 and bgr[90, 130, 2] < 60  # the green centre in its middle
    assert bgr[90, 4, 2] > 200  # red at its edges: the crop kept the middle 260 px
    assert bgr[:, 264:].max() < 30  # and nothing outside the tile
    narrow = VideoLayer("guest", source=src, x=0, y=0, w=100, h=180, fill=True)
    bgr = i420_to_bgr(c.render(Scene("s", program=[narrow]))[0])
    assert bgr[:60, 50].max() < 30 and bgr[-60:, 50].max() < 30  # letterboxed: bars
    assert bgr[90, 2, 2] > 200 and bgr[90, 97, 2] > 200  # the whole width shown, red edges


def test_a_layer_kept_in_place_follows_every_change_of_image_place_and_canvas() -> None:
    """The placement a layer keeps between frames is worked out again whenever what it was
    worked out for changes: pixels edited in place (version), a new image, a move, a new
    size, a compositor of another size. Each frame equals a fresh layer's on a fresh canvas."""

    def pattern(w: int, h: int, seed: int) -> np.ndarray:  # no two rows or columns alike
        return np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)

    card = ImageLayer("card", x=40, y=20, rgba=pattern(60, 40, 1))

    def fresh(comp_w: int, comp_h: int) -> np.ndarray:
        twin = ImageLayer("twin", x=card.x, y=card.y, w=card.w, h=card.h, rgba=card.rgba.copy())
        return Compositor(comp_w, comp_h).render(Scene("s", program=[twin]))[0]

    sizes = [(W, H), (W, H // 2), (W // 2, H // 2)]  # one side changes between each two
    comps = [Compositor(cw, ch) for cw, ch in sizes]
    scene = Scene("s", program=[card])
    steps = [
        lambda: None,
        lambda: setattr(card, "x", 100),  # moved
        lambda: (card.rgba.__setitem__((slice(None), slice(None)), (0, 0, 255, 255)),
                 setattr(card, "version", card.version + 1)),  # edited in place
        lambda: card.set_image(pattern(30, 30, 2)),  # a new image
        lambda: setattr(card, "w", 50),  # scaled
        lambda: setattr(card, "x", 150),  # half off the small canvas
        lambda: setattr(card, "x", -20),  # half off the left edge
        lambda: setattr(card, "y", 70),  # half off the small canvas's bottom
        lambda: setattr(card, "h", 20),  # squashed
        lambda: setattr(card, "rgba", pattern(30, 30, 3)),  # swapped, no version bump
    ]  # fmt: skip
    last = (comps[-1], sizes[-1])
    for step in steps:
        step()
        # first on the compositor that drew last (what it kept is what is under test),
        # then on each size in turn, one side changing between each two
        for comp, (cw, ch) in [last, *zip(comps, sizes, strict=True)]:
            assert np.array_equal(comp.render(scene)[0], fresh(cw, ch))
