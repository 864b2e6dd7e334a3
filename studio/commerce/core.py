"""The studio side of commerce: record actions offline, deliver them once, follow the feed.

:class:`Commerce` is loop-agnostic: its plain methods (``record_action``,
``start_session``, ``link_for``, the ``show.action`` listener) are synchronous
and thread-safe, and each is durable when it returns (state + outbox in one
SQLite transaction). :meth:`Commerce.run` is a coroutine that delivers the
outbox and follows the order feed on whatever asyncio loop awaits it: the CLI's
background thread (:mod:`studio.commerce.side`) or the GUI's qasync loop.

Exactly once, end to end: every outbox row carries its own ``Idempotency-Key``
and the exact body it was written with, so a retry after a lost reply, a crash
or a restart is replayed by the backend instead of written twice. Feed events
are applied in the same transaction that advances the stored cursor, and the
stream is resumed with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlite_utils
from httpx_sse import SSEError, aconnect_sse

from studio.commerce.backoff import Backoff
from studio.commerce.client import (
    BackendClient,
    LoginRefusedError,
    PermanentError,
    RetryableError,
    SessionEndedError,
    classify,
)
from studio.commerce.limits import refusal, rules_of
from studio.commerce.promotions import PATHS as PROMOTION_PATHS
from studio.commerce.promotions import promotion_body
from studio.commerce.status import SyncStatus, read_status
from studio.commerce.store import Store
from studio.contract.actions import ACTION_KINDS
from studio.events import Event, EventBus
from studio.redact import redact

log = logging.getLogger(__name__)

# feed events after which the session's figures (commerce.totals) are published again
TOTALS_EVENTS = frozenset({"order.placed", "order.refunded", "commission.settled"})
# feed event type -> bus topic
FEED_TOPICS = {
    "order.placed": "commerce.order",
    "order.refunded": "commerce.refund",
    "stock.changed": "commerce.stock",
    "groupbuy.progress": "commerce.groupbuy",
    "lottery.result": "commerce.lottery",
    "commission.settled": "commerce.commission",
    "session.state": "commerce.session",
}
FLASH_PATH = "/api/flash-prices"
BOARD_SECONDS = 10.0  # how often the region's leaderboard is read
NO_WINNER = "本轮无人中奖"  # a lottery drawn with no paying buyer yet (on air, so Chinese)
FEED_READ_TIMEOUT = 45.0  # the backend pings every 15 s; three missed pings = dead stream


_CUE_OF = {"coupon_issued": "coupon", "groupbuy_started": "groupbuy"}


def _promo_fields(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    """A coupon's or group-buy's on-air figures in yuan, from a cue payload or a backend body.

    The overlay matches a confirmation or a refusal to the promotion it is holding by these.
    """

    def yuan(cents_key: str, yuan_key: str) -> float | None:
        if d.get(cents_key) is not None:
            return float(d[cents_key]) / 100
        return None if d.get(yuan_key) is None else float(d[yuan_key])

    if kind == "coupon":
        return {
            "amount": yuan("discount_cents", "amount"),
            "threshold": yuan("min_spend_cents", "threshold"),
        }
    return {
        "price": yuan("group_price_cents", "price"),
        "size": None if d.get("size") is None else int(d["size"]),
        "joined": int(d.get("joined") or 0),
    }


class Commerce:
    """Offline-first commerce for one studio: local store, outbox, feed, links."""

    def __init__(
        self,
        store: Store,
        client: BackendClient,
        bus: EventBus | None = None,
        *,
        session_id: int | None = None,
        backoff: Callable[[], Backoff] = Backoff,
        feed_read_timeout: float = FEED_READ_TIMEOUT,
    ) -> None:
        self.board_seconds = BOARD_SECONDS
        self.store = store
        self.client = client
        self.bus = bus or EventBus()
        self.session_id = session_id
        self._backoff = backoff
        self._feed_read_timeout = feed_read_timeout
        self._follow: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._online: bool | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self.feed_repeats_dropped = 0  # events the server sent again; must stay 0
        self.feed_connects = 0
        # the store's cache is this backend's from now on (another one's is dropped)
        self.cache_dropped = store.bind_backend(client.base_url)
        if session_id is not None:
            self._follow.add(session_id)

    # ---- wiring ------------------------------------------------------------------------
    def attach(self, bus: EventBus | None = None) -> None:
        """Listen to the show engine's ``show.action`` events on ``bus``."""
        if bus is not None:
            self.bus = bus
        if not self._unsubscribe:
            self._unsubscribe = [
                self.bus.subscribe("show.action", self.on_show_action),
                self.bus.subscribe("show.prepared", self.on_show_prepared),
            ]

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def status(self) -> SyncStatus:
        return read_status(self.store)

    def _publish_status(self) -> None:
        self.bus.publish("commerce.status", **self.status().as_dict())

    def _wake(self) -> None:
        loop, ev = self._loop, self._wakeup
        if loop is not None and ev is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closing under us
                loop.call_soon_threadsafe(ev.set)

    # ---- the studio's API (sync, thread-safe, durable on return) -----------------------
    def _sid(self, session_id: int | None) -> int:
        sid = session_id if session_id is not None else self.session_id
        if sid is None:
            raise ValueError("no session: pass session_id or bind the Commerce to one")
        return int(sid)

    def record_action(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        session_id: int | None = None,
        action_id: str | None = None,
        client_time: float | None = None,
    ) -> str:
        """Record a studio action for the backend; returns its id (a replayed id is a no-op)."""
        sid = self._sid(session_id)
        action_id = action_id or uuid.uuid4().hex
        payload = dict(payload or {})
        if kind not in ACTION_KINDS:
            payload = {"type": kind, **payload}
            kind = "note"
        payload["action_id"] = action_id
        now = time.time()
        body = {"kind": kind, "payload": payload, "client_time": client_time or now}
        with self.store.tx() as db:
            if self.store.has_key(db, f"act:{action_id}"):
                log.debug("action %s already recorded", action_id)
                return action_id
            self._apply_locally(db, sid, kind, payload, now)
            pbody = promotion_body(kind, payload, self.product_id)
            why = self._would_refuse(sid, _CUE_OF.get(kind, ""), payload) if pbody else None
            if why is not None:  # known before sending: no 422 to wait for, no failed row
                self._promo_refused({**payload, "kind": PROMOTION_PATHS[kind][0]}, why)
            elif pbody is not None:
                out_kind, path = PROMOTION_PATHS[kind]
                pbody["session_id"] = sid
                self.store.enqueue(db, f"{out_kind}:{action_id}", out_kind, path, pbody, sid)
            elif kind in PROMOTION_PATHS:
                unknown = payload.get("sku") and self.product_id(str(payload["sku"])) is None
                self._promo_refused(
                    {**payload, "kind": PROMOTION_PATHS[kind][0]},
                    "the product is not in the cached catalog"
                    if unknown and payload.get("product_id") is None
                    else f"the cue says too little to create it at the backend: {sorted(payload)}",
                )
            flash = self._flash_body(sid, kind, payload, body["client_time"])
            if flash is not None:
                self.store.enqueue(db, f"flash:{action_id}", "flash", FLASH_PATH, flash, sid)
            self.store.enqueue(
                db, f"act:{action_id}", "action", f"/api/sessions/{sid}/actions", body, sid
            )
        log.info("recorded %s for session %d (%s)", kind, sid, action_id)
        self.follow(sid)
        self._wake()
        self._publish_status()
        return action_id

    def _flash_body(
        self, sid: int, kind: str, payload: dict[str, Any], fired_at: float
    ) -> dict[str, Any] | None:
        """A pop-up with a flash price registers it, its window starting when the cue fired.

        The overlay draws the flash price only once the backend confirmed it
        (``commerce.flash``); until then, and for good when it is refused, the regular one.
        """
        if kind != "link_shown" or payload.get("flash_price") is None:
            return None
        pid = payload.get("product_id")
        if pid is None and payload.get("sku"):
            pid = self.product_id(str(payload["sku"]))
        if pid is None:
            self._promo_refused(payload, "the product is not in the cached catalog")
            return None
        why = self._would_refuse(sid, "pop_link", payload)
        if why is not None:
            self._promo_refused(payload, why)
            return None
        duration = float(payload.get("duration") or 20.0)
        return {
            "session_id": sid,
            "product_id": int(pid),
            "price_cents": round(float(payload["flash_price"]) * 100),
            "starts_at": fired_at,
            "ends_at": fired_at + duration,
        }

    def _promo_refused(
        self, payload: dict[str, Any], reason: str, source: str = "commerce"
    ) -> None:
        """Tell the guide (log + ``commerce.promo_refused``) why a promotion is not on air.

        ``payload`` is a flash price's (the default) or, with ``kind`` ``coupon`` or
        ``groupbuy``, that promotion's cue payload or backend body.
        """
        kind = str(payload.get("kind") or "flash_price")
        if kind != "flash_price":
            fields = _promo_fields(kind, payload)
            log.warning(
                "%s %s will not be drawn: %s",
                kind,
                {k: v for k, v in fields.items() if v is not None},
                reason,
            )
            self.bus.publish(
                "commerce.promo_refused",
                kind=kind,
                sku=payload.get("sku"),
                product_id=payload.get("product_id"),
                reason=reason,
                source=source,
                cue_id=payload.get("cue_id"),
                **fields,
            )
            return
        price = payload.get("flash_price")
        if price is None and payload.get("price_cents") is not None:
            price = payload["price_cents"] / 100
        log.warning(
            "flash price ¥%g for %s will not be drawn: %s",
            float(price or 0),
            payload.get("sku") or payload.get("product_id"),
            reason,
        )
        self.bus.publish(
            "commerce.promo_refused",
            kind="flash_price",
            sku=payload.get("sku"),
            product_id=payload.get("product_id"),
            flash_price=price,
            reason=reason,
            source=source,
            cue_id=payload.get("cue_id"),
        )

    # ---- a show being prepared ---------------------------------------------------------
    def on_show_prepared(self, event: Event) -> None:
        """Before going live: the show's stock as the backend counts it, and its promotions
        the backend would refuse (``commerce.promo_refused`` with ``source="prepare"``).

        Synchronous and local (the catalog and the store's limits cached at prepare), so
        the guide hears of a refused flash price before the show starts, not on air.
        """
        d = event.data
        raw = d.get("session_id")
        sid = int(raw) if raw not in (None, "") else self.session_id
        if sid is None:
            return
        cues = [dict(c) for c in d.get("cues") or []]
        sess = self.store.one("SELECT store_id, rehearsal FROM sessions WHERE id=?", [sid])
        for sku in sorted({str(c["sku"]) for c in cues if c.get("sku")}):
            row = self.store.one("SELECT id, sku, stock FROM products WHERE sku=?", [sku])
            if row is not None and row["stock"] is not None:
                self.bus.publish(
                    "commerce.stock",
                    session_id=sid,
                    product_id=row["id"],
                    sku=sku,
                    stock=self._session_stock(sid, int(row["id"]), int(row["stock"])),
                    source="prepare",
                )
        if not sess or not self.store.meta(f"promo_rules:{sess['store_id']}"):
            log.info("no promotion limits cached for session %d: checked on air instead", sid)
            return
        kinds = {"pop_link": "flash_price", "coupon": "coupon", "groupbuy": "groupbuy"}
        for c in cues:
            why = self._would_refuse(sid, str(c.get("action")), c)
            if why is not None:
                kind = kinds[str(c["action"])]
                self._promo_refused({**c, "kind": kind}, why, source="prepare")

    def _would_refuse(self, sid: int, action: str, params: dict[str, Any]) -> str | None:
        """Why the backend would refuse this cue's promotion (the store's cached limits)."""
        if action not in ("pop_link", "coupon", "groupbuy"):
            return None
        sess = self.store.one("SELECT store_id FROM sessions WHERE id=?", [sid])
        cached = self.store.meta(f"promo_rules:{sess['store_id']}") if sess else None
        if not cached:
            return None
        price = None
        sku = params.get("sku")
        if sku:
            row = self.store.one("SELECT price_cents FROM products WHERE sku=?", [sku])
            price = int(row["price_cents"]) if row else None
        why = refusal(rules_of(json.loads(cached)), action, {**params, "product": sku}, price)
        return None if why is None else f"the backend would refuse it: {why}"

    def _session_stock(self, sid: int, pid: int, real: int) -> int:
        """The stock a session's pop-ups go by: the real one, or a rehearsal's own.

        A rehearsal sells no real stock (the backend keeps its sales apart), so its
        pop-ups count down from the stock when it was prepared by its own orders only.
        """
        row = self.store.one("SELECT rehearsal FROM sessions WHERE id=?", [sid])
        if not row or not row.get("rehearsal"):
            return real
        key = f"rehearsal_stock:{sid}:{pid}"
        base = self.store.meta(key)
        if base is None:
            self.store.set_meta(**{key: real})
            base = str(real)
        sold = self.store.one(
            "SELECT COALESCE(SUM(quantity), 0) AS n FROM orders"
            " WHERE session_id=? AND product_id=? AND status='paid'",
            [sid, pid],
        )
        return max(0, int(base) - int(sold["n"] if sold else 0))

    def _apply_locally(
        self, db: sqlite_utils.Database, sid: int, kind: str, payload: dict[str, Any], now: float
    ) -> None:
        """The local half of an action, in the same transaction as its outbox row."""
        db.execute("INSERT OR IGNORE INTO sessions(id, state) VALUES(?, 'scheduled')", [sid])
        if kind == "session_prepared":
            db.execute("UPDATE sessions SET prepared_at=? WHERE id=?", [now, sid])
        elif kind == "session_started":
            db.execute(
                "UPDATE sessions SET state='live', started_at=? WHERE id=? AND state!='ended'",
                [now, sid],
            )
        elif kind == "session_ended":
            db.execute("UPDATE sessions SET state='ended', ended_at=? WHERE id=?", [now, sid])
        elif kind == "link_shown" and payload.get("product_id") is not None:
            db.execute(
                "UPDATE links SET shown=shown+1 WHERE session_id=? AND product_id=?",
                [sid, payload["product_id"]],
            )

    def start_session(
        self, session_id: int | None = None, *, action_id: str | None = None, **payload: Any
    ) -> str:
        """The session goes live at the backend (``session_started``, through the outbox)."""
        return self.record_action(
            "session_started", payload, session_id=session_id, action_id=action_id
        )

    def end_session(
        self, session_id: int | None = None, *, action_id: str | None = None, **payload: Any
    ) -> str:
        """The session ends at the backend (``session_ended``, through the outbox).

        Its links close there (checkout refuses them); a given ``action_id`` makes a
        second call a no-op, so a session is ended once.
        """
        return self.record_action(
            "session_ended", payload, session_id=session_id, action_id=action_id
        )

    def link_for(self, product_id: int, session_id: int | None = None) -> str | None:
        """The purchase URL for the product's QR code, from the local store (works offline)."""
        row = self.store.link(self._sid(session_id), int(product_id))
        return str(row["url"]) if row else None

    def product_id(self, sku: str) -> int | None:
        """The backend product id of a SKU, from the cached catalog (show scripts use SKUs)."""
        row = self.store.one("SELECT id FROM products WHERE sku=?", [sku])
        return int(row["id"]) if row else None

    def link_for_sku(self, sku: str, session_id: int | None = None) -> str | None:
        pid = self.product_id(sku)
        return self.link_for(pid, session_id) if pid is not None else None

    def on_show_action(self, event: Event) -> None:
        """``show.action`` listener: runs on the cue engine's thread, writes before returning."""
        data = event.data
        payload = dict(data.get("payload") or {})
        sid = data.get("session_id")
        if not isinstance(sid, int) or isinstance(sid, bool):
            if sid is not None:
                payload.setdefault("show_session_id", sid)
            sid = None
        try:
            self.record_action(
                str(data.get("type") or "note"),
                payload,
                session_id=sid,
                action_id=str(data["action_id"]) if data.get("action_id") else None,
            )
        except ValueError:
            log.warning("show action %s has no backend session; not recorded", data.get("type"))

    # ---- preparing a show (links ahead of time) ----------------------------------------
    async def prepare_session(
        self, session_id: int, product_ids: list[int] | None = None, *, wait: float = 15.0
    ) -> dict[int, str | None]:
        """Make the session's purchase links now, so QR codes work if the backend is gone later.

        Links already on the backend are reused; missing ones go through the outbox
        (idempotent per session and product). Waits up to ``wait`` seconds for delivery
        when :meth:`run` is active; returns product id -> URL (None: not made yet).
        """
        sid = int(session_id)
        wanted = list(dict.fromkeys(int(p) for p in product_ids or []))
        online = False
        try:
            sess = await self.client.request("GET", f"/api/sessions/{sid}")
            if sess.get("state") == "ended":  # its links are closed: nothing would sell
                with self.store.tx() as db:
                    db.execute(
                        "INSERT OR IGNORE INTO sessions(id, state) VALUES(?, 'ended')", [sid]
                    )
                    db.execute("UPDATE sessions SET state='ended' WHERE id=?", [sid])
                self._set_online(True)
                raise SessionEndedError(sid)
            links = await self.client.request("GET", f"/api/sessions/{sid}/links")
            with self.store.tx() as db:
                db["sessions"].upsert(
                    {
                        k: sess[k]
                        for k in ("id", "title", "state", "store_id", "guide_id", "rehearsal")
                    },
                    pk="id",
                )
                for link in links:
                    if not link.get("expires_at") or link["expires_at"] > time.time():
                        self._store_link(db, link)
            if product_ids is None:
                wanted = [int(lk["product_id"]) for lk in links]
            await self._cache_rules(int(sess["store_id"]))
            self._set_online(True)
            online = True
        except LoginRefusedError as exc:  # the guide must sign in again: nothing to prepare
            self._set_online(False, str(exc), exc.reason)
            raise
        except RetryableError as exc:
            self._set_online(False, str(exc), exc.reason)
            log.warning("preparing session %d offline: %s", sid, exc)
        with self.store.tx() as db:
            for pid in wanted:
                if self.store.link(sid, pid) is None:
                    self.store.enqueue(
                        db,
                        f"link:{sid}:{pid}",
                        "link",
                        "/api/links",
                        {"session_id": sid, "product_id": pid},
                        sid,
                    )
            self.record_action("session_prepared", {"product_ids": wanted}, session_id=sid)
        if self._loop is not None and wait > 0 and online:  # offline, nothing would arrive
            await self.flush(wait)
        return {pid: self.link_for(pid, sid) for pid in wanted}

    async def sign_in(self) -> dict[str, Any] | None:
        """Ask the backend who this login is (``GET /api/me``): the user, or None if no answer.

        None means unreachable or unavailable (the status says which); a refused user name
        or password raises :class:`LoginRefusedError`. Only an answer sets the status online.
        """
        try:
            me = await self.client.request("GET", "/api/me")
        except LoginRefusedError as exc:
            self._set_online(False, str(exc), exc.reason)
            raise
        except RetryableError as exc:
            self._set_online(False, str(exc), exc.reason)
            log.warning("signing in to %s: %s", self.client.base_url, exc)
            return None
        self._set_online(True)
        return dict(me) if isinstance(me, dict) else {}

    async def _cache_rules(self, store_id: int) -> None:
        """Keep the store's promotion limits: a show's promotions are checked against them."""
        try:
            rules = await self.client.request("GET", f"/api/stores/{store_id}/promo-rules")
        except PermanentError as exc:  # an older backend, or no right to read them
            log.info("promotion limits of store %d not read: %s", store_id, exc)
            return
        self.store.set_meta(**{f"promo_rules:{store_id}": json.dumps(rules)})

    def _store_link(self, db: sqlite_utils.Database, link: dict[str, Any]) -> None:
        """Keep the backend's link as it is now: the backend is the truth for its URL.

        A cached copy can be stale (the demo backend restarts on another port; a
        store's data folder once met another backend with the same session ids),
        and a QR of a stale URL sells nothing.
        """
        db.execute(
            "DELETE FROM links WHERE session_id=? AND product_id=? AND id<>?",
            [link["session_id"], link["product_id"], link["id"]],
        )
        db.execute(
            "INSERT INTO links(id, session_id, product_id, token, url, created_at, expires_at)"
            " VALUES(?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET session_id=excluded.session_id,"
            " product_id=excluded.product_id, token=excluded.token, url=excluded.url,"
            " created_at=excluded.created_at, expires_at=excluded.expires_at",
            [
                link["id"],
                link["session_id"],
                link["product_id"],
                link["token"],
                link["url"],
                link["created_at"],
                link.get("expires_at"),
            ],
        )

    async def refresh_catalog(self, images: bool = True) -> int:
        """Cache the catalog (and product pictures on disk) for offline shelves."""
        products = await self.client.request("GET", "/api/products")
        now = time.time()
        with self.store.tx() as db:
            for p in products:
                db["products"].upsert(
                    {
                        **{
                            k: p[k]
                            for k in (
                                "id",
                                "sku",
                                "name",
                                "category",
                                "price_cents",
                                "list_price_cents",
                                "stock",
                                "image_url",
                            )
                        },
                        "updated_at": now,
                    },
                    pk="id",
                )
        if images:
            self.store.images_dir.mkdir(parents=True, exist_ok=True)
            for p in products:
                dest = self.store.images_dir / f"{p['id']}.png"
                if not dest.exists():
                    await self._download(p["image_url"], dest)
                with self.store.tx() as db:
                    db.execute("UPDATE products SET image_path=? WHERE id=?", [str(dest), p["id"]])
        return len(products)

    async def _download(self, url: str, dest: Path) -> None:
        try:
            r = await self.client.http.get(url)
        except httpx.HTTPError as exc:
            raise RetryableError(f"cannot fetch {url}: {exc}") from exc
        classify(r)
        tmp = dest.with_suffix(".part")
        tmp.write_bytes(r.content)
        tmp.replace(dest)

    # ---- running -----------------------------------------------------------------------
    def follow(self, session_id: int) -> None:
        """Follow this session's order feed (now, or from :meth:`run` on)."""
        if session_id in self._follow and f"feed-{session_id}" in self._tasks:
            return
        self._follow.add(session_id)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._spawn_feed, session_id)

    def _spawn_feed(self, session_id: int) -> None:
        name = f"feed-{session_id}"
        if name not in self._tasks and self._stop is not None and not self._stop.is_set():
            self._tasks[name] = asyncio.create_task(self._feed_loop(session_id), name=name)

    async def run(self) -> None:
        """Deliver the outbox and follow the feeds until :meth:`stop` or cancellation."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stop = asyncio.Event()
        if self._stop_requested:  # stop() came before this task first ran
            self._stop.set()
        self._tasks["outbox"] = asyncio.create_task(self._send_loop(), name="commerce-outbox")
        self._tasks["board"] = asyncio.create_task(self._board_loop(), name="commerce-board")
        for sid in sorted(self._follow):
            self._spawn_feed(sid)
        try:
            await self._stop.wait()
        finally:
            tasks = list(self._tasks.values())
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.clear()
            self._loop = self._wakeup = None
            await self.client.aclose()

    def stop(self) -> None:
        """Ask :meth:`run` to finish (thread-safe), even if it has not started yet."""
        self._stop_requested = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)

    async def flush(self, timeout: float) -> bool:
        """Wait until nothing is waiting in the outbox; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.store.counts()["pending"]:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def _set_online(
        self, online: bool, error: str | None = None, reason: str = "unreachable"
    ) -> None:
        """Online: the backend answered and took the login. Offline says why (``reason``)."""
        changed = online != self._online or (
            not online and reason != self.store.meta("offline_reason")
        )
        self._online = online
        values: dict[str, object] = {"online": "1" if online else "0"}
        if online:
            values["last_sync_at"] = time.time()
            values["last_error"] = ""
            values["offline_reason"] = ""
        else:
            values["last_error"] = redact(error or "")
            values["offline_reason"] = reason
        if changed or not online:
            self.store.set_meta(**values)
        else:
            self.store.set_meta(last_sync_at=values["last_sync_at"])
        if changed:
            if online:
                log.info("commerce backend %s reachable", self.client.base_url)
            else:
                log.warning("commerce backend unreachable: %s", redact(error or "?"))
            self._publish_status()

    # ---- outbox ------------------------------------------------------------------------
    async def _send_loop(self) -> None:
        assert self._wakeup is not None
        backoff = self._backoff()
        while True:
            self._wakeup.clear()
            item = self.store.next_pending()
            if item is None:
                await self._wakeup.wait()
                continue
            try:
                result = await self.client.request(
                    item["method"],
                    item["path"],
                    json=json.loads(item["body"]),
                    idempotency_key=item["key"],
                )
            except RetryableError as exc:  # a refused login too: the row waits for a sign-in
                delay = backoff.next_delay(exc.retry_after)
                self._attempt_failed(item, str(exc))
                self._set_online(False, str(exc), exc.reason)
                log.info("outbox %s: %s; retry in %.2f s", item["key"], exc, delay)
                await asyncio.sleep(delay)
                continue
            except PermanentError as exc:
                backoff.reset()
                self._refused(item, exc)
                continue
            except Exception:  # keep the outbox alive; the row stays pending
                log.exception("outbox %s failed unexpectedly", item["key"])
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
            self._delivered(item, result)
            self._set_online(True)
            if item["kind"] == "link" and isinstance(result, dict):
                self._link_made(result)
            if item["kind"] == "flash" and isinstance(result, dict):
                self._flash_confirmed(result)
            elif item["kind"] in ("coupon", "groupbuy") and isinstance(result, dict):
                self._promo_confirmed(item["kind"], result)
            self._publish_status()

    def _link_made(self, link: dict[str, Any]) -> None:
        """``commerce.link``: a purchase link the backend made (a QR can show it now)."""
        self.bus.publish(
            "commerce.link",
            session_id=link.get("session_id"),
            product_id=link.get("product_id"),
            url=link.get("url"),
            **self._display_fields("", link),
        )

    def _flash_confirmed(self, fp: dict[str, Any]) -> None:
        """The backend honours this flash price in its window: the overlay may draw it."""
        log.info(
            "flash price %s confirmed: product %s at %s cents until %.0f",
            fp.get("id"),
            fp.get("product_id"),
            fp.get("price_cents"),
            fp.get("ends_at", 0),
        )
        self.bus.publish(
            "commerce.flash",
            data=fp,
            price=fp["price_cents"] / 100,
            price_cents=fp["price_cents"],
            starts_at=fp["starts_at"],
            ends_at=fp["ends_at"],
            **self._display_fields("", fp),
        )

    def _promo_confirmed(self, kind: str, obj: dict[str, Any]) -> None:
        """The backend created this coupon or group-buy: checkout offers it, so it may be drawn."""
        log.info("%s %s confirmed for session %s", kind, obj.get("id"), obj.get("session_id"))
        self.bus.publish(
            "commerce.promo",
            kind=kind,
            data=obj,
            **_promo_fields(kind, obj),
            **self._display_fields("", obj),
        )

    def _attempt_failed(self, item: dict[str, Any], error: str) -> None:
        with self.store.tx() as db:
            db.execute(
                "UPDATE outbox SET attempts=attempts+1, last_error=? WHERE seq=?",
                [redact(error)[:500], item["seq"]],
            )

    def _refused(self, item: dict[str, Any], exc: PermanentError) -> None:
        log.error("backend refused %s for good (%s); kept as failed", item["key"], exc)
        if item["kind"] in ("flash", "coupon", "groupbuy"):
            body = json.loads(item["body"])
            kind = "flash_price" if item["kind"] == "flash" else item["kind"]
            self._promo_refused(
                {**body, **self._display_fields("", body), "kind": kind},
                f"the backend refused it: {exc}",
            )
        with self.store.tx() as db:
            db.execute(
                "UPDATE outbox SET state='failed', attempts=attempts+1, last_error=? WHERE seq=?",
                [redact(str(exc))[:500], item["seq"]],
            )
        self._publish_status()

    def _delivered(self, item: dict[str, Any], result: Any) -> None:
        with self.store.tx() as db:
            if item["kind"] == "link" and isinstance(result, dict):
                self._store_link(db, result)
            elif item["kind"] == "action" and isinstance(result, dict):
                state = result.get("session_state")
                if state:
                    db.execute(
                        "UPDATE sessions SET state=? WHERE id=?", [state, result["session_id"]]
                    )
            db.execute(
                "UPDATE outbox SET state='done', attempts=attempts+1, sent_at=?, response=?, "
                "last_error=NULL WHERE seq=?",
                [time.time(), json.dumps(result, ensure_ascii=False), item["seq"]],
            )

    async def session_people(self, session_id: int) -> tuple[str, str]:
        """The session's guide and store names, as its checkout page shows them.

        A sample script's lower third ("莉莉 · 杭州湖滨店") must not contradict the checkout
        (导购 小美 / 上海南京西路店): when connected, the session's names win.
        """
        sess = await self.client.request("GET", f"/api/sessions/{int(session_id)}")
        guides = await self.client.request("GET", "/api/guides")
        stores = await self.client.request("GET", "/api/stores")
        guide = next((g["name"] for g in guides if g["id"] == sess["guide_id"]), "")
        store = next((s["name"] for s in stores if s["id"] == sess["store_id"]), "")
        return guide, store

    # ---- the region's 超级带单王 ---------------------------------------------------------
    async def _board_loop(self) -> None:
        """Publish the region's guides this hour (``commerce.leaderboard``) every few seconds.

        The on-air contest ranks guides across stores; only the backend knows them all.
        """
        while True:
            try:
                rows = await self.client.request("GET", "/api/leaderboard", params={"hours": 1})
            except PermanentError as exc:  # no region for this login: nothing to rank
                log.info("no leaderboard for this login: %s", exc)
                return
            except (RetryableError, httpx.HTTPError) as exc:
                log.debug("leaderboard not fetched: %s", exc)
            else:
                hour = max((r["hour"] for r in rows), default=None)
                me = self._my_guide_id()
                board = [
                    {
                        "guide": r["guide_name"],
                        "store": r["store_name"],
                        "orders": r["orders"],
                        "gmv": r["gmv_cents"] / 100,
                        "guide_id": r.get("guide_id"),
                        "me": me is not None and r.get("guide_id") == me,
                    }
                    for r in sorted(rows, key=lambda r: -r["gmv_cents"])
                    if r["hour"] == hour
                ]
                self.bus.publish("commerce.leaderboard", rows=board, me=me)
            await asyncio.sleep(self.board_seconds)

    def _my_guide_id(self) -> int | None:
        """The guide of this studio's session (from prepare): their row is marked ``me``."""
        if self.session_id is None:
            return None
        row = self.store.one("SELECT guide_id FROM sessions WHERE id=?", [self.session_id])
        return int(row["guide_id"]) if row and row.get("guide_id") is not None else None

    # ---- order feed --------------------------------------------------------------------
    async def _feed_loop(self, session_id: int) -> None:
        backoff = self._backoff()
        path = f"/api/sessions/{session_id}/events"
        connected = False
        while True:
            retry_after: float | None = None
            try:
                headers = await self.client.auth_headers()
                last = self.store.cursor(session_id)
                if last:
                    headers["Last-Event-ID"] = str(last)
                timeout = httpx.Timeout(self.client.timeout, read=self._feed_read_timeout)
                async with aconnect_sse(
                    self.client.http, "GET", path, headers=headers, timeout=timeout
                ) as source:
                    if source.response.status_code >= 400:
                        await source.response.aread()
                        if source.response.status_code == 401 and self.client.credentials.can_login:
                            self.client.credentials.forget()
                            continue
                        classify(source.response)
                    self.feed_connects += 1
                    connected = True
                    self._set_online(True)
                    log.info("order feed for session %d from event %d", session_id, last)
                    async for sse in source.aiter_sse():
                        # httpx-sse hands over keep-alive comments as events with no data and
                        # the previous id (the SSE spec says: dispatch nothing); skip them.
                        if sse.id and sse.data:
                            self._apply_event(session_id, sse.id, sse.event, sse.data)
                            backoff.reset()
                log.info("order feed for session %d closed by the backend", session_id)
            except (httpx.HTTPError, SSEError, RetryableError) as exc:
                retry_after = getattr(exc, "retry_after", None)
                if connected:  # a stream that worked and broke: reconnect before judging
                    log.info("order feed for session %d broke: %s", session_id, exc)
                    connected = False
                    backoff.reset()
                else:
                    reason = getattr(exc, "reason", "unreachable")
                    if isinstance(exc, SSEError):
                        reason = "unavailable"
                    self._set_online(False, f"order feed: {type(exc).__name__}: {exc}", reason)
            except PermanentError as exc:
                log.error("order feed for session %d refused: %s", session_id, exc)
                retry_after = backoff.cap
            except Exception:  # a bug or a disk error must not end the feed for the show
                log.exception("order feed for session %d failed", session_id)
                connected = False
            await asyncio.sleep(backoff.next_delay(retry_after))

    def _apply_event(self, session_id: int, raw_id: str, etype: str, raw: str) -> None:
        """Apply one feed event and advance the cursor in one transaction; then publish."""
        event_id = int(raw_id)
        data = json.loads(raw) if raw else {}
        with self.store.tx() as db:
            if event_id <= self.store.cursor(session_id):
                self.feed_repeats_dropped += 1
                log.warning("feed event %d for session %d seen before", event_id, session_id)
                return
            if etype in ("order.placed", "order.refunded"):
                self._store_order(db, data, event_id)
            elif etype == "commission.settled":
                self._store_commission(db, data)
            elif etype == "stock.changed":
                db.execute(
                    "UPDATE products SET stock=? WHERE id=?", [data["stock"], data["product_id"]]
                )
            elif etype == "session.state":
                db.execute("UPDATE sessions SET state=? WHERE id=?", [data["state"], session_id])
            db["feed_cursor"].upsert(
                {"session_id": session_id, "last_event_id": event_id, "updated_at": time.time()},
                pk="session_id",
            )
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('last_sync_at', ?)",
                [str(time.time())],
            )
        self.bus.publish(
            FEED_TOPICS.get(etype, "commerce.event"),
            event_id=event_id,
            session_id=session_id,
            type=etype,
            data=data,
            **self._display_fields(etype, data, session_id),
        )
        if etype in TOTALS_EVENTS:
            self.publish_totals(session_id)

    # ---- the session's figures: one source for every place that shows them ------------
    def session_totals(self, session_id: int) -> dict[str, Any]:
        """The session's paid orders, GMV and commission as the backend counts them.

        From the orders and commissions the feed stored (every event of the session,
        whenever this studio learnt it): a refund takes its order out of the GMV and
        its reversed commission out of the guide's, whether the order was placed in
        this window or in an earlier run. The backend's ``/summary`` uses the same rules.
        """
        sid = int(session_id)
        o = self.store.one(
            "SELECT COALESCE(SUM(status='paid'), 0) AS orders,"
            " COALESCE(SUM(status='refunded'), 0) AS refunds,"
            " COALESCE(SUM(CASE WHEN status='paid' THEN amount_cents END), 0) AS gmv"
            " FROM orders WHERE session_id=?",
            [sid],
        ) or {"orders": 0, "refunds": 0, "gmv": 0}
        c = self.store.one(
            "SELECT COALESCE(SUM(c.amount_cents), 0) AS cents FROM commissions c"
            " JOIN orders o ON o.id=c.order_id WHERE o.session_id=? AND c.state!='reversed'",
            [sid],
        ) or {"cents": 0}
        return {
            "session_id": sid,
            "orders": int(o["orders"]),
            "refunds": int(o["refunds"]),
            "gmv_cents": int(o["gmv"]),
            "commission_cents": int(c["cents"]),
            "gmv": int(o["gmv"]) / 100,
            "commission": int(c["cents"]) / 100,
        }

    def session_orders(self, session_id: int) -> list[dict[str, Any]]:
        """The session's orders in the store, oldest first, with the fields the UI lists."""
        out = []
        for row in self.store.orders(int(session_id)):
            data = json.loads(row["data"]) if row.get("data") else {}
            out.append(
                {
                    "order_no": data.get("order_no", ""),
                    "event_id": row.get("event_id"),
                    "status": row["status"],
                    "created_at": row["created_at"],
                    **self._display_fields("order.placed", data),
                }
            )
        return out

    def publish_totals(self, session_id: int) -> None:
        """``commerce.totals``: the session's figures now (after a feed event, on joining)."""
        self.bus.publish("commerce.totals", **self.session_totals(session_id))

    def _display_fields(
        self, etype: str, data: dict[str, Any], session_id: int | None = None
    ) -> dict[str, Any]:
        """Flat fields the overlays and the UI show (sku, yuan amounts, masked buyer)."""
        out: dict[str, Any] = {}
        pid = data.get("product_id")
        sku = data.get("product_sku")
        if sku is None and pid is not None:
            row = self.store.one("SELECT sku FROM products WHERE id=?", [pid])
            sku = row["sku"] if row else None
        if sku is not None:
            out["sku"] = str(sku)
        if etype in ("order.placed", "order.refunded"):
            com = data.get("commission") or {}
            out.update(
                name=data.get("product_name", ""),
                amount=(data.get("amount_cents") or 0) / 100,
                commission=(com.get("amount_cents") or 0) / 100,
                phone_tail=data.get("buyer_phone_tail", ""),
                buyer=data.get("buyer_masked", ""),
                order_no=data.get("order_no", ""),
            )
        elif etype == "stock.changed":
            out["stock"] = data.get("stock")
            pid = data.get("product_id")
            if session_id is not None and pid is not None and data.get("stock") is not None:
                out["stock"] = self._session_stock(session_id, int(pid), int(data["stock"]))
        elif etype == "groupbuy.progress":  # the overlay's N/M is the backend's count
            out.update(joined=data.get("joined"), size=data.get("size"), state=data.get("state"))
        elif etype == "lottery.result":
            winners = [str(w.get("buyer") or "") for w in data.get("result") or []]
            out.update(prize=data.get("prize", ""), winner="、".join(w for w in winners if w))
            out["winner"] = out["winner"] or NO_WINNER
        return out

    def _store_order(self, db: sqlite_utils.Database, order: dict[str, Any], eid: int) -> None:
        db["orders"].upsert(
            {
                **{
                    k: order[k]
                    for k in (
                        "id",
                        "session_id",
                        "product_id",
                        "product_name",
                        "quantity",
                        "amount_cents",
                        "status",
                        "created_at",
                        "refunded_at",
                    )
                },
                "event_id": eid,
                "data": json.dumps(order, ensure_ascii=False),
            },
            pk="id",
        )
        if order.get("commission"):
            self._store_commission(db, order["commission"])

    def _store_commission(self, db: sqlite_utils.Database, c: dict[str, Any]) -> None:
        db["commissions"].upsert(
            {
                "id": c["id"],
                "order_id": c["order_id"],
                "guide_id": c["guide_id"],
                "amount_cents": c["amount_cents"],
                "state": c["state"],
                "data": json.dumps(c, ensure_ascii=False),
            },
            pk="id",
        )
