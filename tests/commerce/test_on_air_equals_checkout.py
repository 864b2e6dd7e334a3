"""What viewers see on air is what checkout sells (issue 13), end to end with real parts.

``studio live`` runs a show against ``studio backend`` over HTTP and pushes to nginx-rtmp.
The test pulls the stream as a viewer does; on each frame it finds which banners are on
screen by comparing the pixels with the overlays' own renderings (the flash-sale pop-up,
the coupon, the group-buy), decodes the purchase QR, and opens that checkout at once in
headless Chromium: the page's price, group price and coupon are the ones on air, a purchase
is charged the on-air price (flash ¥58 less the ¥10 coupon), and after the flash window
the same link charges the regular ¥68.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from playwright.sync_api import Page, sync_playwright

from studio.overlays import widgets
from studio.overlays.layout import layout_for
from studio.show.catalog import demo_catalog
from tests.browser import ARGS, CHROMIUM
from tests.commerce.backend import PASSWORD, REPO, Backend
from tests.nginx_rtmp import NginxRtmp
from tests.qr import first_qr

W, H, FPS = 1280, 720, 15
SKU = "GS-1011"  # 云南小粒咖啡豆, ¥68
SHOW = textwrap.dedent(
    """\
    [show]
    title = "上架即真"
    duration = 40

    [[segments]]
    title = "咖啡"
    length = 40
      [[segments.cues]]
      id = "flash"
      at = 2
      action = "pop_link"
      product = "GS-1011"
      flash_price = 58
      duration = 16
      [[segments.cues]]
      id = "coupon"
      at = 2
      action = "coupon"
      amount = 10
      threshold = 50
      title = "进店福利券"
      duration = 7
      [[segments.cues]]
      id = "group"
      at = 10
      action = "groupbuy"
      product = "GS-1011"
      size = 3
      price = 60
      duration = 7
    """
)
ON = 22.0  # mean difference (0-255) over a widget's opaque pixels: it is on screen


class Puller:
    """A viewer's player: decodes the pushed stream on its own thread, keeps the newest frame."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frame: tuple[int, np.ndarray] | None = None
        self.error = ""
        self._n = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="viewer", daemon=True)

    def start(self) -> Puller:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():  # the stream appears once the studio publishes
            try:
                c = av.open(self.url, timeout=(5, None), options={"rw_timeout": "5000000"})
            except av.error.FFmpegError as exc:
                self.error = str(exc)
                time.sleep(0.3)
                continue
            try:
                for packet in c.demux(c.streams.video[0], *c.streams.audio[:1]):
                    if self._stop.is_set():
                        return
                    if packet.stream.type != "video":
                        continue
                    for f in packet.decode():
                        img = f.to_ndarray(format="bgr24")
                        with self._lock:
                            self._n += 1
                            self.frame = (self._n, img)
            except av.error.FFmpegError as exc:
                self.error = str(exc)
            finally:
                c.close()

    def newest(self, after: int) -> tuple[int, np.ndarray] | None:
        with self._lock:
            f = self.frame
        return f if f is not None and f[0] > after else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class Screen:
    """Which banners a pulled frame shows, judged against the overlays' own pictures."""

    def __init__(self) -> None:
        self.layout = layout_for(W, H, None)
        self.sc = self.layout.scale
        self.product = demo_catalog()[SKU]
        self._popups: dict[str, list[tuple[str, np.ndarray]]] = {}
        promo: list[tuple[str, np.ndarray]] = [
            ("coupon", widgets.coupon(10, self.sc, 50, "进店福利券"))
        ]
        promo += [
            ("group", widgets.groupbuy(self.product, 0, 3, self.sc, 60, float(s))) for s in range(8)
        ]
        self.promos = promo

    def _diff(self, frame: np.ndarray, slot: str, rgba: np.ndarray) -> float:
        h, w = rgba.shape[:2]
        x, y = self.layout.regions[slot].place(w, h)
        region = frame[y : y + h, x : x + w].astype(np.int16)
        opaque = rgba[..., 3] >= 240
        want = rgba[..., 2::-1].astype(np.int16)  # RGBA -> BGR
        return float(np.abs(region - want)[opaque].mean())

    def _best(self, frame: np.ndarray, slot: str, cands: list[tuple[str, np.ndarray]]) -> str:
        score, name = min((self._diff(frame, slot, img), n) for n, img in cands)
        return name if score < ON else ""

    def popup(self, frame: np.ndarray, url: str) -> str:
        """``flash`` (¥58 pop-up), ``regular`` (¥68 pop-up) or '' (none)."""
        if url not in self._popups:
            p = self.product
            cands = [("regular", widgets.purchase_popup(p, url, self.sc))]
            cands += [
                ("flash", widgets.purchase_popup(p, url, self.sc, 58, float(s))) for s in range(17)
            ]
            self._popups[url] = cands
        return self._best(frame, "popup", self._popups[url])

    def promo(self, frame: np.ndarray) -> str:
        """``coupon`` (¥10 满50), ``group`` (3 人 ¥60) or '' (none)."""
        return self._best(frame, "promo", self.promos)

    def qr(self, frame: np.ndarray) -> str:
        r = self.layout.regions["popup"].rect
        gray = cv2.cvtColor(frame[r.y : r.bottom, r.x : r.right], cv2.COLOR_BGR2GRAY)
        return first_qr(gray)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see packaging/setup.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def offer(page: Page, url: str) -> dict[str, str]:
    """What the checkout page offers: price, group price line, coupon line ('' if none)."""
    resp = page.goto(url)
    assert resp is not None and resp.status == 200

    def text(sel: str) -> str:
        loc = page.locator(sel)
        return loc.inner_text().replace("\n", "") if loc.count() else ""

    return {"price": text("#price"), "group": text("#groupbuy"), "coupon": text("#coupon")}


