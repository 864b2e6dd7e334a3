"""限时秒杀 is a backend object (issue 13): the checkout page opened in a real Chromium
during the window shows the flash price, a purchase through the same link is charged
it, and the same purchase after the window is charged the regular price."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.backend.conftest import Live
from tests.backend.helpers import buy, new_link, new_live_session
from tests.browser import ARGS, CHROMIUM

COFFEE = 11  # GS-1011 云南小粒咖啡豆, ¥68 (list ¥98)


def flash(c: httpx.Client, key: str | None = None, **body: Any) -> httpx.Response:
    return c.post(
        "/api/flash-prices",
        json=body,
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see packaging/setup.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.sqlite_only
def test_flash_window_is_shown_and_charged_then_regular(live: Live, browser) -> None:  # type: ignore[no-untyped-def]
    with live.client("guide1") as g:
        sess = new_live_session(g, title="秒杀测试")
        link = new_link(g, sess["id"], COFFEE)
        now = time.time()
        r = flash(
            g,
            session_id=sess["id"],
            product_id=COFFEE,
            price_cents=5800,
            starts_at=now,
            ends_at=now + 4.0,
        )
        assert r.status_code == 201, r.text
        fp = r.json()
        assert fp["price_cents"] == 5800 and fp["ends_at"] - fp["starts_at"] == pytest.approx(4.0)
        assert [x["id"] for x in g.get(f"/api/sessions/{sess['id']}/flash-prices").json()] == [
            fp["id"]
        ]

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    resp = page.goto(link["url"])
    assert resp is not None and resp.status == 200
    assert page.locator("#price").inner_text().replace("\n", "") == "¥58"
    assert page.locator("#list-price").inner_text() == "¥68"
    assert "限时秒杀" in page.locator("#flash").inner_text()
    # the purchase through the same page's form, inside the window
    page.locator("#buy-btn").click()
    page.wait_for_selector("#paid")
    assert page.locator("#paid").inner_text().replace("\n", "") == "¥58"
    ctx.close()

    with live.client("guide1") as g:
        orders = g.get("/api/orders", params={"session_id": sess["id"]}).json()
        assert [
            (o["unit_price_cents"], o["amount_cents"], o["flash_price_id"]) for o in orders
        ] == [(5800, 5800, fp["id"])]
        time.sleep(max(0.0, fp["ends_at"] - time.time()) + 0.2)
        with httpx.Client(base_url=live.url) as shopper:
            page_html = shopper.get(f"/p/{link['token']}").text
            assert 'id="flash"' not in page_html and "<small>¥</small>68<" in page_html
            r = buy(shopper, link["token"])
            assert r.status_code == 201, r.text
        orders = g.get("/api/orders", params={"session_id": sess["id"]}).json()
        late = max(orders, key=lambda o: o["id"])
        assert (late["unit_price_cents"], late["amount_cents"], late["flash_price_id"]) == (
            6800,
            6800,
            None,
        )


def test_flash_price_limits_idempotency_and_rehearsal(live: Live) -> None:
    now = time.time()
    with live.client("guide1") as g:
        sess = new_live_session(g, title="秒杀规则")
        base = {"session_id": sess["id"], "product_id": COFFEE, "starts_at": now}
        # ≤ the price, ≥ the price less the store's max_discount_pct (50 %: 3400 cents)
        for cents in (6801, 3399):
            r = flash(g, **base, price_cents=cents, ends_at=now + 60)
            assert r.status_code == 422 and "price_cents" in r.json()["detail"], r.text
        assert flash(g, **base, price_cents=3400, ends_at=now).status_code == 422
        r1 = flash(g, "fp-1", **base, price_cents=6000, ends_at=now + 60)
        r2 = flash(g, "fp-1", **base, price_cents=6000, ends_at=now + 60)
        assert r1.status_code == r2.status_code == 201
        assert r2.headers.get("Idempotent-Replayed") == "true" and r1.json() == r2.json()
        assert flash(g, "fp-1", **base, price_cents=5900, ends_at=now + 60).status_code == 409
        assert len(g.get(f"/api/sessions/{sess['id']}/flash-prices").json()) == 1
    with live.client("guide3") as other:  # another store's guide may not
        r = flash(other, **base, price_cents=6000, ends_at=now + 60)
        assert r.status_code == 403, r.text
    with live.client("trainer") as t:  # a rehearsal's flash price is a rehearsal object
        rs = new_live_session(t, title="彩排秒杀", rehearsal=True, guide_id=1)
        link = new_link(t, rs["id"], COFFEE)
        r = flash(
            t,
            session_id=rs["id"],
            product_id=COFFEE,
            price_cents=5000,
            starts_at=now,
            ends_at=now + 60,
        )
        assert r.status_code == 201, r.text
        with httpx.Client(base_url=live.url) as shopper:
            assert buy(shopper, link["token"]).status_code == 201
        (o,) = t.get("/api/orders", params={"session_id": rs["id"]}).json()
        assert o["rehearsal"] and o["unit_price_cents"] == 5000 and o["commission"] is None
