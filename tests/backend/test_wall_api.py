"""The regional wall's API: stores with sessions and today's sales, play URLs, viewers, SSE."""

from __future__ import annotations

import asyncio
from typing import Any

from studio.wall.feed import WallClient
from studio.wall.model import StoreInfo
from tests.backend.conftest import AppEnv, Live
from tests.backend.helpers import buy, new_link, new_live_session


def _wall(env: AppEnv, user: str = "manager", **params: Any) -> Any:
    return env.client.get("/api/wall", headers=env.login(user), params=params)


def test_wall_lists_region_stores_with_live_session_sales_and_top_guide(app_env: AppEnv) -> None:
    r = _wall(app_env)
    assert r.status_code == 200, r.text
    body = r.json()
    names = [s["name"] for s in body["stores"]]
    assert names == ["上海南京西路店", "杭州湖滨店"]
    before = {s["name"]: s for s in body["stores"]}
    assert before["上海南京西路店"]["state"] == "live"  # the demo's live session 1
    assert before["上海南京西路店"]["play_url"] is None
    assert before["上海南京西路店"]["viewers"] is None

    guide = app_env.login("guide1")
    sess = app_env.client.get("/api/sessions/1", headers=guide).json()
    link = new_link(_Auth(app_env, "guide1"), sess["id"], 2)
    assert buy(app_env.client, link["token"], quantity="2").status_code == 201
    assert buy(app_env.client, link["token"]).status_code == 201
    r = app_env.client.post("/api/sessions/1/viewers", json={"viewers": 321}, headers=guide)
    assert r.status_code == 204, r.text

    after = {s["name"]: s for s in _wall(app_env).json()["stores"]}
    s1 = after["上海南京西路店"]
    assert s1["orders_today"] == before["上海南京西路店"]["orders_today"] + 2
    assert s1["gmv_today_cents"] == before["上海南京西路店"]["gmv_today_cents"] + 3 * 59900
    assert s1["viewers"] == 321
    assert s1["top_guide_today"]["guide_name"] in ("小美", "阿杰")
    assert s1["session"]["guide_name"] and s1["last_order_at"] == app_env.clock.now()
    assert after["杭州湖滨店"]["orders_today"] == before["杭州湖滨店"]["orders_today"]

    # "today" starts at local midnight: a day later nothing counts any more
    app_env.advance(86400)
    s1 = {s["name"]: s for s in _wall(app_env).json()["stores"]}["上海南京西路店"]
    assert (s1["orders_today"], s1["gmv_today_cents"], s1["top_guide_today"]) == (0, 0, None)


class _Auth:
    """TestClient calls with a user's bearer header (the helpers take a client)."""

    def __init__(self, env: AppEnv, user: str) -> None:
        self.env, self.user = env, user

    def post(self, url: str, **kw: Any) -> Any:
        headers = {**kw.pop("headers", {}), **self.env.login(self.user)}
        return self.env.client.post(url, headers=headers, **kw)


def test_play_url_is_set_per_store_by_those_allowed(app_env: AppEnv) -> None:
    url = "rtmp://media.example.cn/live/store1"
    c = app_env.client
    r = c.put("/api/stores/1/stream", json={"play_url": url}, headers=app_env.login("manager"))
    assert r.status_code == 200, r.text
    assert {s["store_id"]: s["play_url"] for s in _wall(app_env).json()["stores"]}[1] == url
    flv = "https://cdn.example.cn/live/s2.flv"
    r = c.put("/api/stores/2/stream", json={"play_url": flv}, headers=app_env.login("storemgr"))
    assert r.status_code == 403  # store 1's manager, store 2
    r = c.put("/api/stores/1/stream", json={"play_url": flv}, headers=app_env.login("storemgr"))
    assert r.status_code == 200
    assert r.json()["play_url"] == flv
    for bad in ("ftp://x/y", "not a url", ""):
        r = c.put("/api/stores/1/stream", json={"play_url": bad}, headers=app_env.login("admin"))
        assert r.status_code == 422, bad
    r = c.put("/api/stores/99/stream", json={"play_url": url}, headers=app_env.login("admin"))
    assert r.status_code == 404
    r = c.put("/api/stores/1/stream", json={"play_url": url}, headers=app_env.login("guide1"))
    assert r.status_code == 403


def test_wall_is_for_the_region_not_for_store_staff(app_env: AppEnv) -> None:
    assert _wall(app_env, "guide1").status_code == 403
    assert _wall(app_env, "storemgr").status_code == 403
    assert _wall(app_env, "admin").status_code == 422  # admin has no region: must name one
    assert _wall(app_env, "admin", region_id=1).status_code == 200
    assert _wall(app_env, "manager", region_id=99).status_code == 404
    assert app_env.client.get("/api/wall").status_code == 401
    r = app_env.client.post(
        "/api/sessions/1/viewers", json={"viewers": 5}, headers=app_env.login("guide3")
    )
    assert r.status_code == 403  # another store's guide
    r = app_env.client.post(
        "/api/sessions/1/viewers", json={"viewers": -1}, headers=app_env.login("guide1")
    )
    assert r.status_code == 422


def test_wall_feed_over_http_snapshot_then_changes_and_orders(live: Live) -> None:
    """The wall's own client against a real backend: snapshot, a store change, its order."""
    guide = live.client("guide3")  # 杭州湖滨店
    with live.client("manager") as mgr:
        mgr.put("/api/stores/2/stream", json={"play_url": "rtmp://m.example.cn/live/hz"})

    async def scenario() -> tuple[list[list[StoreInfo]], list[StoreInfo], list[tuple[str, Any]]]:
        client = WallClient(live.url, token=live.token("manager"))
        snaps: list[list[StoreInfo]] = []
        changes: list[StoreInfo] = []
        orders: list[tuple[str, Any]] = []
        stop = asyncio.Event()

        def on_order(key: str, order: dict[str, Any]) -> None:
            orders.append((key, order))

        task = asyncio.create_task(client.follow(snaps.append, changes.append, on_order, stop=stop))
        for _ in range(100):
            if snaps:
                break
            await asyncio.sleep(0.05)
        sess = await asyncio.to_thread(new_live_session, guide, "湖滨夜场")
        link = await asyncio.to_thread(new_link, guide, sess["id"], 3)
        assert (await asyncio.to_thread(buy, guide, link["token"])).status_code == 201
        for _ in range(200):
            if orders and any(c.orders for c in changes if c.store_id == 2):
                break
            await asyncio.sleep(0.05)
        stop.set()
        task.cancel()
        await client.aclose()
        return snaps, changes, orders

    snaps, changes, orders = asyncio.run(scenario())
    hz = {s.store_id: s for s in snaps[0]}[2]
    assert hz.url == "rtmp://m.example.cn/live/hz" and hz.key == "store:2"
    assert orders and orders[0][0] == "store:2" and orders[0][1]["product_id"] == 3
    last = [c for c in changes if c.store_id == 2][-1]
    assert last.session_state == "live" and last.guide == "莉莉"
    assert last.orders == hz.orders + 1 and last.gmv_cents > hz.gmv_cents
    guide.close()
