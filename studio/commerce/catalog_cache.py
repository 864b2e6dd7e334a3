"""The backend's catalog, links and promotion limits, cached so a show sells offline.

A show names products by SKU; the local store keeps the backend's products (and their
pictures on disk), the session's purchase links and the store's promotion limits,
so QR codes, shelves and prepare-time checks work when the backend is gone.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import httpx

from studio.commerce.client import BackendClient, PermanentError, RetryableError, classify
from studio.commerce.store import LocalStore

log = logging.getLogger(__name__)


class CatalogCache:
    """Reads and refreshes what the studio caches of the backend's catalog."""

    def __init__(self, store: LocalStore, client: BackendClient) -> None:
        self.store = store
        self.client = client

    def product_id(self, sku: str) -> int | None:
        """The backend product id of a SKU, from the cached catalog (show scripts use SKUs)."""
        return self.store.product_id(sku)

    def link_for(self, session_id: int, product_id: int) -> str | None:
        """The purchase URL for the product's QR code, from the local store (works offline)."""
        row = self.store.link(session_id, product_id)
        return str(row["url"]) if row else None

    def session_stock(self, sid: int, pid: int, real: int) -> int:
        """The stock a session's pop-ups go by: the real one, or a rehearsal's own.

        A rehearsal sells no real stock (the backend keeps its sales apart), so its
        pop-ups count down from the stock when it was prepared by its own orders only.
        """
        if not self.store.is_rehearsal(sid):
            return real
        key = f"rehearsal_stock:{sid}:{pid}"
        base = self.store.meta(key)
        if base is None:
            self.store.set_meta(**{key: real})
            base = str(real)
        return max(0, int(base) - self.store.paid_quantity(sid, pid))

    async def refresh(self, images: bool = True) -> int:
        """Cache the catalog (and product pictures on disk) for offline shelves."""
        products = await self.client.request("GET", "/api/products")
        self.store.cache_products(products, time.time())
        if images:
            self.store.images_dir.mkdir(parents=True, exist_ok=True)
            for p in products:
                dest = self.store.images_dir / f"{p['id']}.png"
                if not dest.exists():
                    await self._download(p["image_url"], dest)
                self.store.set_image_path(int(p["id"]), str(dest))
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

    async def cache_rules(self, store_id: int) -> None:
        """Keep the store's promotion limits: a show's promotions are checked against them."""
        try:
            rules = await self.client.request("GET", f"/api/stores/{store_id}/promo-rules")
        except PermanentError as exc:  # an older backend, or no right to read them
            log.info("promotion limits of store %d not read: %s", store_id, exc)
            return
        self.store.set_meta(**{f"promo_rules:{store_id}": json.dumps(rules)})

    def rules(self, session_id: int) -> str | None:
        """The cached promotion limits (JSON) of the shop a session sells for, if any."""
        store_id = self.store.store_of(session_id)
        return self.store.meta(f"promo_rules:{store_id}") if store_id is not None else None
