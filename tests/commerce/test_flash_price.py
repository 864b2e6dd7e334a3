"""What the pop-up promises is what checkout charges (issue 13), with a real backend.

- online: a scripted flash-sale pop-up registers its price through the outbox; the overlay
  draws ¥58 only once the backend confirmed it; the QR on air buys at ¥58 inside the
  window and at ¥68 after it;
- offline (backend unreachable, nothing registered): the regular pop-up, a WARNING and a
  ``commerce.promo_refused`` event for the guide;
- sold out (stock from the feed): 已售罄 and no QR code to scan.
"""

from __future__ import annotations

import logging
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from studio.commerce.core import Commerce
from studio.commerce.side import CommerceSide
from studio.events import Event, EventBus
from studio.media.compositor import Scene
from studio.overlays import widgets
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import parse_show
from tests.commerce.backend import Backend, free_port
from tests.commerce.conftest import make_commerce, prepared_link, running
from tests.qr import first_qr

FPS = 25
SHOW = textwrap.dedent(
    """\
    [show]
    title = "秒杀"
    duration = 30

    [[segments]]
    title = "咖啡"
    length = 20
      [[segments.cues]]
      id = "flash"
      at = 0.2
      action = "pop_link"
      product = "GS-1011"
      flash_price = 58
      duration = 8  # a loaded machine needs seconds between the confirmation and the buy
    """
)


def qr_text(rgba: np.ndarray) -> str:
    """Decode the QR code in an overlay image (over white), '' when there is none."""
    a = rgba[..., 3:4].astype(np.float32) / 255
    rgb = (rgba[..., :3].astype(np.float32) * a + 255 * (1 - a)).astype(np.uint8)
    return first_qr(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))


def rig(commerce: Commerce, bus: EventBus, sid: int) -> OverlayManager:
    mgr = OverlayManager(
        Scene("s"),
        1280,
        720,
        demo_catalog(),
        clock=False,
        link_for=lambda sku: commerce.link_for_sku(sku, sid) or "http://127.0.0.1:9/p/none",
    )
    mgr.listen(bus)
    return mgr


def drive(
    engine: CueEngine, mgr: OverlayManager, until: Callable[[], bool], seconds: float, wall: bool
) -> int:
    """Tick cue engine + overlays at 25 fps of media time (in real time when ``wall``)."""
    frame = 0
    while frame < seconds * FPS and not until():
        t = frame / FPS
        engine.tick(frame, t)
        mgr.tick(frame, t)
        frame += 1
        if wall:
            time.sleep(1 / FPS)
    return frame


def forget_limits(commerce: Commerce, sid: int) -> None:
    """Drop the store's limits cached at prepare (as an older backend leaves them unknown)."""
    row = commerce.store.one("SELECT store_id FROM sessions WHERE id=?", [sid])
    assert row is not None
    commerce.store.set_meta(**{f"promo_rules:{row['store_id']}": ""})


def collect(bus: EventBus, topic: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    bus.subscribe(topic, lambda e: seen.append(dict(e.data)) if isinstance(e, Event) else None)
    return seen


def test_on_air_flash_price_is_charged_in_its_window_then_the_regular_one(
    backend: Backend, tmp_path: Path
) -> None:
    sid = backend.new_session("秒杀专场")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        confirmed = collect(bus, "commerce.flash")
        pid, url = prepared_link(side, commerce, sid, "GS-1011")
        links = {pid: url}
        mgr = rig(commerce, bus, sid)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id=str(sid))
        popup = mgr.slots["popup"]
        keys: list[tuple] = []

        def flash_on_air() -> bool:
            keys.append(popup.key)
            return bool(popup.key) and popup.key[3] == 58

        drive(engine, mgr, flash_on_air, 3.0, wall=True)
        assert confirmed, "the backend never confirmed the flash price"
        assert popup.key[3] == 58, keys[-1]
        # before the confirmation the regular pop-up was on air, never an unconfirmed ¥58
        assert all(k[3] is None for k in keys[:-1] if k)
        url = qr_text(popup.layer.rgba)
        assert url == links[pid] and url.startswith(backend.url + "/p/")
        fp = confirmed[0]
        (listed,) = backend.get(f"/api/sessions/{sid}/flash-prices")
        assert listed["id"] == fp["data"]["id"] and listed["price_cents"] == 5800
        token = url.rsplit("/", 1)[1]
        assert backend.buy(token) == 201  # the viewer scans at once
        time.sleep(max(0.0, fp["ends_at"] - time.time()) + 0.3)
        assert backend.buy(token) == 201  # the same purchase after the window
        orders = sorted(backend.get("/api/orders", session_id=sid), key=lambda o: o["id"])
        assert [(o["unit_price_cents"], o["flash_price_id"]) for o in orders] == [
            (5800, listed["id"]),
            (6800, None),
        ]
        engine.close()


