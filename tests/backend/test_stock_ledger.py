"""Stock cannot be inflated (issue 14, 1-2): a ledger row per change, refunds give back
only what their own sale took, rehearsals never touch real stock. Over real HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.backend.conftest import Live, signed
from tests.backend.helpers import buy, new_link, new_live_session


def _hook(live: Live, body: dict[str, Any]) -> httpx.Response:
    raw, headers = signed(body)
    return httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)


def _stock(c: httpx.Client, product_id: int) -> int:
    return int(c.get(f"/api/products/{product_id}").json()["stock"])


def _ledger_sums_to_stock(admin: httpx.Client, product_id: int) -> None:
    moves = admin.get(f"/api/products/{product_id}/stock-moves", params={"limit": 1000}).json()
    real = sum(m["delta"] for m in moves if m["pool"] == "real")
    assert real == _stock(admin, product_id), moves[:5]
    assert moves[0]["stock_after"] == _stock(admin, product_id)


def test_phantom_refund_of_an_unknown_shop_order_changes_no_stock(live: Live) -> None:
    with live.client("storemgr") as m, live.client("admin") as admin:
        sess = new_live_session(m, guide_id=2)
        link = new_link(m, sess["id"], 19)  # 磁吸充电宝
        before = _stock(m, 19)
        r = _hook(
            live,
            {
                "shop_order_id": f"GHOST-{uuid.uuid4()}",
                "link_token": link["token"],
                "status": "refunded",
                "quantity": 999,
                "amount_cents": 100,
            },
        )
        assert r.status_code == 200, r.text
        order = r.json()["order"]
        assert order["status"] == "refunded" and order["commission"] is None
        assert _stock(m, 19) == before  # was: before + 999
        kinds = [mv["kind"] for mv in admin.get("/api/products/19/stock-moves").json()[:1]]
        assert kinds == ["unmatched_refund"]
        _ledger_sums_to_stock(admin, 19)


def test_oversized_shop_sale_then_refund_gives_back_only_what_it_took(live: Live) -> None:
    with live.client("storemgr") as m, live.client("admin") as admin:
        sess = new_live_session(m, guide_id=2)
        link = new_link(m, sess["id"], 17)  # 香薰蜡烛
        before = _stock(m, 17)
        body = {
            "shop_order_id": f"BIG-{uuid.uuid4()}",
            "link_token": link["token"],
            "quantity": before + 500,
            "amount_cents": 8800 * (before + 500),
        }
        assert _hook(live, body).status_code == 200
        assert _stock(m, 17) == 0
        r = _hook(live, {**body, "status": "refunded"})
        assert r.status_code == 200 and r.json()["order"]["status"] == "refunded"
        assert _stock(m, 17) == before  # was: before + 500
        # a repeated refund gives nothing more
        assert _hook(live, {**body, "status": "refunded"}).json()["duplicate"] is True
        assert _stock(m, 17) == before
        _ledger_sums_to_stock(admin, 17)


def test_checkout_refund_and_manual_adjustment_are_ledger_rows(live: Live) -> None:
    with live.client("guide1") as g, live.client("admin") as admin, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 10)
        before = _stock(g, 10)
        assert buy(shopper, link["token"], quantity="3").status_code == 201
        order = admin.get("/api/orders", params={"session_id": sess["id"]}).json()[0]
        assert admin.post(f"/api/orders/{order['id']}/refund", json={}).status_code == 200
        r = admin.post("/api/products/10/stock", json={"delta": 5, "reason": "到货 5 件"})
        assert r.status_code == 201 and r.json()["stock_after"] == before + 5
        moves = admin.get("/api/products/10/stock-moves").json()[:3]
        assert [(mv["kind"], mv["delta"]) for mv in moves] == [
            ("adjustment", 5),
            ("refund", 3),
            ("sale", -3),
        ]
        assert moves[1]["order_id"] == moves[2]["order_id"] == order["id"]
        assert (
            admin.post(
                "/api/products/10/stock", json={"delta": -(10**6), "reason": "x"}
            ).status_code
            == 409
        )
        assert g.post("/api/products/10/stock", json={"delta": 1, "reason": "x"}).status_code == 403
        _ledger_sums_to_stock(admin, 10)


def test_rehearsal_buys_leave_real_stock_unchanged(live: Live) -> None:
    with (
        live.client("trainer") as t,
        live.client("storemgr") as m,
        live.client("admin") as admin,
        live.client() as shopper,
    ):
        rehearsal = new_live_session(t, title="彩排", guide_id=2, rehearsal=True)
        practice = new_link(t, rehearsal["id"], 16)  # 全棉四件套
        before = _stock(m, 16)
        for _ in range(4):  # 4 x 15 > any stock a rehearsal should be able to drain
            assert buy(shopper, practice["token"], quantity="15").status_code == 201
        assert _stock(m, 16) == before  # was: before - 60 (clamped: sold out)
        show = new_live_session(m, guide_id=2)
        real = new_link(m, show["id"], 16)
        assert buy(shopper, real["token"]).status_code == 201  # was: 已售罄
        assert _stock(m, 16) == before - 1
        orders = admin.get("/api/orders", params={"session_id": rehearsal["id"]}).json()
        assert orders and all(o["rehearsal"] and o["commission"] is None for o in orders)
        # refunding a practice order gives no real stock back either
        assert admin.post(f"/api/orders/{orders[0]['id']}/refund", json={}).status_code == 200
        assert _stock(m, 16) == before - 1
        pools = {mv["pool"] for mv in admin.get("/api/products/16/stock-moves").json()}
        assert pools == {"real", "rehearsal"}
        _ledger_sums_to_stock(admin, 16)
