"""Business rules and limits (issue 14, 7-8) over real HTTP: one buyer per group-buy
seat, coupon and group-price limits a store manager sets, webhooks on ended
sessions, booking limits, security headers, slow clients, private files."""

from __future__ import annotations

import socket
import stat
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.backend.conftest import Live, signed, start_backend, stop_backend
from tests.backend.helpers import buy, new_link, new_live_session


def _post(c: httpx.Client, url: str, body: dict) -> httpx.Response:
    return c.post(url, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})


def test_one_shopper_cannot_fill_a_group_buy_alone(live: Live) -> None:
    with live.client("storemgr") as m, live.client() as shopper:
        sess = new_live_session(m, guide_id=2)
        gb = _post(
            m,
            "/api/groupbuys",
            {
                "session_id": sess["id"],
                "product_id": 7,
                "group_price_cents": 21800,
                "size": 3,
                "minutes": 10,
            },
        )
        assert gb.status_code == 201, gb.text
        link = new_link(m, sess["id"], 7)
        me = {"join_group": "1", "buyer_name": "王女士", "buyer_phone": "138 0000 1234"}
        codes = [buy(shopper, link["token"], **me).status_code for _ in range(3)]
        assert codes == [201, 409, 409]  # was: 201 x 3 and "succeeded"
        assert (
            buy(shopper, link["token"], **{**me, "buyer_phone": "+86 13800001234"}).status_code
            == 409
        )
        assert buy(shopper, link["token"], join_group="1").status_code == 422  # no phone
        (state,) = m.get(f"/api/sessions/{sess['id']}/groupbuys").json()
        assert state["joined"] == 1 and state["state"] == "open"
        for phone in ("13900000001", "13900000002"):
            r = buy(shopper, link["token"], join_group="1", buyer_phone=phone)
            assert r.status_code == 201
        (state,) = m.get(f"/api/sessions/{sess['id']}/groupbuys").json()
        assert state["joined"] == 3 and state["state"] == "succeeded"


def test_coupons_and_group_prices_stay_within_the_store_rules(live: Live) -> None:
    with (
        live.client("guide3") as g,
        live.client("admin") as admin,
        live.client() as shopper,
    ):
        sess = new_live_session(g)
        coupon = {"session_id": sess["id"], "title": "券", "total": 10}
        r = _post(g, "/api/coupons", {**coupon, "discount_cents": 100_000_000})  # ¥1,000,000
        assert r.status_code == 422 and "limit" in r.json()["detail"]  # was: 201
        r = _post(g, "/api/coupons", {**coupon, "product_id": 14, "discount_cents": 4000})
        assert r.status_code == 422 and "50 %" in r.json()["detail"]  # ¥40 off a ¥49 product
        group = {"session_id": sess["id"], "product_id": 12, "size": 2, "minutes": 5}
        for price in (0, 1, 12901):  # free, a cent, over the price
            r = _post(g, "/api/groupbuys", {**group, "group_price_cents": price})
            assert r.status_code == 422, price  # was: 201 (and ¥0 sales)
        assert _post(g, "/api/groupbuys", {**group, "group_price_cents": 9900}).status_code == 201
        # the store manager of store 2 is the admin here; a guide may not change the rules
        rules = {"max_coupon_cents": 2000, "max_discount_pct": 30, "min_group_price_pct": 60}
        assert g.put("/api/stores/2/promo-rules", json=rules).status_code == 403
        try:
            assert admin.put("/api/stores/2/promo-rules", json=rules).status_code == 200
            assert g.get("/api/stores/2/promo-rules").json() == {**rules, "store_id": 2}
            r = _post(g, "/api/coupons", {**coupon, "discount_cents": 2500})
            assert r.status_code == 422
            r = _post(g, "/api/groupbuys", {**group, "group_price_cents": 7000})
            assert r.status_code == 422  # under 60 % of ¥129
            # a coupon allowed at creation still never takes more than 30 % at checkout
            assert _post(g, "/api/coupons", {**coupon, "discount_cents": 2000}).status_code == 201
            link = new_link(g, sess["id"], 14)  # ¥49
            assert buy(shopper, link["token"], use_coupon="1").status_code == 201
        finally:
            defaults = {
                "max_coupon_cents": 50000,
                "max_discount_pct": 50,
                "min_group_price_pct": 10,
            }
            admin.put("/api/stores/2/promo-rules", json=defaults)
        orders = admin.get("/api/orders", params={"session_id": sess["id"]}).json()
        (o,) = orders
        assert o["discount_cents"] == 4900 * 30 // 100 and o["amount_cents"] == 3430


