"""Role scopes: for every endpoint, who may and who may not (TestClient, one shared app).

The world: region 1 (华东区) with store 1 (guide1, guide2, storemgr) and store 2
(guide3), its regional manager and trainer; a foreign region with gz_guide and
gz_manager. Every case acts on session 1 (store 1, guide1, live).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from studio.backend.app import create_app
from studio.backend.seed import DEMO_PASSWORD, add_region, seed_demo

USERS = [
    "admin",
    "manager",
    "storemgr",
    "trainer",
    "guide1",
    "guide2",
    "guide3",
    "gz_guide",
    "gz_manager",
]
READERS = {"admin", "manager", "storemgr", "trainer", "guide1", "guide2"}
WRITERS = {"admin", "storemgr", "guide1", "guide2"}
REFUNDERS = {"admin", "storemgr", "manager"}


class World:
    def __init__(self, client: TestClient, order_id: int, lottery_id: int) -> None:
        self.client, self.order_id, self.lottery_id = client, order_id, lottery_id
        self.headers: dict[str, dict[str, str]] = {}
        for u in USERS:
            r = client.post("/api/auth/login", json={"username": u, "password": DEMO_PASSWORD})
            assert r.status_code == 200, (u, r.text)
            self.headers[u] = {"Authorization": f"Bearer {r.json()['token']}"}

    def call(self, user: str | None, method: str, url: str, **kw: Any) -> int:
        headers = {
            **(self.headers[user] if user else {}),
            **kw.pop("headers", {}),
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return self.client.request(method, url, headers=headers, **kw).status_code


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app = create_app(Path(tmp_path_factory.mktemp("acl")) / "b.sqlite3", sweep_seconds=3600)
    commerce = app.state.commerce
    seed_demo(commerce)
    add_region(commerce, "华南区", "广州天河店", "gz_guide", "gz_manager")
    with TestClient(app) as client:
        token = commerce.signer.token_for(
            commerce.db.one("SELECT public_id FROM links WHERE session_id=1")["public_id"]
        )
        assert client.post(f"/p/{token}/buy", data={"quantity": "1"}).status_code == 201
        order_id = commerce.db.one("SELECT id FROM orders WHERE session_id=1")["id"]
        w = World(client, order_id, 0)
        r = client.post(
            "/api/lotteries",
            json={"session_id": 1, "prize": "福袋", "winners": 1},
            headers=w.headers["admin"],
        )
        w.lottery_id = r.json()["id"]
        yield w


CASES: dict[str, tuple[set[str], Callable[[World, str | None], int]]] = {
    "get_session": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1")),
    "list_actions": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/actions")),
    "list_links": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/links")),
    "list_coupons": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/coupons")),
    "list_groupbuys": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/groupbuys")),
    "session_summary": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/summary")),
    "session_poster": (READERS, lambda w, u: w.call(u, "GET", "/api/sessions/1/poster.png")),
    "session_events": (
        READERS,
        lambda w, u: w.call(u, "GET", "/api/sessions/1/events", params={"follow": "false"}),
    ),
    "list_orders": (
        READERS,
        lambda w, u: w.call(u, "GET", "/api/orders", params={"session_id": 1}),
    ),
    "get_order": (READERS, lambda w, u: w.call(u, "GET", f"/api/orders/{w.order_id}")),
    "create_session": (
        {"admin", "storemgr", "guide1", "guide2"},
        lambda w, u: w.call(u, "POST", "/api/sessions", json={"title": "t", "guide_id": 1}),
    ),
    "create_session_rehearsal": (
        {"admin", "storemgr", "guide1", "guide2", "trainer"},
        lambda w, u: w.call(
            u, "POST", "/api/sessions", json={"title": "彩排", "guide_id": 1, "rehearsal": True}
        ),
    ),
    "record_action": (
        WRITERS,
        lambda w, u: w.call(u, "POST", "/api/sessions/1/actions", json={"kind": "note"}),
    ),
    "create_link": (
        WRITERS,
        lambda w, u: w.call(u, "POST", "/api/links", json={"session_id": 1, "product_id": 4}),
    ),
    "create_coupon": (
        WRITERS,
        lambda w, u: w.call(
            u,
            "POST",
            "/api/coupons",
            json={"session_id": 1, "title": "券", "discount_cents": 100, "total": 5},
        ),
    ),
    "start_groupbuy": (
        WRITERS,
        lambda w, u: w.call(
            u,
            "POST",
            "/api/groupbuys",
            json={
                "session_id": 1,
                "product_id": 4,
                "group_price_cents": 9900,
                "size": 2,
                "minutes": 5,
            },
        ),
    ),
    "start_lottery": (
        WRITERS,
        lambda w, u: w.call(
            u, "POST", "/api/lotteries", json={"session_id": 1, "prize": "奖", "winners": 1}
        ),
    ),
    "draw_lottery": (
        WRITERS,
        lambda w, u: w.call(u, "POST", f"/api/lotteries/{w.lottery_id}/draw"),
    ),
    "refund_order": (
        REFUNDERS,
        lambda w, u: w.call(u, "POST", f"/api/orders/{w.order_id}/refund", json={"reason": "test"}),
    ),
    "settle_commissions": ({"admin"}, lambda w, u: w.call(u, "POST", "/api/commissions/settle")),
    "leaderboard": (
        {"admin", "manager", "storemgr", "trainer", "guide1", "guide2", "guide3"},
        lambda w, u: w.call(u, "GET", "/api/leaderboard", params={"region_id": 1}),
    ),
}
OPEN_TO_ALL = {
    "get_me": lambda w, u: w.call(u, "GET", "/api/me"),
    "list_products": lambda w, u: w.call(u, "GET", "/api/products"),
    "get_product": lambda w, u: w.call(u, "GET", "/api/products/1"),
    "list_stores": lambda w, u: w.call(u, "GET", "/api/stores"),
    "list_guides": lambda w, u: w.call(u, "GET", "/api/guides"),
    "list_sessions": lambda w, u: w.call(u, "GET", "/api/sessions"),
    "list_commissions": lambda w, u: w.call(u, "GET", "/api/commissions"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_who_may_and_who_may_not(world: World, name: str) -> None:
    allowed, call = CASES[name]
    assert call(world, None) == 401  # anonymous never
    for user in USERS:
        status = call(world, user)
        if user in allowed:
            assert status in (200, 201) or (name == "refund_order" and status == 409), (
                name,
                user,
                status,
            )
        else:
            assert status == 403, (name, user, status)


@pytest.mark.parametrize("name", sorted(OPEN_TO_ALL))
def test_open_reads_need_login_and_are_scoped(world: World, name: str) -> None:
    assert OPEN_TO_ALL[name](world, None) == 401
    for user in USERS:
        assert OPEN_TO_ALL[name](world, user) == 200


def _ids(world: World, user: str, url: str, key: str = "id") -> set[int]:
    return {x[key] for x in world.client.get(url, headers=world.headers[user]).json()}


def test_list_scopes(world: World) -> None:
    assert _ids(world, "guide1", "/api/stores") == {1}
    assert _ids(world, "guide3", "/api/stores") == {2}
    assert _ids(world, "manager", "/api/stores") == {1, 2}
    assert _ids(world, "gz_manager", "/api/stores") == {3}
    assert _ids(world, "admin", "/api/stores") == {1, 2, 3}
    assert 1 in _ids(world, "guide2", "/api/sessions", "id")
    assert 1 not in _ids(world, "guide3", "/api/sessions", "id")
    assert _ids(world, "gz_manager", "/api/sessions") == set()
    assert _ids(world, "guide3", "/api/orders") == set()
    assert world.order_id in _ids(world, "guide1", "/api/orders")
    assert _ids(world, "gz_guide", "/api/guides", "store_id") == {3}
    # commissions: a guide sees only their own, even within their store
    assert _ids(world, "guide2", "/api/commissions", "guide_id") <= {2}
    assert _ids(world, "guide1", "/api/commissions", "guide_id") <= {1}
    assert world.order_id in _ids(world, "storemgr", "/api/commissions", "order_id")


def test_bad_and_expired_bearer_tokens(world: World) -> None:
    c = world.client
    assert c.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get("/api/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "guide1", "password": "wrong"})
    assert r.status_code == 401 and "wrong username or password" in r.json()["detail"]
    r = c.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    assert r.status_code == 401
    tok = c.post("/api/auth/login", json={"username": "guide1", "password": DEMO_PASSWORD}).json()[
        "token"
    ]
    h = {"Authorization": f"Bearer {tok}"}
    assert c.post("/api/auth/logout", headers=h).status_code == 204
    assert c.get("/api/me", headers=h).status_code == 401


def test_passwords_are_stored_with_argon2(world: World) -> None:
    db = world.client.app.state.commerce.db  # type: ignore[attr-defined]
    hashes = [r[0] for r in db.all("SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(DEMO_PASSWORD in h for h in hashes)
