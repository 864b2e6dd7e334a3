"""End-to-end behaviour over real HTTP against `studio backend` on a loopback port."""

from __future__ import annotations

import json
import threading
import time
import uuid

import httpx

from tests.backend.conftest import Live, read_sse, signed
from tests.backend.helpers import buy, counts, new_link, new_live_session


def test_checkout_order_reaches_feed_with_commission(live: Live) -> None:
    with live.client("guide1") as g, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 2)
        assert link["url"].startswith(live.url + "/p/")
        page = shopper.get(f"/p/{link['token']}")
        assert page.status_code == 200 and "立即购买" in page.text and "轻薄羽绒服" in page.text
        r = buy(
            shopper,
            link["token"],
            quantity="2",
            fulfilment="delivery",
            address="上海市静安区测试路 1 号",
        )
        assert r.status_code == 201 and "支付成功" in r.text
        events = read_sse(g, sess["id"], follow=False)
        placed = [e for e in events if e["event"] == "order.placed"]
        assert len(placed) == 1
        order = placed[0]["data"]
        assert order["guide_id"] == link["guide_id"] and order["quantity"] == 2
        assert order["amount_cents"] == 2 * 59900
        assert order["commission"]["state"] == "pending"
        assert order["commission"]["amount_cents"] == 5000  # 8 % of 1198 capped at 50 yuan
        assert [e["event"] for e in events][-2:] == ["order.placed", "stock.changed"]
        summary = g.get(f"/api/sessions/{sess['id']}/summary").json()
        assert summary["clicks"] == 1 and summary["orders"] == 1
        assert summary["gmv_cents"] == 119800 and summary["conversion"] == 1.0


def test_sse_resume_delivers_every_missed_event_once_in_order(live: Live) -> None:
    with live.client("guide1") as g, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 11)
        for _ in range(3):
            assert buy(shopper, link["token"]).status_code == 201
        first = read_sse(g, sess["id"], want=2)  # read two, then "drop the connection"
        assert len(first) == 2
        last_seen = first[-1]["id"]
        for _ in range(4):  # orders placed while the client is away
            assert buy(shopper, link["token"]).status_code == 201
        everything = read_sse(g, sess["id"], follow=False)
        resumed = read_sse(g, sess["id"], last_id=last_seen, follow=False)
        ids = [e["id"] for e in first + resumed]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
        assert ids == [e["id"] for e in everything]
        assert sum(e["event"] == "order.placed" for e in first + resumed) == 7


def test_sse_live_stream_sees_new_orders_while_connected(live: Live) -> None:
    with live.client("guide1") as g, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 12)
        got: list[dict] = []
        reader = threading.Thread(target=lambda: got.extend(read_sse(g, sess["id"], want=3)))
        reader.start()
        time.sleep(0.5)
        assert buy(shopper, link["token"]).status_code == 201
        reader.join(timeout=20)
        assert [e["event"] for e in got] == ["session.state", "order.placed", "stock.changed"]


def test_webhook_fifteen_deliveries_one_order_one_commission(live: Live) -> None:
    with live.client("guide3") as g, live.client("admin") as admin:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 9)
        body = {
            "shop_order_id": f"YZ-{uuid.uuid4()}",
            "link_token": link["token"],
            "quantity": 3,
            "amount_cents": 23700,
            "fulfilment": "delivery",
        }
        raw, headers = signed(body)
        results = [
            httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
            for _ in range(15)
        ]
        assert all(r.status_code == 200 for r in results)
        assert [r.json()["duplicate"] for r in results] == [False] + [True] * 14
        assert len({r.json()["order"]["id"] for r in results}) == 1
        assert counts(admin, sess["id"]) == (1, 1)
        order = results[0].json()["order"]
        assert order["guide_id"] == link["guide_id"] and order["store_id"] == 2
        # the shop refunds it later: same id, status refunded -> commission reversed
        raw, headers = signed({**body, "status": "refunded"})
        r = httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
        assert r.json()["order"]["status"] == "refunded"
        assert r.json()["order"]["commission"]["state"] == "reversed"


def test_webhook_rejects_bad_signature_and_stale_timestamp(live: Live) -> None:
    with live.client("guide1") as g, live.client("admin") as admin:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 3)
        body = {
            "shop_order_id": f"WM-{uuid.uuid4()}",
            "link_token": link["token"],
            "quantity": 1,
            "amount_cents": 25900,
        }
        raw, headers = signed(body, secret="not-the-secret")
        r = httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
        assert r.status_code == 401 and "bad signature" in r.json()["detail"]
        raw, headers = signed(body, ts=int(time.time()) - 301)
        r = httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
        assert r.status_code == 401 and "300 s" in r.json()["detail"]
        raw, headers = signed(body, ts=int(time.time()) + 400)
        assert (
            httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers).status_code
            == 401
        )
        raw, headers = signed(body)  # body edited after signing
        tampered = raw.replace(b"25900", b"1")
        assert (
            httpx.post(
                f"{live.url}/api/webhooks/orders", content=tampered, headers=headers
            ).status_code
            == 401
        )
        assert httpx.post(f"{live.url}/api/webhooks/orders", content=raw).status_code == 401
        assert counts(admin, sess["id"]) == (0, 0)


