"""The wall's commerce client: the region's stores, their changes (SSE) and focus data.

Plain asyncio + httpx, so it runs on the GUI's qasync loop and in tests alike.
``follow`` reconnects with backoff and resumes with ``Last-Event-ID``; every
(re)connect starts with a ``snapshot`` of all stores, so nothing is stale after
an outage. A refusal (wrong password, a user who may not see the region, an
unknown region) is a :class:`WallAccessError`, never retried: only the manager
can fix it, so the window shows it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from studio.wall.model import StoreInfo

log = logging.getLogger(__name__)

# HTTP status -> why the backend refused the wall (WallAccessError.reason)
_REFUSALS = {401: "token", 403: "forbidden", 404: "region", 422: "region"}


class WallAccessError(Exception):
    """The backend refused this wall; retrying cannot help, the manager must act.

    ``reason``: ``password`` (login refused), ``token`` (the feed no longer takes the
    login), ``forbidden`` (this user may not see the region), ``region`` (no such
    region, or an admin gave none). Not an ``OSError``, so no network retry loop
    catches it. Its text is the status and the backend's detail, never a secret.
    """

    def __init__(self, reason: str, status: int, detail: str) -> None:
        self.reason, self.status, self.detail = reason, status, detail
        super().__init__(f"backend refused the wall ({status} {reason}): {detail}")


def backend_problem(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """Why the backend could not be used, as (kind, params) for ``wall.backend.*`` / ``wall.why.*``.

    httpx's own words ("All connection attempts failed") are for the log, not the manager.
    """
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", {}
    if isinstance(exc, httpx.HTTPStatusError):
        return "status", {"status": exc.response.status_code}
    if isinstance(exc, httpx.TransportError | OSError):
        return "unreachable", {}
    return "other", {}


def _detail(body: bytes, status: int) -> str:
    try:
        detail = json.loads(body or b"{}").get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail or status)


def store_info(row: dict[str, Any]) -> StoreInfo:
    """A ``WallStore`` from ``GET /api/wall`` as a tile's model."""
    sess = row.get("session") or {}
    top = row.get("top_guide_today") or {}
    return StoreInfo(
        key=f"store:{row['store_id']}",
        name=row["name"],
        url=row.get("play_url"),
        store_id=row["store_id"],
        guide=sess.get("guide_name", ""),
        session_id=sess.get("id"),
        session_state=row.get("state"),
        live_since=sess.get("started_at") if row.get("state") == "live" else None,
        viewers=row.get("viewers"),
        orders=row.get("orders_today", 0),
        gmv_cents=row.get("gmv_today_cents", 0),
        top_guide=top.get("guide_name", ""),
        last_order_at=row.get("last_order_at"),
    )


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str, str | None]]:
    """(event, data, id) from a text/event-stream body; comments and pings skipped."""
    event, data, eid = "message", [], None
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data), eid
            event, data, eid = "message", [], None
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                eid = value


class WallClient:
    def __init__(
        self, base_url: str, token: str | None = None, region_id: int | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.region_id = region_id
        self.last_event_id: str | None = None
        self.connected = False
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=15)
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"

    async def login(self, username: str, password: str) -> None:
        """Sign in; ``WallAccessError("password")`` when the backend says no."""
        r = await self._http.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        if r.status_code in (401, 403):
            raise WallAccessError("password", r.status_code, _detail(r.content, r.status_code))
        r.raise_for_status()
        self._http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def _params(self) -> dict[str, Any]:
        return {"region_id": self.region_id} if self.region_id else {}

    async def stores(self) -> list[StoreInfo]:
        r = await self._http.get("/api/wall", params=self._params())
        r.raise_for_status()
        return [store_info(s) for s in r.json()["stores"]]

    async def session_orders(self, session_id: int) -> list[dict[str, Any]]:
        r = await self._http.get("/api/orders", params={"session_id": session_id, "limit": 500})
        r.raise_for_status()
        return list(r.json())

    async def leaderboard(self) -> list[dict[str, Any]]:
        """Today's ranking of the region's guides (hourly buckets summed)."""
        r = await self._http.get("/api/leaderboard", params={**self._params(), "hours": 24})
        r.raise_for_status()
        totals: dict[int, dict[str, Any]] = {}
        for row in r.json():
            t = totals.setdefault(row["guide_id"], {**row, "orders": 0, "gmv_cents": 0})
            t["orders"] += row["orders"]
            t["gmv_cents"] += row["gmv_cents"]
        return sorted(totals.values(), key=lambda t: (-t["gmv_cents"], -t["orders"]))[:10]

    async def follow(
        self,
        on_stores: Callable[[list[StoreInfo]], None],
        on_store: Callable[[StoreInfo], None],
        on_order: Callable[[str, dict[str, Any]], None],
        *,
        stop: asyncio.Event | None = None,
        follow: bool = True,
    ) -> None:
        """Deliver changes until ``stop`` is set (or once, with ``follow=False``).

        Network trouble is retried with backoff; a refusal raises ``WallAccessError``.
        """
        delay = 1.0
        while stop is None or not stop.is_set():
            headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
            params = {**self._params(), "follow": str(follow).lower()}
            try:
                async with self._http.stream(
                    "GET", "/api/wall/events", params=params, headers=headers, timeout=None
                ) as r:
                    if r.status_code in _REFUSALS:
                        body = await r.aread()
                        raise WallAccessError(
                            _REFUSALS[r.status_code], r.status_code, _detail(body, r.status_code)
                        )
                    r.raise_for_status()
                    self.connected, delay = True, 1.0
                    async for event, data, eid in sse_events(r):
                        payload = json.loads(data)
                        if event == "snapshot":
                            on_stores([store_info(s) for s in payload])
                        elif event == "store":
                            on_store(store_info(payload))
                        elif event.startswith("order."):
                            on_order(f"store:{payload['store_id']}", payload)
                        if eid:
                            self.last_event_id = eid
                        if stop is not None and stop.is_set():
                            return
                if not follow:
                    return
            except (httpx.HTTPError, OSError) as exc:
                log.info("wall feed lost (%s); retrying in %.1f s", exc, delay)
            self.connected = False
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, 30.0)

    async def aclose(self) -> None:
        await self._http.aclose()
