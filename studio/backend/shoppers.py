"""Demo shoppers: simulated viewers who buy through real links over real HTTP.

They pick a link of a live session, open its checkout page and submit the form,
exactly as a phone would, so demos and rehearsals see real orders, stock changes
and commissions flow through the feed.
"""

from __future__ import annotations

import logging
import random
import threading

import httpx

from studio.backend.service import CommerceService

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per shopper request is noise

_NAMES = ["王女士", "李先生", "张同学", "刘阿姨", "陈小姐", "杨先生", "赵女士", "黄同学"]
_CITIES = ["上海市静安区", "杭州市西湖区", "苏州市姑苏区", "南京市鼓楼区"]


class DemoShoppers(threading.Thread):
    """About ``per_minute`` orders a minute (Poisson arrivals) until ``stop()``."""

    def __init__(
        self, commerce: CommerceService, base_url: str, per_minute: float, seed: int | None = None
    ) -> None:
        super().__init__(name="demo-shoppers", daemon=True)
        self.commerce, self.base_url, self.per_minute = commerce, base_url.rstrip("/"), per_minute
        self._stop_event = threading.Event()
        self._rng = random.Random(seed)
        self.placed = 0

    def stop(self) -> None:
        self._stop_event.set()

    def _live_tokens(self) -> list[str]:
        now = self.commerce.clock.now()
        rows = self.commerce.db.all(
            "SELECT l.public_id FROM links l JOIN live_sessions s ON s.id=l.session_id "
            "WHERE s.state='live' AND (l.expires_at IS NULL OR l.expires_at>?)",
            now,
        )
        return [self.commerce.signer.token_for(r["public_id"]) for r in rows]

    def shop_once(self, client: httpx.Client) -> bool:
        tokens = self._live_tokens()
        if not tokens:
            return False
        token = self._rng.choice(tokens)
        page = client.get(f"{self.base_url}/p/{token}")
        if page.status_code != 200:
            return False
        delivery = self._rng.random() < 0.5
        form = {
            "quantity": str(self._rng.choice([1, 1, 1, 2, 3])),
            "fulfilment": "delivery" if delivery else "pickup",
            "address": f"{self._rng.choice(_CITIES)}演示路 {self._rng.randint(1, 999)} 号"
            if delivery
            else "",
            "buyer_name": self._rng.choice(_NAMES),
            "buyer_phone": f"138{self._rng.randint(0, 99_999_999):08d}",
            "use_coupon": "1" if self._rng.random() < 0.5 else "0",
            "join_group": "1"
            if 'name="join_group"' in page.text and self._rng.random() < 0.5
            else "0",
        }
        r = client.post(f"{self.base_url}/p/{token}/buy", data=form)
        if r.status_code == 201:
            self.placed += 1
            return True
        log.debug("demo shopper got %s", r.status_code)
        return False

    def run(self) -> None:
        log.info("demo shoppers: about %.1f orders a minute via %s", self.per_minute, self.base_url)
        with httpx.Client(timeout=10) as client:
            while not self._stop_event.wait(self._rng.expovariate(self.per_minute / 60.0)):
                try:
                    self.shop_once(client)
                except httpx.HTTPError as exc:
                    log.debug("demo shopper request failed: %s", exc)
                except Exception:
                    log.exception("demo shopper failed")
