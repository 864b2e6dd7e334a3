"""Commission lifecycle with an injected clock: pending -> settled -> reversed on refund."""

from __future__ import annotations

import re

from tests.backend.conftest import AppEnv
from tests.backend.helpers import buy, new_link, new_live_session

DAY = 86400


def _commission(env: AppEnv, order_id: int) -> dict:
    r = env.client.get(f"/api/orders/{order_id}", headers=env.login("admin"))
    return r.json()["commission"]


def _order_ids(env: AppEnv, session_id: int) -> list[int]:
    r = env.client.get("/api/orders", params={"session_id": session_id}, headers=env.login("admin"))
    return sorted(o["id"] for o in r.json())


def test_pending_then_settled_after_return_window(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("guide1"))
    sess = new_live_session(c)
    link = new_link(c, sess["id"], 7)  # 美妆: 10 %, no cap
    assert buy(c, link["token"], use_coupon="0").status_code == 201
    (oid,) = _order_ids(app_env, sess["id"])
    com = _commission(app_env, oid)
    assert com["state"] == "pending" and com["amount_cents"] == 2680 and com["rate"] == 0.1
    admin = app_env.login("admin")
    app_env.advance(7 * DAY - 60)
    admin = app_env.login("admin")
    assert c.post("/api/commissions/settle", headers=admin).json() == {"settled": 0}
    assert _commission(app_env, oid)["state"] == "pending"
    app_env.advance(120)
    admin = app_env.login("admin")
    assert c.post("/api/commissions/settle", headers=admin).json() == {"settled": 1}
    com = _commission(app_env, oid)
    assert com["state"] == "settled" and com["settled_at"] == app_env.clock.now()
    # a settled commission is clawed back when the order is refunded
    r = c.post(f"/api/orders/{oid}/refund", json={}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "refunded"
    assert _commission(app_env, oid)["state"] == "reversed"
    assert c.post(f"/api/orders/{oid}/refund", json={}, headers=admin).status_code == 409
    feed = c.get(
        f"/api/sessions/{sess['id']}/events", params={"follow": "false"}, headers=admin
    ).text
    assert "commission.settled" in feed and "order.refunded" in feed


def test_refund_inside_window_reverses_and_never_settles(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("guide1"))
    sess = new_live_session(c)
    link = new_link(c, sess["id"], 1)
    stock = c.get("/api/products/1").json()["stock"]
    assert buy(c, link["token"], quantity="2").status_code == 201
    assert c.get("/api/products/1").json()["stock"] == stock - 2
    (oid,) = _order_ids(app_env, sess["id"])
    admin = app_env.login("admin")
    app_env.advance(DAY)
    admin = app_env.login("admin")
    assert c.post(f"/api/orders/{oid}/refund", json={}, headers=admin).status_code == 200
    assert c.get("/api/products/1", headers=admin).json()["stock"] == stock  # restored
    app_env.advance(30 * DAY)
    admin = app_env.login("admin")
    assert c.post("/api/commissions/settle", headers=admin).json() == {"settled": 0}
    assert _commission(app_env, oid)["state"] == "reversed"


def test_rules_product_beats_category_and_cap_applies(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("guide1"))
    sess = new_live_session(c)
    headphones = new_link(c, sess["id"], 18)  # product rule 12 % capped at 30 yuan
    sweater = new_link(c, sess["id"], 1)  # 服饰 8 % capped at 50 yuan
    coffee = new_link(c, sess["id"], 11)  # default 5 %
    for link, q in ((headphones, "1"), (sweater, "1"), (coffee, "1")):
        assert buy(c, link["token"], quantity=q, use_coupon="0").status_code == 201
    amounts = [_commission(app_env, oid)["amount_cents"] for oid in _order_ids(app_env, sess["id"])]
    assert amounts == [3000, round(39900 * 0.08), round(6800 * 0.05)]


def group_line(page: str) -> str:
    found = re.search(r"(已拼 [^<]*)</div>", page)
    assert found, "no group-buy line on the checkout page"
    return found.group(1)


def test_coupon_and_groupbuy_pricing_and_failed_group_refunds(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("guide1"))
    sess = new_live_session(c)
    r = c.post(
        "/api/coupons",
        json={
            "session_id": sess["id"],
            "title": "立减30",
            "discount_cents": 3000,
            "min_spend_cents": 10000,
            "total": 1,
        },
    )
    assert r.status_code == 201
    gb = c.post(
        "/api/groupbuys",
        json={
            "session_id": sess["id"],
            "product_id": 16,
            "group_price_cents": 29900,
            "size": 3,
            "minutes": 10,
        },
    )
    assert gb.status_code == 201
    link = new_link(c, sess["id"], 16)
    page = c.get(f"/p/{link['token']}").text
    assert "拼团价" in page and "立减30" in page and "已拼 0/3" in page
    assert group_line(page) == "已拼 0/3 人 · 约 10 分钟后结束"  # the test clock stands still
    app_env.advance(9 * 60 + 30)
    page = c.get(f"/p/{link['token']}").text
    assert group_line(page) == "已拼 0/3 人 · 不到 1 分钟就结束"  # never "约 0 分钟"
    assert buy(c, link["token"], use_coupon="1").status_code == 201  # coupon: 359 - 30
    assert buy(c, link["token"], use_coupon="1").status_code == 201  # coupon used up
    joined = buy(c, link["token"], join_group="1", use_coupon="0", buyer_phone="13800001111")
    assert joined.status_code == 201
    orders = c.get("/api/orders", params={"session_id": sess["id"]}).json()
    assert sorted(o["amount_cents"] for o in orders) == [29900, 32900, 35900]
    app_env.advance(2 * 60)  # the group never filled: it fails and is refunded
    assert app_env.commerce.sweep_groupbuys() == 1
    grp = c.get(f"/api/sessions/{sess['id']}/groupbuys").json()[-1]
    assert grp["state"] == "failed" and grp["joined"] == 1
    orders = {
        o["amount_cents"]: o for o in c.get("/api/orders", params={"session_id": sess["id"]}).json()
    }
    assert orders[29900]["status"] == "refunded"
    assert orders[29900]["commission"]["state"] == "reversed"
    assert orders[32900]["status"] == "paid"


def test_rehearsal_orders_have_no_commission_and_skip_leaderboard(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("trainer"))
    sess = new_live_session(c, title="彩排", guide_id=2, rehearsal=True)
    link = new_link(c, sess["id"], 13)
    assert buy(c, link["token"]).status_code == 201
    (order,) = c.get("/api/orders", params={"session_id": sess["id"]}).json()
    assert order["rehearsal"] is True and order["commission"] is None
    board = c.get("/api/leaderboard").json()
    assert all(row["guide_id"] != 2 for row in board)


def test_lottery_draws_among_buyers_once(app_env: AppEnv) -> None:
    c = app_env.client
    c.headers.update(app_env.login("guide1"))
    sess = new_live_session(c)
    link = new_link(c, sess["id"], 14)
    for name in ("王女士", "李先生", "张同学"):
        assert buy(c, link["token"], buyer_name=name).status_code == 201
    lot = c.post("/api/lotteries", json={"session_id": sess["id"], "prize": "脐橙", "winners": 2})
    first = c.post(f"/api/lotteries/{lot.json()['id']}/draw").json()
    again = c.post(f"/api/lotteries/{lot.json()['id']}/draw").json()
    assert first["state"] == "drawn" and len(first["result"]) == 2 and first == again
    assert all(w["buyer"].endswith("**") for w in first["result"])
    feed = c.get(f"/api/sessions/{sess['id']}/events", params={"follow": "false"}).text
    assert feed.count("event: lottery.result") == 1
