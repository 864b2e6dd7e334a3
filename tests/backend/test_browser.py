"""A real phone-sized headless Chromium opens a link, buys, and the order hits the feed."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

from tests.backend.conftest import Live, read_sse
from tests.backend.helpers import new_link, new_live_session
from tests.browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see packaging/setup.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.sqlite_only
def test_phone_checkout_buys_and_feed_shows_order(live: Live, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with live.client("guide1") as g:
        sess = new_live_session(g, title="浏览器下单测试")
        link = new_link(g, sess["id"], 8)  # 丝绒哑光口红 159 yuan
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = ctx.new_page()
    resp = page.goto(link["url"])
    assert resp is not None and resp.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("#name").inner_text() == "丝绒哑光口红"
    assert page.locator("#price").inner_text().replace("\n", "") == "¥159"
    img_ok = page.evaluate(
        "() => { const i = document.querySelector('img.hero');"
        " return i.complete && i.naturalWidth > 0 }"
    )
    assert img_ok, "product image did not load"
    shot = page.screenshot(full_page=False)
    (tmp_path / "checkout.png").write_bytes(shot)
    img = Image.open(BytesIO(shot)).convert("RGB")
    assert img.size == (390, 844)
    stat = ImageStat.Stat(img)
    assert max(stat.stddev) > 20, "screenshot looks blank"
    # the price is drawn in the checkout red: there must be a good number of such pixels
    px = np.asarray(img).astype(int)
    red = int(((px[..., 0] > 200) & (px[..., 1] < 90) & (px[..., 2] < 90)).sum())
    assert red > 300, red
    # choose delivery: the address field appears; fill it in and buy
    page.locator("input[value=delivery]").check()
    assert page.locator("#addr").is_visible()
    page.fill("input[name=address]", "上海市静安区南京西路 1 号")
    page.fill("input[name=buyer_name]", "测试买家")
    page.click("#buy-btn")
    page.wait_for_selector("#order-no")
    assert "支付成功" in page.content()
    order_no = page.locator("#order-no").inner_text()
    page.screenshot(path=str(tmp_path / "paid.png"))
    ctx.close()
    with live.client("guide1") as g:
        events = read_sse(g, sess["id"], follow=False)
    placed = [e["data"] for e in events if e["event"] == "order.placed"]
    assert [o["order_no"] for o in placed] == [order_no]
    order = placed[0]
    assert order["fulfilment"] == "delivery" and order["guide_id"] == link["guide_id"]
    assert order["commission"] == {
        **order["commission"],
        "state": "pending",
        "amount_cents": round(order["amount_cents"] * 0.10),
    }
