"""Delivering the outbox: each row once, in order, with its own ``Idempotency-Key``.

Every row carries the exact body it was written with, so a retry after a lost
reply, a crash or a restart is replayed by the backend instead of written twice.
A retryable failure waits (backoff, ``Retry-After``) and keeps the row; a refusal
keeps it as failed and tells the guide when it was a promotion.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from studio.commerce.backoff import Backoff
from studio.commerce.checks import PromoChecks
from studio.commerce.client import BackendClient, PermanentError, RetryableError
from studio.commerce.store import LocalStore
from studio.contract import feed
from studio.events import EventBus
from studio.overlays.formatting import promo_fields
from studio.redact import redact

log = logging.getLogger(__name__)

Display = Callable[[str, dict[str, Any]], dict[str, Any]]
SetOnline = Callable[..., None]


class OutboxSender:
    """The send loop of one :class:`~studio.commerce.core.Commerce` (its collaborators given)."""

    def __init__(
        self,
        store: LocalStore,
        client: BackendClient,
        bus: EventBus,
        checks: PromoChecks,
        *,
        display: Display,
        set_online: SetOnline,
        publish_status: Callable[[], None],
    ) -> None:
        self.store = store
        self.client = client
        self.bus = bus
        self.checks = checks
        self._display = display
        self._set_online = set_online
        self._publish_status = publish_status

    async def run(self, wakeup: asyncio.Event, backoff: Backoff) -> None:
        """Send the oldest pending row, forever; sleep on ``wakeup`` when none waits."""
        while True:
            wakeup.clear()
            item = self.store.next_pending()
            if item is None:
                await wakeup.wait()
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
                self.store.attempt_failed(item["seq"], redact(str(exc)))
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
            if isinstance(result, dict):
                self._announce(item["kind"], result)
            self._publish_status()

    def _refused(self, item: dict[str, Any], exc: PermanentError) -> None:
        log.error("backend refused %s for good (%s); kept as failed", item["key"], exc)
        if item["kind"] in ("flash", "coupon", "groupbuy"):
            body = json.loads(item["body"])
            kind = "flash_price" if item["kind"] == "flash" else item["kind"]
            self.checks.refused(
                {**body, **self._display("", body), "kind": kind},
                f"the backend refused it: {exc}",
            )
        self.store.refused(item["seq"], redact(str(exc)))
        self._publish_status()

    def _delivered(self, item: dict[str, Any], result: Any) -> None:
        with self.store.tx() as db:
            if item["kind"] == "link" and isinstance(result, dict):
                self.store.store_link(db, result)
            elif item["kind"] == "action" and isinstance(result, dict):
                state = result.get("session_state")
                if state:
                    self.store.set_session_state(db, int(result["session_id"]), str(state))
            self.store.delivered(db, item["seq"], result)

    def _announce(self, kind: str, result: dict[str, Any]) -> None:
        """What the backend made, on the bus: a link (a QR can show it), a flash price or a
        promotion (checkout offers it, so the overlay may draw it)."""
        shown = self._display("", result)
        if kind == "link":
            self.bus.publish(
                feed.TOPIC_LINK,
                session_id=result.get("session_id"),
                product_id=result.get("product_id"),
                url=result.get("url"),
                **shown,
            )
        elif kind == "flash":
            log.info(
                "flash price %s confirmed: product %s at %s cents until %.0f",
                result.get("id"),
                result.get("product_id"),
                result.get("price_cents"),
                result.get("ends_at", 0),
            )
            self.bus.publish(
                feed.TOPIC_FLASH,
                data=result,
                price=result["price_cents"] / 100,
                price_cents=result["price_cents"],
                starts_at=result["starts_at"],
                ends_at=result["ends_at"],
                **shown,
            )
        elif kind in ("coupon", "groupbuy"):
            log.info(
                "%s %s confirmed for session %s", kind, result.get("id"), result.get("session_id")
            )
            self.bus.publish(
                feed.TOPIC_PROMO, kind=kind, data=result, **promo_fields(kind, result), **shown
            )
