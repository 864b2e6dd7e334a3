"""The regional wall's API: every store of a region with its live session and today's sales.

Routes (``router``, included by ``create_app``; operation ids are the handler names):

- ``GET /api/wall`` (``wall``): stores with play URL, session state, viewers,
  orders, GMV and top guide today.
- ``GET /api/wall/events`` (``wall_events``): SSE. ``snapshot`` (the whole list)
  on connect, ``store`` (one store) whenever its row changes, and the region's
  ``order.placed`` / ``order.refunded`` events with their feed ids, so a
  reconnect with ``Last-Event-ID`` misses no order.
- ``PUT /api/stores/{id}/stream`` (``set_store_stream``): a store's play URL on
  the chain's media server (RTMP, HTTP-FLV or HLS).
- ``POST /api/sessions/{id}/viewers`` (``report_viewers``): a studio reports the
  platform's viewer count, when the platform tells it.

Kept in its own module (with its read model, :func:`wall_rows`) so the core app only
gains one router. No ``from __future__ import annotations``: FastAPI must see the
Annotated aliases.
"""

import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field, field_validator
from sse_starlette import EventSourceResponse, ServerSentEvent

from studio.backend import sse
from studio.backend.access import User, can_read_store, can_write_session, require
from studio.backend.deps import Auth, IdPath, State
from studio.backend.errors import ApiError
from studio.backend.models import ErrorOut, _In
from studio.backend.service import CommerceService

_ERR = {"model": ErrorOut}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _ERR, 403: _ERR, 404: _ERR, 422: _ERR}
ORDER_EVENTS = ("order.placed", "order.refunded")


