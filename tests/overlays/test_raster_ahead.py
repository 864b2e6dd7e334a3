"""Overlay images are drawn ahead on the raster worker, never on the output-clock thread.

A 1080p card with a QR code took 200 ms to draw on the clock thread (six frame periods). Now a
script's cards, pop-ups and promos are drawn at prepare time, a guide's click on the caller's
thread, a countdown's next second while the current one is on air; the clock only looks up.
"""

from __future__ import annotations

import textwrap
import threading
from typing import Any

import pytest

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource
from studio.overlays import widgets
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show

FPS = 25
PROFILE = Profile(width=640, height=360, fps=FPS, video_bitrate=400_000)
SHOW = textwrap.dedent(
    """\
    [show]
    title = "预绘"
    duration = 10

    [[segments]]
    title = "毛衣"
    length = 9
      [[segments.cues]]
      id = "card"
      at = 0.8
      action = "show_card"
      product = "GS-1001"
      [[segments.cues]]
      id = "flash"
      at = 1.6
      action = "pop_link"
      product = "GS-1001"
      flash_price = 299
      duration = 3
      [[segments.cues]]
      id = "coupon"
      at = 2.2
      action = "coupon"
      amount = 20
      threshold = 199
      duration = 2
    """
)
DRAWN = ("product_card", "purchase_popup", "coupon", "clock", "guide_panel", "order_toast")


def test_drawing_happens_on_the_raster_worker_and_scripted_cues_land_on_their_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[tuple[str, str]] = []
    for name in DRAWN:
        real = getattr(widgets, name)

        def spy(*a: Any, _real=real, _name=name, **k: Any) -> Any:  # type: ignore[no-untyped-def]
            threads.append((_name, threading.current_thread().name))
            return _real(*a, **k)

        monkeypatch.setattr(widgets, name, spy)

    from studio.media import compositor

    converted_on: list[str] = []
    real_prepare = compositor.prepare_rgba

    def prepare_spy(*a: Any, **k: Any) -> Any:
        converted_on.append(threading.current_thread().name)
        return real_prepare(*a, **k)

    monkeypatch.setattr(compositor, "prepare_rgba", prepare_spy)
    cat = demo_catalog()
    pipeline = Pipeline(PROFILE)
    pipeline.add_source(TestPatternSource(PROFILE.width, PROFILE.height, FPS))
    overlays = OverlayManager.attach(pipeline, cat)
    engine = CueEngine.attach(pipeline, parse_show(SHOW, cat), overlays)
    assert overlays.raster is not None and overlays.raster.idle(20)  # drawn at prepare time
    seen: dict[int, tuple[bool, bool, bool]] = {}

    def after_overlays(frame: int, _t: float) -> None:
        s = overlays.slots
        seen[frame] = (s["card"].layer.visible, s["popup"].layer.visible, s["promo"].layer.visible)

    pipeline.tick_hooks.append(after_overlays)
    pipeline.start()
    try:
        assert pipeline.wait(3.0)
        # the scripted overlays; the guide-only panel follows segment changes a few frames
        # late, drawn when they happen, and the clock's first second after a set-up longer
        # than a second may be too
        late_scripted = {k: n for k, n in overlays.late.items() if k in ("card", "popup", "promo")}
        # a guide's click and an order from the feed, asked from other threads
        overlays.show_card("GS-1002")
        pipeline.bus.publish("commerce.order", sku="GS-1001", amount=399, buyer_phone_tail="8821")
        assert pipeline.wait(1.5)
    finally:
        pipeline.stop()
        engine.close()
        overlays.detach()
    fired = {f.cue_id: f.frame for f in engine.fired}
    assert set(fired) == {"card", "flash", "coupon"}
    # each scripted overlay is on screen on the very frame its cue fired
    assert seen[fired["card"]][0] and seen[fired["flash"]][1] and seen[fired["coupon"]][2]
    assert late_scripted == {}, "a scripted overlay was not drawn ahead"
    names = {n for n, _ in threads}
    assert {"product_card", "purchase_popup", "coupon", "order_toast"} <= names
    off_worker = [(n, t) for n, t in threads if t != "overlay-raster"]
    assert off_worker == [], off_worker  # nothing drawn on the clock (or any other) thread
    # nor converted to the compositor's planes there, sliding, fading or clipped as they were
    assert "overlay-raster" in converted_on
    assert "output-clock" not in converted_on, converted_on.count("output-clock")