def buy(page: Page, phone: str) -> str:
    """Buy one on the open checkout page (coupon ticked as offered); the amount paid."""
    page.fill("input[name=buyer_name]", "观众")
    page.fill("input[name=buyer_phone]", phone)
    page.click("#buy-btn")
    page.wait_for_selector("#paid")
    return page.locator("#paid").inner_text().replace("\n", "")


@pytest.mark.rtmp
def test_every_banner_on_air_is_what_its_checkout_offers_and_charges(
    backend: Backend, nginx_rtmp: NginxRtmp, browser: Any, tmp_path: Path
) -> None:
    sid = backend.new_session("上架即真")
    script = tmp_path / "show.toml"
    script.write_text(SHOW, encoding="utf-8")
    stream = nginx_rtmp.url("onair")
    cmd = [sys.executable, "-m", "studio", "live", "--show", str(script)]
    cmd += ["--backend", backend.url, "--session", str(sid), "--backend-user", "guide1"]
    cmd += ["--store", str(tmp_path / "studio.sqlite3"), "--output", stream]
    cmd += ["--size", f"{W}x{H}", "--fps", str(FPS), "--bitrate", "2500k", "--duration", "40"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "STUDIO_BACKEND_PASSWORD": PASSWORD}
    log = (tmp_path / "studio.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    viewer = Puller(stream).start()
    screen = Screen()
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    seen: dict[str, dict[str, Any]] = {}  # banner -> what was on air and what checkout said
    paid: dict[str, str] = {}
    try:
        n, deadline = 0, time.monotonic() + 60
        while len(seen) < 3 and time.monotonic() < deadline:
            got = viewer.newest(n)
            if got is None:
                assert proc.poll() is None, (tmp_path / "studio.log").read_text()[-3000:]
                time.sleep(0.02)
                continue
            n, frame = got
            url = screen.qr(frame)
            if not url:
                continue
            on_air = {screen.popup(frame, url), screen.promo(frame)} - {""}
            new = on_air - {"regular"} - set(seen)
            if not new:
                continue
            t0 = time.monotonic()
            page_says = offer(page, url)  # the viewer scans and opens it at once
            opened = time.monotonic() - t0
            for banner in new:
                seen[banner] = {"on_air": on_air, "url": url, "page": page_says, "open": opened}
            if {"flash", "coupon"} <= on_air and "flash" not in paid:
                paid["flash"] = buy(page, "13800000001")
        assert set(seen) == {"flash", "coupon", "group"}, (seen, viewer.error)
        (fp,) = backend.get(f"/api/sessions/{sid}/flash-prices")
        # after the window: the pop-up is gone or regular; the same link sells at ¥68
        while time.time() < fp["ends_at"] + 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        url = seen["flash"]["url"]
        got = viewer.newest(0)
        assert got is not None and screen.popup(got[1], url) != "flash"
        after = offer(page, url)
        paid["after"] = buy(page, "13800000002")
    finally:
        ctx.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        viewer.stop()
        log.close()
    flash_seen, coupon_seen, group_seen = seen["flash"], seen["coupon"], seen["group"]
    # a flash-sale pop-up on air: its checkout shows ¥58 (not the ¥68 it used to)
    assert flash_seen["page"]["price"] == "¥58"
    # the coupon on air (¥10, 满50): its checkout offers it
    coupon_line = coupon_seen["page"]["coupon"]
    assert "进店福利券" in coupon_line and "满50可用" in coupon_line
    # the group-buy on air (3 人, ¥60): its checkout offers that group at that price
    assert "拼团价 ¥60" in group_seen["page"]["group"] and "0/3" in group_seen["page"]["group"]
    assert group_seen["page"]["price"] == "¥58"  # the flash pop-up was still on air
    assert all(s["url"] == flash_seen["url"] for s in seen.values())  # one link, one QR
    # bought while ¥58 and the ¥10 coupon were on air: ¥48; after the window: ¥68 less ¥10
    assert paid == {"flash": "¥48", "after": "¥58"}
    assert after["price"] == "¥68"
    orders = sorted(backend.get("/api/orders", session_id=sid), key=lambda o: o["id"])
    assert [(o["unit_price_cents"], o["flash_price_id"], o["amount_cents"]) for o in orders] == [
        (5800, fp["id"], 4800),
        (6800, None, 5800),
    ]
    assert fp["price_cents"] == 5800
    (coupon,) = backend.get(f"/api/sessions/{sid}/coupons")
    assert (coupon["discount_cents"], coupon["min_spend_cents"], coupon["used"]) == (1000, 5000, 2)
    (group,) = backend.get(f"/api/sessions/{sid}/groupbuys")
    assert (group["group_price_cents"], group["size"]) == (6000, 3)
    print(
        "QR decoded -> checkout page loaded: "
        + ", ".join(f"{b} {s['open']:.2f} s" for b, s in sorted(seen.items()))
    )
