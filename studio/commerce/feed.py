"""Following a session's order feed (SSE), and the figures the studio shows of it.

Each event is applied in the same transaction that advances the stored cursor
(:meth:`~studio.commerce.store.LocalStore.apply_feed_event`), and the stream is
resumed with ``Last-Event-ID``, so an event is applied once however often the
stream breaks. The session's figures are counted from what the feed stored, the
backend's way, so the studio and ``/summary`` agree.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse

from studio.commerce.backoff import Backoff
from studio.commerce.client import BackendClient, PermanentError, RetryableError, classify
from studio.commerce.store import LocalStore
from studio.contract import feed
from studio.events import EventBus
from studio.overlays.formatting import leaderboard

log = logging.getLogger(__name__)

FEED_READ_TIMEOUT = 45.0  # the backend pings every 15 s; three missed pings = dead stream
BOARD_SECONDS = 10.0  # how often the region's leaderboard is read

Display = Callable[[str, dict[str, Any], int | None], dict[str, Any]]
SetOnline = Callable[..., None]


class FeedFollower:
    """The order feeds and the leaderboard of one :class:`~studio.commerce.core.Commerce`."""

    def __init__(
        self,
        store: LocalStore,
        client: BackendClient,
        bus: EventBus,
        *,
        display: Display,
        set_online: SetOnline,
        read_timeout: float = FEED_READ_TIMEOUT,
    ) -> None:
        self.store = store
        self.client = client
        self.bus = bus
        self._display = display
        self._set_online = set_online
        self.read_timeout = read_timeout
        self.board_seconds = BOARD_SECONDS
        self.repeats_dropped = 0  # events the server sent again; must stay 0
        self.connects = 0

    async def follow(self, session_id: int, backoff: Backoff) -> None:
        """Apply the session's feed events, reconnecting from the cursor, until cancelled."""
        path = f"/api/sessions/{session_id}/events"
        connected = False
        while True:
            retry_after: float | None = None
            try:
                headers = await self.client.auth_headers()
                last = self.store.cursor(session_id)
                if last:
                    headers["Last-Event-ID"] = str(last)
                timeout = httpx.Timeout(self.client.timeout, read=self.read_timeout)
                async with aconnect_sse(
                    self.client.http, "GET", path, headers=headers, timeout=timeout
                ) as source:
                    if source.response.status_code >= 400:
                        await source.response.aread()
                        if source.response.status_code == 401 and self.client.credentials.can_login:
                            self.client.credentials.forget()
                            continue
                        classify(source.response)
                    self.connects += 1
                    connected = True
                    self._set_online(True)
                    log.info("order feed for session %d from event %d", session_id, last)
                    async for sse in source.aiter_sse():
                        # httpx-sse hands over keep-alive comments as events with no data and
                        # the previous id (the SSE spec says: dispatch nothing); skip them.
                        if sse.id and sse.data:
                            self.apply(session_id, sse.id, sse.event, sse.data)
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

    def apply(self, session_id: int, raw_id: str, etype: str, raw: str) -> None:
        """Apply one feed event and advance the cursor in one transaction; then publish."""
        event_id = int(raw_id)
        data = json.loads(raw) if raw else {}
        if not self.store.apply_feed_event(session_id, event_id, etype, data):
            self.repeats_dropped += 1
            log.warning("feed event %d for session %d seen before", event_id, session_id)
            return
        self.bus.publish(
            feed.FEED_TOPICS.get(etype, feed.TOPIC_EVENT),
            event_id=event_id,
            session_id=session_id,
            type=etype,
            data=data,
            **self._display(etype, data, session_id),
        )
        if etype in feed.TOTALS_EVENTS:
            self.publish_totals(session_id)

    # ---- the session's figures: one source for every place that shows them ------------
    def totals(self, session_id: int) -> dict[str, Any]:
        """The session's paid orders, GMV and commission as the backend counts them.

        From the orders and commissions the feed stored (every event of the session,
        whenever this studio learnt it): a refund takes its order out of the GMV and
        its reversed commission out of the guide's, whether the order was placed in
        this window or in an earlier run. The backend's ``/summary`` uses the same rules.
        """
        sid = int(session_id)
        orders, refunds, gmv, commission = self.store.session_figures(sid)
        return {
            "session_id": sid,
            "orders": orders,
            "refunds": refunds,
            "gmv_cents": gmv,
            "commission_cents": commission,
            "gmv": gmv / 100,
            "commission": commission / 100,
        }

    def orders(self, session_id: int) -> list[dict[str, Any]]:
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
                    **self._display("order.placed", data, None),
                }
            )
        return out

    def publish_totals(self, session_id: int) -> None:
        """``commerce.totals``: the session's figures now (after a feed event, on joining)."""
        self.bus.publish(feed.TOPIC_TOTALS, **self.totals(session_id))

    # ---- the region's 超级带单王 ---------------------------------------------------------
    async def board(self, me: Callable[[], int | None]) -> None:
        """Publish the region's guides this hour (``commerce.leaderboard``) every few seconds.

        The on-air contest ranks guides across stores; only the backend knows them all.
        ``me`` is this studio's guide (their row is marked).
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
                guide = me()
                self.bus.publish(feed.TOPIC_LEADERBOARD, rows=leaderboard(rows, guide), me=guide)
            await asyncio.sleep(self.board_seconds)
