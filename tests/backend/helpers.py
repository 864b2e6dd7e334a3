"""Small API helpers shared by the HTTP tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def new_live_session(
    c: httpx.Client | Any, title: str = "测试直播", **extra: Any
) -> dict[str, Any]:
    """Create a session as the calling user and start it through the actions endpoint."""
    r = c.post(
        "/api/sessions",
        json={"title": title, **extra},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    sess = r.json()
    r = c.post(
        f"/api/sessions/{sess['id']}/actions",
        json={"kind": "session_started"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    assert r.json()["session_state"] == "live"
    return sess


def new_link(
    c: httpx.Client | Any, session_id: int, product_id: int, **extra: Any
) -> dict[str, Any]:
    r = c.post(
        "/api/links",
        json={"session_id": session_id, "product_id": product_id, **extra},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    return r.json()


def buy(c: httpx.Client | Any, token: str, **form: str) -> Any:
    data = {"quantity": "1", "fulfilment": "pickup", **form}
    return c.post(f"/p/{token}/buy", data=data)


def counts(c: httpx.Client | Any, session_id: int) -> tuple[int, int]:
    """(orders, commissions) recorded for a session, as the admin sees them."""
    orders = c.get("/api/orders", params={"session_id": session_id, "limit": 500}).json()
    return len(orders), sum(1 for o in orders if o["commission"] is not None)
