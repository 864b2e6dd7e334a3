"""The overlay manager: layers, caching, animations, and reactions to commerce events."""

from __future__ import annotations

import numpy as np
import pytest

from studio.events import EventBus
from studio.media.compositor import Compositor, Scene
from studio.media.frame import rgb_to_yuv
from studio.overlays import widgets
from studio.overlays.manager import ANIM_SECONDS, TOAST_SECONDS, OverlayManager
from studio.show.catalog import demo_catalog

FPS = 30
W, H = 1280, 720


@pytest.fixture
def rig() -> tuple[OverlayManager, EventBus, Scene]:
    scene = Scene("t")
    bus = EventBus()
    mgr = OverlayManager(
        scene,
        W,
        H,
        demo_catalog(),
        now=lambda: 1_700_000_000.0,
        guide="小美",
        store="上海南京西路店",
        commission_rate=0.1,
    )
    mgr.listen(bus)
    return mgr, bus, scene


def run(mgr: OverlayManager, start: int, frames: int) -> int:
    for n in range(start, start + frames):
        mgr.tick(n, n / FPS)
    return start + frames


def test_guide_panel_is_only_in_the_guide_layer_set(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, _bus, scene = rig
    run(mgr, 0, 1)
    guide = mgr.slots["guide"].layer
    assert guide in scene.guide and guide not in scene.program
    comp = Compositor(W, H)
    program, preview = comp.render(scene, with_guide=True)
    assert preview is not None
    y_guide = rgb_to_yuv(widgets.GUIDE_BG[:3])[0]
    x, y = guide.x + 8, guide.y + 40
    assert abs(int(preview[y, x]) - y_guide) <= 2  # luma plane row y, column x
    assert abs(int(program[y, x]) - y_guide) > 10


def test_content_is_rasterised_once_and_slides_in_without_redrawing(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, _bus, _scene = rig
    n = run(mgr, 0, 2)
    base = mgr.rasterised
    mgr.show_card("GS-1001")
    layer = mgr.slots["card"].layer
    xs, ops = [], []
    for _ in range(int(ANIM_SECONDS * FPS) + 5):
        n = run(mgr, n, 1)
        xs.append(layer.x)
        ops.append(layer.opacity)
    assert xs[0] < xs[-1] and ops[0] < 0.5 and ops[-1] == 1.0  # slid in from the left, faded in
    assert xs == sorted(xs)
    version = layer.version
    n = run(mgr, n, 60)
    assert layer.version == version  # nothing changed: no redraw
    # one card raster (+ the clock at most twice: its second may tick over)
    assert mgr.rasterised - base <= 2


def test_sold_out_follows_live_stock(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, bus, _scene = rig
    mgr.show_card("GS-1020")
    n = run(mgr, 0, 15)
    layer = mgr.slots["card"].layer
    p = mgr.catalog["GS-1020"]
    assert np.array_equal(layer.rgba, widgets.product_card(p, 3, mgr.scale))
    bus.publish("commerce.stock", sku="GS-1020", stock=0)
    run(mgr, n, 1)
    assert np.array_equal(layer.rgba, widgets.product_card(p, 0, mgr.scale))


def test_order_toast_commission_and_leaderboard(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, bus, _scene = rig
    n = run(mgr, 0, 1)
    bus.publish(
        "commerce.order", sku="GS-1001", amount=399.0, phone_tail="13800138821", guide="小美"
    )
    bus.publish("commerce.order", sku="GS-1008", amount=159.0, buyer="王小明", guide="阿杰")
    n = run(mgr, n, 1)
    toast = mgr.slots["toast"]
    assert toast.layer.visible
    assert np.array_equal(
        toast.layer.rgba, widgets.order_toast("羊绒混纺高领毛衣", mgr.scale, "13800138821")
    )
    assert mgr.info.orders == 2 and mgr.info.commission == pytest.approx(55.8)
    n = run(mgr, n, int(TOAST_SECONDS * FPS))  # the second order follows the first
    assert toast.state is not None and toast.state["buyer"] == "王小明"
    mgr.leaderboard(10)
    run(mgr, n, 1)
    rows = [("小美", 399.0), ("阿杰", 159.0)]
    assert np.array_equal(mgr.slots["board"].layer.rgba, widgets.leaderboard(rows, mgr.scale))


def test_groupbuy_progress_and_lottery_winner(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, bus, _scene = rig
    mgr.groupbuy("GS-1011", 3, 60, duration=30)
    n = run(mgr, 0, 2)
    promo = mgr.slots["promo"]
    assert promo.key[2:4] == (0, 3)
    bus.publish("commerce.groupbuy", sku="GS-1011", joined=2, size=3)
    n = run(mgr, n, 1)
    assert promo.key[2:4] == (2, 3)
    key_before = promo.key
    n = run(mgr, n, FPS)  # one second later the countdown was redrawn
    assert promo.key[-1] == key_before[-1] - 1

    mgr.lottery("护手霜礼盒", duration=5)
    n = run(mgr, n, 1)
    assert promo.key[0] == "lottery" and promo.key[2] == 5.0
    bus.publish("commerce.lottery", winner="张小美", prize="护手霜礼盒")
    run(mgr, n, 1)
    won = widgets.lottery("护手霜礼盒", mgr.scale, None, "张小美")
    assert np.array_equal(promo.layer.rgba, won)


def test_timed_overlay_fades_out_and_hides(rig) -> None:  # type: ignore[no-untyped-def]
    mgr, _bus, _scene = rig
    url = mgr.pop_link("GS-1001", duration=1.0, flash_price=359)
    assert "/p/" in url
    n = run(mgr, 0, FPS)
    popup = mgr.slots["popup"]
    assert popup.layer.visible and popup.layer.opacity == 1.0
    n = run(mgr, n, 2)
    assert popup.layer.opacity < 1.0  # fading
    run(mgr, n, int(ANIM_SECONDS * FPS) + 1)
    assert not popup.layer.visible and popup.state is None
