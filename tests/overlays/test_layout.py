"""Layouts: every overlay combination inside the frame, clear of the platform's UI, disjoint.

Rectangles come from the real widgets at the layout's scale and width caps, placed by the
layout's regions and rounded to even pixels as the compositor draws them. Then a portrait
show through nginx-rtmp: the pop-up's QR scans from a pulled frame, the card is whole.
"""

from __future__ import annotations

import functools
import itertools
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.config import Profile
from studio.events import Event
from studio.media.compositor import Compositor, Scene, VideoLayer
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource, read_frame_code
from studio.overlays import widgets
from studio.overlays.layout import SAFE_AREAS, SLOTS, Layout, Rect, check, layout_for
from studio.overlays.links import placeholder_link_for
from studio.overlays.manager import ANIM_SECONDS, OverlayManager
from studio.show.catalog import Product, demo_catalog
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp
from tests.qr import first_qr

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SIZES = [(1280, 720), (1920, 1080), (720, 1280), (1080, 1920)]
PLATFORMS = [None, *SAFE_AREAS]
LONG = Product(
    sku="GS-LONG",
    name="超长名字的云南高山小粒咖啡豆礼盒装限量版中秋特别款",
    price=1288.5,
    list_price=19999.0,
    stock=3,
    color="#8a5a3c",
)
URL = "https://shop.example.com/p/abcdefghijklmnopqrstuvwx0123456789"


def _even(v: float) -> int:
    return round(v) // 2 * 2


@functools.cache
def _variants(scale: float, toast_w: float, lower_w: float) -> dict[str, list[tuple[int, int]]]:
    """(w, h) of every image each slot can show, at its largest."""
    sc = scale
    rows = [(f"导购{i}号超长的名字", 123456.78) for i in range(5)]

    def wh(img: np.ndarray) -> tuple[int, int]:
        return img.shape[1], img.shape[0]

    return {
        "card": [wh(widgets.product_card(LONG, s, sc)) for s in (0, 3, 500)],
        "popup": [
            wh(widgets.purchase_popup(LONG, URL, sc)),
            wh(widgets.purchase_popup(LONG, URL, sc, 999.99, 3599)),
            wh(widgets.purchase_popup(LONG, URL, sc, sold_out=True)),
        ],
        "promo": [
            wh(widgets.coupon(200, sc, 1999, "直播间专享超长标题优惠券")),
            wh(widgets.groupbuy(LONG, 2, 3, sc, 999.0, 59)),
            wh(widgets.groupbuy(LONG, 3, 3, sc)),
            wh(widgets.lottery("一等奖：超长的奖品名字咖啡机", sc, 30)),
            wh(widgets.lottery("咖啡机", sc, None, "张三丰")),
        ],
        "board": [wh(widgets.leaderboard(rows[:n], sc)) for n in (0, 1, 5)],
        "toast": [
            wh(widgets.order_toast(LONG.name * 2, sc, "13800138000", max_w=toast_w)),
            wh(widgets.order_toast("袜", sc, buyer="李", max_w=toast_w)),
        ],
        "lower": [
            wh(widgets.lower_third("小美 · 金牌导购" * 4, "旗舰店" * 20, sc, lower_w)),
            wh(widgets.lower_third("小美", "", sc, lower_w)),
        ],
        "clock": [wh(widgets.clock(86399, sc))],
    }


def _rects(lay: Layout) -> dict[str, list[Rect]]:
    v = _variants(lay.scale, lay.max_w("toast"), lay.max_w("lower"))
    out: dict[str, list[Rect]] = {}
    for slot, sizes in v.items():
        reg = lay.regions[slot]
        out[slot] = []
        for w, h in sizes:
            x, y = reg.place(w, h)
            out[slot].append(Rect(_even(x), _even(y), _even(w), _even(h)))
    return out


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p or "none")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_combination_is_inside_clear_and_disjoint(
    size: tuple[int, int], platform: str | None
) -> None:
    lay = layout_for(*size, platform)
    assert check(lay) == []
    assert lay.portrait == (size[1] > size[0])
    assert lay.scale >= 0.8 * min(size) / 720, "text would get too small to read"
    frame = Rect(0, 0, *size)
    rects = _rects(lay)
    for slot, rs in rects.items():
        for r in rs:
            assert frame.contains(r), (slot, r)
            assert lay.regions[slot].rect.contains(r), (slot, r, lay.regions[slot])
            assert not [c for c in lay.covered if c.overlaps(r)], (slot, r)
    # every subset of slots on air at once, each in every one of its variants
    for n in range(2, len(SLOTS) + 1):
        for combo in itertools.combinations(SLOTS, n):
            for a, b in itertools.combinations(combo, 2):
                for ra, rb in itertools.product(rects[a], rects[b]):
                    assert not ra.overlaps(rb), (a, ra, b, rb)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (640, 360)])