def test_tampered_expired_and_foreign_tokens_never_attribute(live: Live) -> None:
    with (
        live.client("guide1") as g1,
        live.client("guide3") as g3,
        live.client("admin") as admin,
        live.client() as shopper,
    ):
        s1 = new_live_session(g1)
        s3 = new_live_session(g3)
        good = new_link(g1, s1["id"], 14)
        other = new_link(g3, s3["id"], 14)
        public_id, mac = good["token"].split(".")
        # swap the id of guide3's link onto guide1's MAC and vice versa; flip characters
        forged = [
            f"{other['token'].split('.')[0]}.{mac}",
            f"{public_id}.{other['token'].split('.')[1]}",
            public_id + "." + ("A" if mac[0] != "A" else "B") + mac[1:],
            public_id,
            good["token"] + "x",
            "not-a-token",
            "a.b",
            # a token minted by another backend (another secret)
            "pxxJkdOnjRao.y9buD2B2Z918SEHL",
        ]
        for tok in forged:
            page = shopper.get(f"/p/{tok}")
            assert page.status_code == 404 and "链接无效" in page.text, tok
            assert buy(shopper, tok).status_code == 404, tok
            raw, headers = signed(
                {
                    "shop_order_id": f"F-{uuid.uuid4()}",
                    "link_token": tok,
                    "quantity": 1,
                    "amount_cents": 4900,
                }
            )
            assert (
                httpx.post(
                    f"{live.url}/api/webhooks/orders", content=raw, headers=headers
                ).status_code
                == 422
            )
        short = new_link(g1, s1["id"], 14, ttl_seconds=1)
        time.sleep(1.2)
        page = shopper.get(f"/p/{short['token']}")
        assert page.status_code == 410 and "链接已失效" in page.text
        assert buy(shopper, short["token"]).status_code == 410
        assert counts(admin, s1["id"]) == (0, 0) and counts(admin, s3["id"]) == (0, 0)
        # the genuine links attribute to their own guide only
        assert buy(shopper, good["token"]).status_code == 201
        assert buy(shopper, other["token"]).status_code == 201
        o1 = admin.get("/api/orders", params={"session_id": s1["id"]}).json()
        o3 = admin.get("/api/orders", params={"session_id": s3["id"]}).json()
        assert [o["guide_id"] for o in o1] == [good["guide_id"]]
        assert [o["guide_id"] for o in o3] == [other["guide_id"]]
        assert good["guide_id"] != other["guide_id"]
        # ending the session expires its links
        g1.post(
            f"/api/sessions/{s1['id']}/actions",
            json={"kind": "session_ended"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert shopper.get(f"/p/{good['token']}").status_code == 410


def test_bad_input_is_a_clear_4xx_and_writes_nothing(live: Live) -> None:
    with live.client("guide1") as g, live.client("admin") as admin, live.client() as shopper:
        sess = new_live_session(g)
        link = new_link(g, sess["id"], 15)
        before_links = len(g.get(f"/api/sessions/{sess['id']}/links").json())
        stock = g.get("/api/products/15").json()["stock"]
        r = g.post(
            "/api/links", content=b'{"session_id": 1,', headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
        r = g.post("/api/links", json={"session_id": sess["id"], "product_id": 99999})
        assert r.status_code == 404 and "product 99999" in r.json()["detail"]
        r = g.post("/api/links", json={"session_id": sess["id"], "product_id": -1})
        assert r.status_code == 422 and "product_id" in r.json()["detail"]
        r = g.post(
            "/api/links", content=b"x" * 200_000, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413 and "too large" in r.json()["detail"]
        assert len(g.get(f"/api/sessions/{sess['id']}/links").json()) == before_links
        for form in (
            {"quantity": "-1"},
            {"quantity": "0"},
            {"quantity": "abc"},
            {"fulfilment": "drone"},
            {"fulfilment": "delivery", "address": ""},
        ):
            r = buy(shopper, link["token"], **form)
            assert 400 <= r.status_code < 500 and "信息有误" in r.text, form
        r = shopper.post(f"/p/{link['token']}/buy", content=b"q" * 100_000)
        assert r.status_code == 413
        raw, headers = signed(
            {
                "shop_order_id": "NEG-1",
                "link_token": link["token"],
                "quantity": -2,
                "amount_cents": 100,
            }
        )
        r = httpx.post(f"{live.url}/api/webhooks/orders", content=raw, headers=headers)
        assert r.status_code == 422 and "quantity" in r.json()["detail"]
        assert counts(admin, sess["id"]) == (0, 0)
        assert g.get("/api/products/15").json()["stock"] == stock


def test_sold_out_page(live: Live) -> None:
    with live.client("storemgr") as m, live.client() as shopper:
        sess = new_live_session(m, guide_id=2)
        link = new_link(m, sess["id"], 20)  # 限量款福袋: 3 in stock
        stock = m.get("/api/products/20").json()["stock"]
        if stock:
            assert buy(shopper, link["token"], quantity=str(stock)).status_code == 201
        page = shopper.get(f"/p/{link['token']}")
        assert page.status_code == 409 and "已售罄" in page.text
        assert buy(shopper, link["token"]).status_code == 409


def test_idempotency_replay_and_conflict(live: Live) -> None:
    with live.client("guide1") as g:
        sess = new_live_session(g)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"session_id": sess["id"], "product_id": 5}
        a = g.post("/api/links", json=body, headers=key)
        b = g.post("/api/links", json=body, headers=key)
        assert a.status_code == b.status_code == 201
        assert a.json() == b.json() and b.headers.get("Idempotent-Replayed") == "true"
        c = g.post("/api/links", json={**body, "product_id": 6}, headers=key)
        assert c.status_code == 409 and "Idempotency-Key" in c.json()["detail"]
        assert len(g.get(f"/api/sessions/{sess['id']}/links").json()) == 1


def test_outbox_actions_recorded_once_per_key(live: Live) -> None:
    with live.client("guide1") as g:
        sess = new_live_session(g)  # one session_started action
        kinds = [
            "link_shown",
            "cue_fired",
            "coupon_issued",
            "groupbuy_started",
            "lottery_started",
            "session_ended",
        ]
        keys = [str(uuid.uuid4()) for _ in kinds]
        for _ in range(3):  # the outbox retries everything three times
            for kind, key in zip(kinds, keys, strict=True):
                r = g.post(
                    f"/api/sessions/{sess['id']}/actions",
                    json={"kind": kind, "payload": {"cue": 3}, "client_time": 1.0},
                    headers={"Idempotency-Key": key},
                )
                assert r.status_code == 201
        actions = g.get(f"/api/sessions/{sess['id']}/actions").json()
        assert [a["kind"] for a in actions] == ["session_started", *kinds]
        assert g.get(f"/api/sessions/{sess['id']}").json()["state"] == "ended"
        late = g.post(
            f"/api/sessions/{sess['id']}/actions",
            json={"kind": "session_started"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert late.json()["session_state"] == "ended"  # never moves backwards
        r = g.post(f"/api/sessions/{sess['id']}/actions", json={"kind": "cue_fired"})
        assert r.status_code == 400 and "Idempotency-Key" in r.json()["detail"]


def test_poster_and_booking_page(live: Live) -> None:
    with live.client("guide3") as g, live.client() as shopper:
        sessions = g.get("/api/sessions").json()
        sess = next(s for s in sessions if s["state"] == "scheduled")
        r = g.get(f"/api/sessions/{sess['id']}/poster.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        from io import BytesIO

        from PIL import Image

        img = Image.open(BytesIO(r.content))
        assert img.size == (750, 1200) and len(img.convert("L").getcolors(256) or []) > 10
        page = shopper.get(
            sess["share_url"].replace(sess["share_url"].split("/live/")[0], live.url)
        )
        assert page.status_code == 200 and sess["title"] in page.text
        booked = shopper.post(f"/live/{sess['share_url'].split('/live/')[1]}/book")
        assert booked.status_code == 200 and "预约成功" in booked.text
        assert g.get(f"/api/sessions/{sess['id']}/summary").json()["bookings"] >= 1


def test_leaderboard_ranks_guides_by_gmv(live: Live) -> None:
    with live.client("guide2") as g2, live.client("manager") as mgr, live.client() as shopper:
        sess = new_live_session(g2)
        link = new_link(g2, sess["id"], 18)  # 499 yuan headphones
        assert buy(shopper, link["token"], quantity="3").status_code == 201
        board = mgr.get("/api/leaderboard").json()
        assert board, board
        hour = board[0]["hour"]
        current = [row for row in board if row["hour"] == hour]
        assert [row["rank"] for row in current] == list(range(1, len(current) + 1))
        assert current == sorted(current, key=lambda r: -r["gmv_cents"])
        me = next(row for row in current if row["guide_id"] == link["guide_id"])
        assert me["gmv_cents"] >= 3 * 49900 and me["guide_name"] == "阿杰"
        json.dumps(board, ensure_ascii=False)


def test_demo_shoppers_place_orders_through_real_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.backend.conftest import start_backend, stop_backend

    server = start_backend(tmp_path, "--demo-shoppers", "600")
    try:
        with server.client("manager") as m:
            deadline = time.monotonic() + 30
            orders: list = []
            while time.monotonic() < deadline and len(orders) < 5:
                time.sleep(0.5)
                orders = m.get("/api/orders", params={"session_id": 1}).json()
            assert len(orders) >= 5
            assert {o["source"] for o in orders} == {"checkout"}
            assert all(o["guide_id"] == 1 for o in orders)  # the live show's guide
            assert m.get("/api/sessions/1/summary").json()["clicks"] >= len(orders)
    finally:
        stop_backend(server)