def test_offline_and_unregistered_flash_price_is_not_drawn_and_the_guide_is_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the backend is unreachable
    with running(tmp_path / "studio.sqlite3", dead, 1, bus=bus, timeout=0.5, flush_timeout=0) as (
        commerce,
        _side,
    ):
        refused = collect(bus, "commerce.promo_refused")
        mgr = rig(commerce, bus, 1)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id="1")
        popup = mgr.slots["popup"]
        keys: list[tuple] = []
        with caplog.at_level(logging.WARNING):
            drive(engine, mgr, lambda: bool(keys.append(popup.key)), 3.0, wall=False)
        drawn = [k for k in keys if k]
        assert drawn and all(k[3] is None and k[4] is None for k in drawn), drawn[-1]
        # exactly the regular pop-up: same pixels as drawing it without a flash price
        product = demo_catalog()["GS-1011"]
        regular = widgets.purchase_popup(product, drawn[-1][2], mgr.scale)
        assert np.array_equal(popup.layer.rgba, regular)
        # a fresh store offline cannot even map the SKU: commerce says so, once
        assert [r["reason"] for r in mgr.withheld] == ["the product is not in the cached catalog"]
        assert [(r["sku"], r["flash_price"]) for r in refused] == [("GS-1011", 58)]
        assert any(
            r.levelno == logging.WARNING and "¥58" in r.getMessage() and "not be drawn" in r.message
            for r in caplog.records
        )
        engine.close()


def test_sold_out_pop_up_shows_no_qr(backend: Backend, tmp_path: Path) -> None:
    """限量款福袋 sells out through checkout; the feed's stock turns its pop-up to 已售罄."""
    sid = backend.new_session("福袋")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        stock = collect(bus, "commerce.stock")
        pid, url = prepared_link(side, commerce, sid, "GS-1020")
        mgr = rig(commerce, bus, sid)
        mgr.pop_link("GS-1020", 30)
        mgr.tick(0, 0.0)
        assert qr_text(mgr.slots["popup"].layer.rgba) == url  # in stock: scannable
        left = backend.get(f"/api/products/{pid}")["stock"]
        token = url.rsplit("/", 1)[1]
        for _ in range(left):
            assert backend.buy(token) == 201
        deadline = time.monotonic() + 10
        while not any(s.get("stock") == 0 for s in stock) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(s.get("sku") == "GS-1020" and s.get("stock") == 0 for s in stock)
        mgr.tick(1, 0.04)
        popup = mgr.slots["popup"]
        assert popup.key == ("popup", "GS-1020", "sold_out")
        assert qr_text(popup.layer.rgba) == ""
        product = demo_catalog()["GS-1020"]
        shown = widgets.purchase_popup(product, url, mgr.scale, sold_out=True)
        assert np.array_equal(popup.layer.rgba, shown)
        assert backend.buy(token) == 409  # and the checkout agrees: 已售罄


def test_offline_with_a_cached_catalog_the_overlay_waits_then_withholds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The SKU is known but the registration cannot reach the backend: after 2 s the guide
    is told the price was not confirmed; the regular pop-up stays."""
    bus = EventBus()
    dead = f"http://127.0.0.1:{free_port()}"
    commerce = make_commerce(tmp_path / "studio.sqlite3", dead, 1, bus=bus, timeout=0.5)
    with commerce.store.tx() as db:
        db["products"].insert(
            {
                "id": 11,
                "sku": "GS-1011",
                "name": "云南小粒咖啡豆",
                "category": "食品",
                "price_cents": 6800,
                "list_price_cents": 9800,
                "stock": 220,
                "image_url": "",
                "updated_at": 0.0,
            },
            alter=True,
        )
    commerce.attach()
    side = CommerceSide(commerce)
    refused = collect(bus, "commerce.promo_refused")
    try:
        mgr = rig(commerce, bus, 1)
        engine = CueEngine(parse_show(SHOW, demo_catalog()), mgr, bus, session_id="1")
        popup = mgr.slots["popup"]
        keys: list[tuple] = []
        with caplog.at_level(logging.WARNING):
            drive(engine, mgr, lambda: bool(keys.append(popup.key)), 3.0, wall=False)
        assert all(k[3] is None for k in keys if k)
        assert [r["reason"] for r in mgr.withheld] == [
            "the backend has not confirmed it (offline or not registered)"
        ]
        assert [(r["source"], r["sku"], r["flash_price"]) for r in refused] == [
            ("overlay", "GS-1011", 58)
        ]
        assert commerce.store.counts()["pending"] >= 1  # the registration waits in the outbox
        engine.close()
    finally:
        side.stop(flush_timeout=0)
        commerce.store.close()


def test_a_flash_price_the_backend_refuses_is_never_drawn(backend: Backend, tmp_path: Path) -> None:
    """¥30 for the ¥68 coffee is over the store's 50 % discount limit: 422, the outbox row
    fails, the guide is told why and viewers see the regular price."""
    sid = backend.new_session("超限秒杀")
    bus = EventBus()
    with running(tmp_path / "studio.sqlite3", backend.url, sid, bus=bus) as (commerce, side):
        refused = collect(bus, "commerce.promo_refused")
        prepared_link(side, commerce, sid, "GS-1011")
        forget_limits(commerce, sid)  # limits unknown: only the backend can refuse
        mgr = rig(commerce, bus, sid)
        show = parse_show(SHOW.replace("flash_price = 58", "flash_price = 30"), demo_catalog())
        engine = CueEngine(show, mgr, bus, session_id=str(sid))
        popup = mgr.slots["popup"]
        keys: list[tuple] = []
        drive(engine, mgr, lambda: bool(keys.append(popup.key)) or bool(refused), 3.0, wall=True)
        assert refused and refused[0]["source"] == "commerce" and "422" in refused[0]["reason"]
        mgr.tick(999, 40.0)  # the overlay applies what it heard on its next frame
        assert all(k[3] is None for k in [*keys, popup.key] if k)
        assert [(w["flash_price"], w["reason"][:24]) for w in mgr.withheld] == [
            (30, "the backend refused it: ")
        ]
        assert backend.get(f"/api/sessions/{sid}/flash-prices") == []
        assert commerce.status().failed == 1
        engine.close()