def test_landscape_without_a_platform_keeps_todays_places(size: tuple[int, int]) -> None:
    cw, ch = size
    sc = ch / 720
    m = 24 * sc
    lay = layout_for(cw, ch)
    assert lay.scale == sc and lay.covered == ()
    w, h = 300, 150  # any image size: the corner each slot hugs is what matters
    old = {
        "lower": (m, ch - m - h),
        "card": (m, ch - m - 76 * sc - 12 * sc - h),
        "popup": (cw - m - w, ch - m - h),
        "promo": (cw - m - w, m + 56 * sc),
        "board": (m, m),
        "toast": ((cw - w) / 2, m),
        "clock": (cw - m - w, m),
    }
    for slot, (x, y) in old.items():
        assert lay.regions[slot].place(w, h) == (round(x), round(y)), slot
    assert lay.max_w("toast") == 576 and lay.max_w("lower") == 600


def _all_on(mgr: OverlayManager) -> None:
    cat = mgr.catalog
    sku = next(iter(cat)).sku
    mgr.show_card(sku)
    mgr.pop_link(sku, flash_price=9.9)
    mgr.groupbuy(sku, 3, 99.0)
    mgr.leaderboard(None)
    mgr.lower_third("小美 · 金牌导购")
    mgr.on_commerce(Event("commerce.order", {"sku": sku, "buyer": "王小二", "amount": 99.0}))


def _run(mgr: OverlayManager, seconds: float = ANIM_SECONDS + 0.2, fps: int = 15) -> None:
    for k in range(round(seconds * fps) + 1):
        mgr.tick(k, k / fps)


@pytest.mark.parametrize(("size", "platform"), [((720, 1280), "channels"), ((1280, 720), None)])
def test_the_manager_places_everything_clear(size: tuple[int, int], platform: str | None) -> None:
    scene = Scene("s")
    mgr = OverlayManager(scene, *size, demo_catalog(), platform=platform, now=lambda: 1.7e9)
    _all_on(mgr)
    _run(mgr)
    on = {n: s.layer for n, s in mgr.slots.items() if n != "guide"}
    assert all(ly.visible and ly.rgba is not None for ly in on.values()), on
    frame = Rect(0, 0, *size)
    rects = {}
    for n, ly in on.items():
        assert ly.rgba is not None
        r = Rect(*ly.rect(*size)[:2], ly.rgba.shape[1], ly.rgba.shape[0])
        assert frame.contains(r) and not any(c.overlaps(r) for c in mgr.layout.covered), (n, r)
        rects[n] = r
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.overlaps(rb), (a, ra, b, rb)


def test_safe_areas_are_drawn_in_the_preview_only() -> None:
    w, h = 720, 1280
    scene = Scene("s")
    mgr = OverlayManager(scene, w, h, demo_catalog(), platform="douyin", clock=False)
    boxes = [ly for ly in scene.guide if ly.name.startswith("guide:safe-area")]
    assert len(boxes) == len(mgr.layout.covered) == 3
    assert not [ly for ly in scene.program if ly.name.startswith("guide:")]
    program, preview = Compositor(w, h).render(scene, with_guide=True)
    assert preview is not None
    top = mgr.layout.covered[0]
    y_prog, y_prev = program[:h], preview[:h]
    band = (slice(top.y + 4, top.bottom - 4), slice(4, w - 4))
    assert float(np.abs(y_prev[band].astype(int) - y_prog[band]).mean()) > 10
    middle = (slice(top.bottom + 300, top.bottom + 400), slice(10, 200))
    assert np.array_equal(y_prev[middle], y_prog[middle])  # outside the bands: untouched
    # no platform: no boxes
    plain = Scene("p")
    OverlayManager(plain, w, h, demo_catalog(), clock=False)
    assert not [ly for ly in plain.guide if ly.name.startswith("guide:safe-area")]


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        layout_for(720, 1280, "myspace")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_test_pattern_counter_and_code_fit(size: tuple[int, int]) -> None:
    w, h = size
    src = TestPatternSource(w, h, 15, caption="门店 A")
    scale = min(w, h) / 720
    box_w = int(520 * scale) // 2 * 2
    box_x = int(24 * scale) // 2 * 2
    assert box_x + box_w <= w
    text = "#123456  99:59:59.999"
    (tw, _th), _ = cv2.getTextSize(
        text, cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale, max(1, int(3 * scale))
    )
    assert int(14 * scale) + tw < box_w, (tw, box_w)
    frame = src.render(123456)
    assert read_frame_code(frame[:h]) == 123456


