"""Promotions the backend would refuse, found before they go on air, and the guide told.

At prepare (``show.prepared``) every scripted flash price, coupon and group price is
checked against the store's cached limits (:mod:`studio.commerce.limits`); on air a
promotion the limits refuse is never sent. Either way the guide hears why through
``commerce.promo_refused`` (and the log), and the overlay draws the regular price.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlite_utils

from studio.commerce.catalog_cache import CatalogCache
from studio.commerce.limits import refusal, rules_of
from studio.commerce.promotions import PATHS as PROMOTION_PATHS
from studio.commerce.promotions import promotion_body
from studio.contract import feed
from studio.events import Event, EventBus
from studio.overlays.formatting import promo_fields

log = logging.getLogger(__name__)

# a cue's action -> the promotion kind it makes
PROMO_KINDS = {"pop_link": "flash_price", "coupon": "coupon", "groupbuy": "groupbuy"}
# a promotion action -> the cue action whose limits apply to it
_CUE_OF = {"coupon_issued": "coupon", "groupbuy_started": "groupbuy"}


class PromoChecks:
    """The store's promotion limits applied by the studio, and refusals announced."""

    def __init__(self, cache: CatalogCache, bus: EventBus) -> None:
        self.cache = cache
        self.bus = bus

    def would_refuse(self, sid: int, action: str, params: dict[str, Any]) -> str | None:
        """Why the backend would refuse this cue's promotion (the store's cached limits)."""
        if action not in PROMO_KINDS:
            return None
        cached = self.cache.rules(sid)
        if not cached:
            return None
        price = None
        sku = params.get("sku")
        if sku:
            row = self.cache.store.product(str(sku))
            price = int(row["price_cents"]) if row else None
        why = refusal(rules_of(json.loads(cached)), action, {**params, "product": sku}, price)
        return None if why is None else f"the backend would refuse it: {why}"

    def refused(self, payload: dict[str, Any], reason: str, source: str = "commerce") -> None:
        """Tell the guide (log + ``commerce.promo_refused``) why a promotion is not on air.

        ``payload`` is a flash price's (the default) or, with ``kind`` ``coupon`` or
        ``groupbuy``, that promotion's cue payload or backend body.
        """
        kind = str(payload.get("kind") or "flash_price")
        common = {
            "sku": payload.get("sku"),
            "product_id": payload.get("product_id"),
            "reason": reason,
            "source": source,
            "cue_id": payload.get("cue_id"),
        }
        if kind != "flash_price":
            fields = promo_fields(kind, payload)
            shown = {k: v for k, v in fields.items() if v is not None}
            log.warning("%s %s will not be drawn: %s", kind, shown, reason)
            self.bus.publish(feed.TOPIC_PROMO_REFUSED, kind=kind, **common, **fields)
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
        self.bus.publish(feed.TOPIC_PROMO_REFUSED, kind="flash_price", flash_price=price, **common)

    def on_prepared(self, event: Event, default_session: int | None) -> None:
        """Before going live: the show's stock as the backend counts it, and its promotions
        the backend would refuse (``commerce.promo_refused`` with ``source="prepare"``).

        Synchronous and local (the catalog and the store's limits cached at prepare), so
        the guide hears of a refused flash price before the show starts, not on air.
        """
        d = event.data
        raw = d.get("session_id")
        sid = int(raw) if raw not in (None, "") else default_session
        if sid is None:
            return
        cues = [dict(c) for c in d.get("cues") or []]
        for sku in sorted({str(c["sku"]) for c in cues if c.get("sku")}):
            row = self.cache.store.product(sku)
            if row is not None and row["stock"] is not None:
                self.bus.publish(
                    feed.TOPIC_STOCK,
                    session_id=sid,
                    product_id=row["id"],
                    sku=sku,
                    stock=self.cache.session_stock(sid, int(row["id"]), int(row["stock"])),
                    source="prepare",
                )
        if not self.cache.rules(sid):
            log.info("no promotion limits cached for session %d: checked on air instead", sid)
            return
        for c in cues:
            why = self.would_refuse(sid, str(c.get("action")), c)
            if why is not None:
                kind = PROMO_KINDS[str(c["action"])]
                self.refused({**c, "kind": kind}, why, source="prepare")

    def enqueue(
        self,
        db: sqlite_utils.Database,
        sid: int,
        kind: str,
        payload: dict[str, Any],
        action_id: str,
    ) -> None:
        """A coupon or group-buy cue creates it at the backend (an outbox row in the caller's
        transaction), unless the limits refuse it or the cue says too little."""
        pbody = promotion_body(kind, payload, self.cache.product_id)
        why = self.would_refuse(sid, _CUE_OF.get(kind, ""), payload) if pbody else None
        if why is not None:  # known before sending: no 422 to wait for, no failed row
            self.refused({**payload, "kind": PROMOTION_PATHS[kind][0]}, why)
        elif pbody is not None:
            out_kind, path = PROMOTION_PATHS[kind]
            pbody["session_id"] = sid
            self.cache.store.enqueue(db, f"{out_kind}:{action_id}", out_kind, path, pbody, sid)
        elif kind in PROMOTION_PATHS:
            unknown = payload.get("sku") and self.cache.product_id(str(payload["sku"])) is None
            self.refused(
                {**payload, "kind": PROMOTION_PATHS[kind][0]},
                "the product is not in the cached catalog"
                if unknown and payload.get("product_id") is None
                else f"the cue says too little to create it at the backend: {sorted(payload)}",
            )

    def flash_body(
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
            pid = self.cache.product_id(str(payload["sku"]))
        if pid is None:
            self.refused(payload, "the product is not in the cached catalog")
            return None
        why = self.would_refuse(sid, "pop_link", payload)
        if why is not None:
            self.refused(payload, why)
            return None
        duration = float(payload.get("duration") or 20.0)
        return {
            "session_id": sid,
            "product_id": int(pid),
            "price_cents": round(float(payload["flash_price"]) * 100),
            "starts_at": fired_at,
            "ends_at": fired_at + duration,
        }