def test_without_a_worker_overlays_draw_on_the_tick_frame_by_frame() -> None:
    """Offline renders and frame-by-frame drivers keep drawing synchronously."""
    from studio.media.compositor import Scene

    mgr = OverlayManager(Scene("s"), 640, 360, demo_catalog(), clock=False)
    assert mgr.raster is None
    mgr.show_card("GS-1001")
    mgr.tick(0, 0.0)
    assert mgr.slots["card"].layer.visible and mgr.late_frames == 0


def test_a_countdown_next_second_is_drawn_while_this_one_is_on_air() -> None:
    from studio.media.compositor import Scene
    from studio.overlays.raster import RasterWorker

    raster = RasterWorker()
    try:
        mgr = OverlayManager(Scene("s"), 640, 360, demo_catalog(), clock=False, raster=raster)
        mgr.pop_link("GS-1001", duration=5, flash_price=299)
        assert raster.idle(20)
        t = 0.0
        keys = []
        for frame in range(int(3.5 * FPS)):
            mgr.tick(frame, t)
            keys.append(mgr.slots["popup"].key)
            assert raster.idle(20)  # the worker keeps up (a quiet machine: no deadline here)
            t += 1 / FPS
        lefts = sorted({k[-1] for k in keys if k}, reverse=True)
        assert lefts[:4] == [5.0, 4.0, 3.0, 2.0]
        assert mgr.late_frames == 0  # every second was ready before its first frame
    finally:
        raster.close()


def test_an_image_not_ready_lands_on_the_first_frame_after_it_is_drawn_and_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guide's click whose card takes longer to draw than the frame it asked for."""
    from studio.media.compositor import Compositor, Scene
    from studio.media.frame import planes
    from studio.overlays.raster import RasterWorker

    gate = threading.Event()
    real = widgets.product_card

    def slow_card(*a: Any, **k: Any) -> Any:
        gate.wait(20)  # the worker is still drawing when the ticks come
        return real(*a, **k)

    monkeypatch.setattr(widgets, "product_card", slow_card)
    raster = RasterWorker()
    try:
        scene = Scene("s")
        mgr = OverlayManager(scene, 640, 360, demo_catalog(), clock=False, raster=raster)
        comp = Compositor(640, 360)
        card = mgr.slots["card"].layer
        assert raster.idle(20)  # the guide panel, drawn at start
        before, _ = comp.render(scene)
        mgr.show_card("GS-1001")  # asked now; the next tick is the frame it wants
        for n in range(2):
            mgr.tick(n, n / FPS)
            frame, _ = comp.render(scene)
            assert not card.visible and (frame == before).all()  # nothing half-drawn on air
            assert mgr.late["card"] == n + 1  # each frame it missed is counted
        gate.set()
        assert raster.idle(20)
        mgr.tick(2, 2 / FPS)  # the first frame after the image is ready carries it
        frame, _ = comp.render(scene)
        assert card.visible and card.rgba is not None
        y, y0 = planes(frame, 640, 360)[0], planes(before, 640, 360)[0]
        h, w = card.rgba.shape[:2]
        region = (slice(card.y, card.y + h), slice(max(0, card.x), card.x + w))
        assert (y[region] != y0[region]).mean() > 0.3  # the card is in the composed frame
        assert mgr.late_frames == 2  # and no more late frames once it is there
    finally:
        gate.set()
        raster.close()