def test_webhook_on_an_ended_session_is_recorded_without_commission(live: Live) -> None:
    with live.client("guide1") as g, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 13)
        _post(g, f"/api/sessions/{sess['id']}/actions", {"kind": "session_ended"})
        assert buy(shopper, link["token"]).status_code == 410
        raw, headers = signed(
            {
                "shop_order_id": f"LATE-{uuid.uuid4()}",
                "link_token": link["token"],
                "quantity": 1,
                "amount_cents": 8900,
            }
        )
        r = httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
        assert r.status_code == 200
        order = r.json()["order"]
        assert order["status"] == "paid" and order["commission"] is None  # was: pending


@pytest.mark.sqlite_only
def test_a_hundred_anonymous_bookings_in_a_row_are_throttled(live: Live) -> None:
    with live.client("guide3") as g, live.client() as shopper:
        sess = next(s for s in g.get("/api/sessions").json() if s["state"] == "scheduled")
        token = sess["share_url"].split("/live/")[1]
        before = g.get(f"/api/sessions/{sess['id']}/summary").json()["bookings"]
        addr = {"X-Forwarded-For": "10.77.0.1"}  # one phone (through the local proxy)
        codes = [shopper.post(f"/live/{token}/book", headers=addr).status_code for _ in range(100)]
        assert codes.count(200) <= 5 and codes.count(429) >= 95, codes  # was: 100 x 200
        r = shopper.post(f"/live/{token}/book", headers=addr)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert "请求太频繁" in r.text
        after = g.get(f"/api/sessions/{sess['id']}/summary").json()["bookings"]
        assert after - before == codes.count(200)


def _pages(live: Live) -> dict[str, httpx.Response]:
    with live.client("guide1") as g, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 9)
        share = sess["share_url"].split("/live/")[1]
        return {
            "checkout": shopper.get(f"/p/{link['token']}"),
            "paid": buy(shopper, link["token"]),
            "unknown": shopper.get("/p/nope.nope"),
            "bad input": buy(shopper, link["token"], quantity="0"),
            "booking": shopper.get(f"/live/{share}"),
            "docs": shopper.get("/docs"),
            "redoc": shopper.get("/redoc"),
        }


@pytest.mark.sqlite_only
def test_every_html_page_sends_security_headers(live: Live) -> None:
    for name, r in _pages(live).items():
        assert r.headers["content-type"].startswith("text/html"), name
        csp = r.headers.get("content-security-policy", "")  # was: none at all
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["referrer-policy"] == "no-referrer", name
        assert r.headers["x-frame-options"] == "DENY", name
        if name not in ("docs", "redoc"):
            assert (
                "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]
            )
    with live.client("guide1") as g:
        assert g.get("/api/me").headers["x-content-type-options"] == "nosniff"


def test_slow_clients_are_cut_off_and_the_api_keeps_answering(tmp_path: Path) -> None:
    live = start_backend(tmp_path, "--request-timeout", "1")
    try:
        u = urlsplit(live.url)
        socks = []
        for i in range(200):  # half send partial headers, half a partial body
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            if i % 2:
                s.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            else:
                s.sendall(
                    b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{"
                )
            socks.append(s)
        with live.client("guide1") as g:
            t0 = time.monotonic()
            assert g.get("/api/me").status_code == 200
            assert time.monotonic() - t0 < 1
        time.sleep(2.0)
        closed = 0
        for s in socks:
            s.settimeout(2)
            try:
                closed += s.recv(100) == b""
            except OSError:
                closed += 1
            s.close()
        print(f"slow clients: {closed}/200 closed by the server after ~2 s")
        assert closed == 200  # was: 0 (held open indefinitely)
    finally:
        stop_backend(live)


@pytest.mark.sqlite_only
@pytest.mark.skipif(not hasattr(stat, "S_IMODE"), reason="POSIX modes")
def test_database_wal_and_log_files_are_private(live: Live) -> None:
    live.token("admin")  # something written
    db = Path(live.db)
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), live.logs / "studio.log"]
    for f in files:
        assert f.exists(), f
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f  # was: 0644