class StreamIn(_In):
    play_url: str = Field(max_length=2000, description="rtmp(s)://, http(s)://…flv or …m3u8")

    @field_validator("play_url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme.lower() not in ("rtmp", "rtmps", "http", "https") or not parts.hostname:
            raise ValueError("play_url must be an rtmp(s):// or http(s):// stream URL")
        return v


class StreamOut(BaseModel):
    store_id: int
    play_url: str
    updated_at: float


class ViewersIn(_In):
    viewers: int = Field(ge=0, le=10**9)


class WallSession(BaseModel):
    id: int
    title: str
    state: Literal["scheduled", "prepared", "live", "ended"]
    guide_id: int
    guide_name: str
    started_at: float | None


class TopGuide(BaseModel):
    guide_id: int
    guide_name: str
    orders: int
    gmv_cents: int


class WallStore(BaseModel):
    store_id: int
    name: str
    play_url: str | None
    state: Literal["none", "scheduled", "prepared", "live", "ended"]
    session: WallSession | None
    viewers: int | None = Field(description="Last count the studio reported; null if unknown")
    orders_today: int
    gmv_today_cents: int
    top_guide_today: TopGuide | None
    last_order_at: float | None


class WallOut(BaseModel):
    region_id: int
    day_start: float = Field(description="Unix seconds of local midnight that 'today' counts from")
    stores: list[WallStore]


def day_start(now: float, utc_offset_minutes: int) -> float:
    off = utc_offset_minutes * 60
    return (now + off) // 86400 * 86400 - off


def wall_rows(commerce: CommerceService, region_id: int, since: float) -> list[dict[str, Any]]:
    """The wall for one region (every read one SQL statement per kind, not per store)."""
    db = commerce.db
    stores = db.all(
        "SELECT s.id, s.name, ss.play_url FROM stores s "
        "LEFT JOIN store_streams ss ON ss.store_id=s.id WHERE s.region_id=? ORDER BY s.id",
        region_id,
    )
    sessions = db.all(
        "SELECT ls.*, g.name AS guide_name, sv.viewers FROM live_sessions ls "
        "JOIN guides g ON g.id=ls.guide_id JOIN stores s ON s.id=ls.store_id "
        "LEFT JOIN session_viewers sv ON sv.session_id=ls.id "
        "WHERE s.region_id=? AND ls.rehearsal=0 ORDER BY ls.id",
        region_id,
    )
    current: dict[int, Any] = {}
    rank = {"live": 3, "prepared": 2, "scheduled": 1, "ended": 0}
    for r in sessions:  # the live one wins; otherwise the newest of the best state
        old = current.get(r["store_id"])
        if old is None or rank[r["state"]] >= rank[old["state"]]:
            current[r["store_id"]] = r
    sales = {
        r["store_id"]: r
        for r in db.all(
            "SELECT o.store_id, COUNT(*) AS orders, SUM(o.amount_cents) AS gmv,"
            " MAX(o.created_at) AS last_at FROM orders o JOIN stores s ON s.id=o.store_id "
            "WHERE s.region_id=? AND o.status='paid' AND o.rehearsal=0 AND o.created_at>=? "
            "GROUP BY o.store_id",
            region_id,
            since,
        )
    }
    top: dict[int, Any] = {}
    for r in db.all(
        "SELECT o.store_id, o.guide_id, g.name AS guide_name, COUNT(*) AS orders,"
        " SUM(o.amount_cents) AS gmv FROM orders o JOIN guides g ON g.id=o.guide_id "
        "JOIN stores s ON s.id=o.store_id WHERE s.region_id=? AND o.status='paid' "
        "AND o.rehearsal=0 AND o.created_at>=? GROUP BY o.store_id, o.guide_id, g.name "
        "ORDER BY gmv DESC, orders DESC, o.guide_id",
        region_id,
        since,
    ):
        top.setdefault(r["store_id"], r)
    out = []
    for s in stores:
        sess = current.get(s["id"])
        sale = sales.get(s["id"])
        t = top.get(s["id"])
        out.append(
            {
                "store_id": s["id"],
                "name": s["name"],
                "play_url": s["play_url"],
                "state": sess["state"] if sess else "none",
                "session": None
                if sess is None
                else {
                    "id": sess["id"],
                    "title": sess["title"],
                    "state": sess["state"],
                    "guide_id": sess["guide_id"],
                    "guide_name": sess["guide_name"],
                    "started_at": sess["started_at"],
                },
                "viewers": sess["viewers"] if sess and sess["state"] == "live" else None,
                "orders_today": sale["orders"] if sale else 0,
                "gmv_today_cents": int(sale["gmv"]) if sale else 0,
                "top_guide_today": None
                if t is None
                else {
                    "guide_id": t["guide_id"],
                    "guide_name": t["guide_name"],
                    "orders": t["orders"],
                    "gmv_cents": int(t["gmv"]),
                },
                "last_order_at": sale["last_at"] if sale else None,
            }
        )
    return out


STORE_REFRESH_POLLS = 5  # a quiet wall re-reads its stores every 5 poll intervals (1 s)
SNAPSHOT_FRESH = 0.25  # seconds one region's store rows serve every wall client watching it
_snapshots: dict[tuple[int, float], tuple[float, list[dict[str, Any]]]] = {}
_snapshots_lock = threading.Lock()
_computing: dict[tuple[int, float], threading.Lock] = {}


def _shared_snapshot(commerce: CommerceService, region: int, since: float) -> list[dict[str, Any]]:
    """The region's store rows, computed at most every ``SNAPSHOT_FRESH`` seconds for all
    the walls watching it (20 walls of one region cost one query set, not 20)."""
    key = (region, since)
    with _snapshots_lock:
        computing = _computing.setdefault(key, threading.Lock())
    with computing:  # one computes, the others wait for its rows
        now = time.monotonic()
        with _snapshots_lock:
            hit = _snapshots.get(key)
            if hit is not None and now - hit[0] < SNAPSHOT_FRESH:
                return hit[1]
        rows = wall_rows(commerce, region, since)
        with _snapshots_lock:
            _snapshots[key] = (time.monotonic(), rows)
            for old in [k for k, (t, _) in _snapshots.items() if now - t > 60]:
                del _snapshots[old]
                _computing.pop(old, None)
        return rows


def region_order_events(commerce: CommerceService, region_id: int, after: int) -> list[Any]:
    return commerce.db.all(
        "SELECT e.* FROM events e JOIN live_sessions ls ON ls.id=e.session_id "
        "JOIN stores s ON s.id=ls.store_id WHERE s.region_id=? AND e.id>? "
        f"AND e.type IN ({','.join('?' * len(ORDER_EVENTS))}) ORDER BY e.id LIMIT 200",
        region_id,
        after,
        *ORDER_EVENTS,
    )


router = APIRouter(tags=["wall"])
Region = Annotated[int | None, Query(ge=1, le=2**62)]
Offset = Annotated[
    int, Query(ge=-720, le=840, description="Local time zone for 'today'; 480 = 北京时间")
]


def region_for(commerce: CommerceService, user: User, region_id: int | None) -> int:
    """The region asked for (the caller's by default) if it exists and the caller may
    watch it: admins, and the region's regional managers and trainers."""
    region = region_id or user.region_id
    if region is None:
        raise ApiError(422, "region_id is required for users without a region")
    if commerce.db.one("SELECT 1 FROM regions WHERE id=?", region) is None:
        raise ApiError(404, f"region {region} does not exist")
    require(
        user.role == "admin"
        or (user.role in ("regional_manager", "trainer") and user.region_id == region),
        f"read the wall of region {region}",
    )
    return region


@router.get("/api/wall", response_model=WallOut, responses=_ERRORS)
def wall(
    user: Auth, state: State, region_id: Region = None, utc_offset_minutes: Offset = 480
) -> Any:
    """The region's stores with their live sessions and today's sales (regional wall)."""
    commerce = state.commerce
    region = region_for(commerce, user, region_id)
    since = day_start(commerce.clock.now(), utc_offset_minutes)
    return {
        "region_id": region,
        "day_start": since,
        "stores": wall_rows(commerce, region, since),
    }


@router.get(
    "/api/wall/events",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def wall_events(
    user: Auth,
    state: State,
    region_id: Region = None,
    utc_offset_minutes: Offset = 480,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    follow: Annotated[bool, Query(description="false: snapshot and backlog, then close")] = True,
) -> Response:
    """snapshot, then store (a changed store) and order.* events (with ids) as they happen."""
    commerce = state.commerce
    resume = sse.parse_event_id(last_event_id)
    region = await anyio.to_thread.run_sync(region_for, commerce, user, region_id)
    start = resume or 0
    if resume is None:  # a fresh client wants the future, not the region's history
        row = await anyio.to_thread.run_sync(commerce.db.one, "SELECT MAX(id) FROM events")
        start = int(row[0] or 0) if row else 0

    def snapshot() -> list[dict[str, Any]]:
        return _shared_snapshot(
            commerce, region, day_start(commerce.clock.now(), utc_offset_minutes)
        )

    async def backlog(after: int) -> AsyncIterator[tuple[int, bytes]]:
        while True:
            events = await anyio.to_thread.run_sync(
                region_order_events, commerce, region, after, limiter=sse.feed_limiter()
            )
            if not events:
                return
            after = int(events[-1]["id"])
            yield after, sse.encode(events)

    async def stream() -> AsyncIterator[ServerSentEvent | bytes]:
        last = start
        # subscribed before the first read: nothing committed in between is missed
        with state.hub.subscribe(region_id=region) as sub:
            rows = await anyio.to_thread.run_sync(snapshot)
            seen = {r["store_id"]: r for r in rows}
            looked = time.monotonic()
            yield ServerSentEvent(data=json.dumps(rows, ensure_ascii=False), event="snapshot")
            async for upto, chunk in backlog(last):
                last = upto
                yield chunk
            if not follow:
                return
            while True:
                # a store also changes without a feed event (viewers, play URL): look again
                # every few polls' time even when the region is quiet
                await sub.wait(state.sse_poll_seconds * STORE_REFRESH_POLLS)
                if sub.overflowed:
                    sub.overflowed = False
                    sub.take()
                    async for upto, chunk in backlog(last):
                        last = upto
                        yield chunk
                else:
                    new = [r for r in sub.take() if r["id"] > last]
                    orders = [r for r in new if r["type"] in ORDER_EVENTS]
                    if new:
                        last = int(new[-1]["id"])
                    if orders:
                        yield sse.encode(orders)
                if time.monotonic() - looked < SNAPSHOT_FRESH:
                    continue  # a busy region: store rows at most every SNAPSHOT_FRESH s
                looked = time.monotonic()
                for r in await anyio.to_thread.run_sync(snapshot, limiter=sse.feed_limiter()):
                    if seen.get(r["store_id"]) != r:
                        seen[r["store_id"]] = r
                        yield ServerSentEvent(data=json.dumps(r, ensure_ascii=False), event="store")

    return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store"})


@router.put("/api/stores/{store_id}/stream", response_model=StreamOut, responses=_ERRORS)
def set_store_stream(store_id: IdPath, body: StreamIn, user: Auth, state: State) -> Any:
    """Where the wall pulls this store's live picture from (the chain's media server)."""
    commerce = state.commerce
    store = commerce.store_ref(store_id)
    require(
        user.role == "admin"
        or (user.role == "regional_manager" and user.region_id == store.region_id)
        or (user.role == "store_manager" and user.store_id == store_id),
        f"set the stream of store {store_id}",
    )
    now = commerce.clock.now()
    with commerce.db.write() as conn:
        conn.execute(
            "INSERT INTO store_streams(store_id, play_url, updated_at) VALUES(?,?,?) "
            "ON CONFLICT(store_id) DO UPDATE SET play_url=excluded.play_url, "
            "updated_at=excluded.updated_at",
            (store_id, body.play_url, now),
        )
    return {"store_id": store_id, "play_url": body.play_url, "updated_at": now}


@router.post("/api/sessions/{session_id}/viewers", status_code=204, responses=_ERRORS)
def report_viewers(session_id: IdPath, body: ViewersIn, user: Auth, state: State) -> Response:
    """The platform's viewer count for a live session, as the studio last saw it."""
    commerce = state.commerce
    sess = commerce.session_row(session_id)
    store = commerce.store_ref(sess["store_id"])
    require(
        can_read_store(user, store) and can_write_session(user, store, bool(sess["rehearsal"])),
        f"report viewers of session {session_id}",
    )
    with commerce.db.write() as conn:
        conn.execute(
            "INSERT INTO session_viewers(session_id, viewers, reported_at) VALUES(?,?,?) "
            "ON CONFLICT(session_id) DO UPDATE SET viewers=excluded.viewers, "
            "reported_at=excluded.reported_at",
            (session_id, body.viewers, commerce.clock.now()),
        )
    return Response(status_code=204)