def _bgr(i420: np.ndarray, w: int, h: int) -> np.ndarray:
    return cv2.cvtColor(i420.reshape(h * 3 // 2, w), cv2.COLOR_YUV2BGR_I420)


def test_portrait_program_screenshot() -> None:
    """card + QR + group-buy + toast on 720x1280 for 视频号: saved for a person to look at."""
    w, h = 720, 1280
    src = TestPatternSource(w, h, 15)
    src._emit(src.render(42), w, h, 1.0)
    scene = Scene("s", program=[VideoLayer("camera", source=src)])
    mgr = OverlayManager(scene, w, h, demo_catalog(), platform="channels", now=lambda: 1.7e9)
    sku = next(iter(demo_catalog())).sku
    mgr.show_card(sku)
    mgr.pop_link(sku, flash_price=9.9)
    mgr.groupbuy(sku, 3, 99.0)
    mgr.on_commerce(Event("commerce.order", {"sku": sku, "phone_tail": "8821"}))
    _run(mgr)
    program, preview = Compositor(w, h).render(scene, with_guide=True)
    assert preview is not None
    ARTIFACTS.mkdir(exist_ok=True)
    prog = _bgr(program, w, h)
    cv2.imwrite(str(ARTIFACTS / "portrait-program-720x1280.png"), prog)
    cv2.imwrite(str(ARTIFACTS / "portrait-preview-720x1280.png"), _bgr(preview, w, h))
    assert first_qr(prog) == mgr.links[sku]


@pytest.mark.rtmp
def test_portrait_show_pushed_card_and_scannable_popup(nginx_rtmp: NginxRtmp) -> None:
    profile = Profile(width=720, height=1280, fps=15, video_bitrate=2_500_000)
    cat = demo_catalog()
    link_for = placeholder_link_for()
    sku = next(iter(cat)).sku
    expected = link_for(sku)
    pipeline = Pipeline(profile)
    pipeline.add_source(TestPatternSource(profile.width, profile.height, profile.fps))
    overlays = OverlayManager.attach(pipeline, cat, link_for=link_for, platform="channels")
    overlays.show_card(sku)
    overlays.pop_link(sku, duration=30)
    url = nginx_rtmp.url("portrait")
    out = pipeline.add_rtmp(url)
    pipeline.start()
    try:
        deadline = time.monotonic() + 10
        while out.state != "live" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.state == "live"
        pulled = read_media(url, seconds=3.5, keep_every=5)
        card = overlays.slots["card"].layer
        with overlays.lock:
            assert card.rgba is not None
            rgba = card.rgba.copy()
            x, y = card.rect(profile.width, profile.height)[:2]
    finally:
        pipeline.stop()
    assert not pulled.error and pulled.frames_kept, pulled.error
    assert (pulled.width, pulled.height) == (720, 1280)
    decoded = [first_qr(bgr) for bgr in pulled.frames_kept]
    assert expected in decoded, decoded
    ch, cw = rgba.shape[:2]
    assert x >= 0 and y >= 0 and x + cw <= 720 and y + ch <= 1280, (x, y, cw, ch)
    # the card as drawn arrived whole: its nearly opaque pixels match in the last frame
    got = pulled.frames_kept[-1][y : y + ch, x : x + cw].astype(int)
    want = rgba[:, :, 2::-1].astype(int)
    solid = rgba[:, :, 3] >= 230
    assert float(np.abs(got - want)[solid].mean()) < 20


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p or "none")
@pytest.mark.parametrize("size", [(720, 1280), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_portrait_order_toasts_sit_over_the_card_off_the_test_counter(
    size: tuple[int, int], platform: str | None
) -> None:
    """Toasts came in over the test pattern's counter (top-left); they now sit just above
    the card, as the apps' own purchase bubbles do, and never on the counter."""
    w, h = size
    lay = layout_for(w, h, platform)
    sc = min(w, h) / 720
    counter = Rect(int(24 * sc) // 2 * 2, int(24 * sc) // 2 * 2, int(520 * sc), int(96 * sc))
    toast, card = lay.regions["toast"].rect, lay.regions["card"].rect
    assert not toast.overlaps(counter), (toast, counter)
    assert toast.x == card.x and 0 < card.y - toast.bottom <= 16 * sc, (toast, card)
