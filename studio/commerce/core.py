"""The studio side of commerce: record actions offline, deliver them once, follow the feed.

:class:`Commerce` is the one façade the studio, the CLI and the windows use. It is
loop-agnostic: its plain methods (``record_action``, ``start_session``, ``link_for``)
are synchronous, thread-safe and durable when they return (state + outbox in one
SQLite transaction); the ``show.action`` listener only queues the action for the
writer thread (:mod:`studio.commerce.writer`), so the output clock never waits for
a disk. :meth:`Commerce.run` is a coroutine that delivers the outbox
(:mod:`studio.commerce.outbox`) and follows the order feeds
(:mod:`studio.commerce.feed`) on whatever asyncio loop awaits it: the CLI's
background thread (:mod:`studio.commerce.side`) or the GUI's qasync loop. The
catalog, links and limits cache is :mod:`studio.commerce.catalog_cache`; promotion
checks are :mod:`studio.commerce.checks`; every SQL statement is the local store's
(:mod:`studio.commerce.store`); display formatting is the overlays'
(:mod:`studio.overlays.formatting`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from studio.commerce.backoff import Backoff
from studio.commerce.catalog_cache import CatalogCache
from studio.commerce.checks import PromoChecks
from studio.commerce.client import (
    BackendClient,
    LoginRefusedError,
    RetryableError,
    SessionEndedError,
)
from studio.commerce.feed import BOARD_SECONDS, FEED_READ_TIMEOUT, FeedFollower
from studio.commerce.outbox import OutboxSender
from studio.commerce.status import SyncStatus, read_status
from studio.commerce.store import LocalStore
from studio.commerce.writer import ActionWriter, QueuedAction
from studio.contract import feed
from studio.contract.actions import ACTION_KINDS, NOTE
from studio.events import Event, EventBus
from studio.overlays.formatting import display_fields
from studio.redact import redact

log = logging.getLogger(__name__)

__all__ = ["ACTION_KINDS", "BOARD_SECONDS", "FEED_READ_TIMEOUT", "FLASH_PATH", "Commerce"]

FLASH_PATH = "/api/flash-prices"


class Commerce:
    """Offline-first commerce for one studio: local store, outbox, feed, links."""

    def __init__(
        self,
        store: LocalStore,
        client: BackendClient,
        bus: EventBus | None = None,
        *,
        session_id: int | None = None,
        backoff: Callable[[], Backoff] = Backoff,
        feed_read_timeout: float = FEED_READ_TIMEOUT,
    ) -> None:
        self.store = store
        self.client = client
        self.bus = bus or EventBus()
        self.session_id = session_id
        self._backoff = backoff
        self._follow: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._online: bool | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self.cache = CatalogCache(store, client)
        self.checks = PromoChecks(self.cache, self.bus)
        self.feed = FeedFollower(
            store,
            client,
            self.bus,
            display=self._display_fields,
            set_online=self._set_online,
            read_timeout=feed_read_timeout,
        )
        self.outbox = OutboxSender(
            store,
            client,
            self.bus,
            self.checks,
            display=self._display_fields,
            set_online=self._set_online,
            publish_status=self._publish_status,
        )
        self.writer = ActionWriter(self._record_queued, self._writer_failed)
        # the store's cache is this backend's from now on (another one's is dropped)
        self.cache_dropped = store.bind_backend(client.base_url)
        if session_id is not None:
            self._follow.add(session_id)

    # the parts' figures, under the names the studio and the tests read
    @property
    def board_seconds(self) -> float:
        return self.feed.board_seconds

    @board_seconds.setter
    def board_seconds(self, value: float) -> None:
        self.feed.board_seconds = value

    @property
    def feed_repeats_dropped(self) -> int:
        return self.feed.repeats_dropped

    @property
    def feed_connects(self) -> int:
        return self.feed.connects

    # ---- wiring ------------------------------------------------------------------------
    def attach(self, bus: EventBus | None = None) -> None:
        """Listen to the show engine's ``show.action`` and ``show.prepared`` on ``bus``."""
        if bus is not None:
            self.bus = self.checks.bus = self.feed.bus = self.outbox.bus = bus
        if not self._unsubscribe:
            self._unsubscribe = [
                self.bus.subscribe(feed.TOPIC_SHOW_ACTION, self.on_show_action),
                self.bus.subscribe(feed.TOPIC_SHOW_PREPARED, self.on_show_prepared),
            ]

    def detach(self, timeout: float = 10.0) -> bool:
        """Stop listening; the show actions already queued are written before this returns."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        return self.writer.close(timeout)

    def status(self) -> SyncStatus:
        return read_status(self.store)

    def _publish_status(self) -> None:
        self.bus.publish(feed.TOPIC_STATUS, **self.status().as_dict())

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
            kind = NOTE
        payload["action_id"] = action_id
        now = time.time()
        fired_at = client_time or now
        body = {"kind": kind, "payload": payload, "client_time": fired_at}
        with self.store.tx() as db:
            if self.store.has_key(db, f"act:{action_id}"):
                log.debug("action %s already recorded", action_id)
                return action_id
            self.store.apply_action(db, sid, kind, payload, now)
            self.checks.enqueue(db, sid, kind, payload, action_id)
            flash = self.checks.flash_body(sid, kind, payload, fired_at)
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

    def start_session(
        self, session_id: int | None = None, *, action_id: str | None = None, **payload: Any
    ) -> str:
        """The session goes live at the backend (``session_started``, through the outbox)."""
        self.drain_actions(5.0)  # after the show actions already fired, not before them
        return self.record_action(
            "session_started", payload, session_id=session_id, action_id=action_id
        )

    def end_session(
        self, session_id: int | None = None, *, action_id: str | None = None, **payload: Any
    ) -> str:
        """The session ends at the backend (``session_ended``, through the outbox).

        Its links close there (checkout refuses them); a given ``action_id`` makes a
        second call a no-op, so a session is ended once. Show actions fired before it are
        recorded before it (the writer is drained first).
        """
        self.drain_actions(5.0)
        return self.record_action(
            "session_ended", payload, session_id=session_id, action_id=action_id
        )

    def link_for(self, product_id: int, session_id: int | None = None) -> str | None:
        """The purchase URL for the product's QR code, from the local store (works offline)."""
        return self.cache.link_for(self._sid(session_id), int(product_id))

    def product_id(self, sku: str) -> int | None:
        """The backend product id of a SKU, from the cached catalog (show scripts use SKUs)."""
        return self.cache.product_id(sku)

    def link_for_sku(self, sku: str, session_id: int | None = None) -> str | None:
        pid = self.product_id(sku)
        return self.link_for(pid, session_id) if pid is not None else None

    # ---- the show engine's events ------------------------------------------------------
    def on_show_action(self, event: Event) -> None:
        """``show.action`` listener: on the output clock's thread, so it only queues.

        The writer thread records it (:meth:`record_action`) in firing order; its id is
        fixed here, so it is recorded once. :meth:`detach` (or :meth:`drain_actions`)
        waits for what is queued.
        """
        data = event.data
        payload = dict(data.get("payload") or {})
        sid = data.get("session_id")
        if not isinstance(sid, int) or isinstance(sid, bool):
            if sid is not None:
                payload.setdefault("show_session_id", sid)
            sid = None
        kind = str(data.get("type") or NOTE)
        if data.get("action_id"):
            self.writer.submit(QueuedAction(kind, payload, sid, str(data["action_id"])))
        else:
            self.writer.submit(QueuedAction(kind, payload, sid))

    def drain_actions(self, timeout: float = 10.0) -> bool:
        """Wait until every show action queued so far is recorded; False on timeout."""
        return self.writer.drain(timeout)

    def _record_queued(self, action: QueuedAction) -> None:
        try:
            self.record_action(
                action.kind,
                action.payload,
                session_id=action.session_id,
                action_id=action.action_id,
            )
        except ValueError:
            log.warning("show action %s has no backend session; not recorded", action.kind)

    def _writer_failed(self, action: QueuedAction, error: str) -> None:
        self.bus.publish(
            feed.TOPIC_WRITER_FAILED,
            kind=action.kind,
            action_id=action.action_id,
            session_id=action.session_id,
            error=redact(error),
        )

    def on_show_prepared(self, event: Event) -> None:
        """``show.prepared``: the show's stock and refused promotions, before going live."""
        self.checks.on_prepared(event, self.session_id)

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
                    self.store.set_session_state(db, sid, "ended")
                self._set_online(True)
                raise SessionEndedError(sid)
            links = await self.client.request("GET", f"/api/sessions/{sid}/links")
            with self.store.tx() as db:
                self.store.cache_session(db, sess)
                for link in links:
                    if not link.get("expires_at") or link["expires_at"] > time.time():
                        self.store.store_link(db, link)
            if product_ids is None:
                wanted = [int(lk["product_id"]) for lk in links]
            await self.cache.cache_rules(int(sess["store_id"]))
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

    async def refresh_catalog(self, images: bool = True) -> int:
        """Cache the catalog (and product pictures on disk) for offline shelves."""
        return await self.cache.refresh(images)

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
            task = self.feed.follow(session_id, self._backoff())
            self._tasks[name] = asyncio.create_task(task, name=name)

    async def run(self) -> None:
        """Deliver the outbox and follow the feeds until :meth:`stop` or cancellation."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stop = asyncio.Event()
        if self._stop_requested:  # stop() came before this task first ran
            self._stop.set()
        self._tasks["outbox"] = asyncio.create_task(
            self.outbox.run(self._wakeup, self._backoff()), name="commerce-outbox"
        )
        self._tasks["board"] = asyncio.create_task(
            self.feed.board(self._my_guide_id), name="commerce-board"
        )
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

    # ---- the session's figures (the feed's) ---------------------------------------------
    def session_totals(self, session_id: int) -> dict[str, Any]:
        """The session's paid orders, GMV and commission as the backend counts them."""
        return self.feed.totals(session_id)

    def session_orders(self, session_id: int) -> list[dict[str, Any]]:
        """The session's orders in the store, oldest first, with the fields the UI lists."""
        return self.feed.orders(session_id)

    def publish_totals(self, session_id: int) -> None:
        """``commerce.totals``: the session's figures now (after a feed event, on joining)."""
        self.feed.publish_totals(session_id)

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

    def _my_guide_id(self) -> int | None:
        """The guide of this studio's session (from prepare): their row is marked ``me``."""
        return None if self.session_id is None else self.store.guide_of(self.session_id)

    def _display_fields(
        self, etype: str, data: dict[str, Any], session_id: int | None = None
    ) -> dict[str, Any]:
        """The overlays' display fields, with what only the local store knows looked up."""
        pid = data.get("product_id")
        sku = None
        if data.get("product_sku") is None and pid is not None:
            sku = self.store.product_sku(int(pid))
        stock = None
        real = data.get("stock") if etype == "stock.changed" else None
        if session_id is not None and pid is not None and real is not None:
            stock = self.cache.session_stock(session_id, int(pid), int(real))
        return display_fields(etype, data, sku=sku, stock=stock)
