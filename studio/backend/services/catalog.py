"""Products, stores and guides as the API shows them."""

from __future__ import annotations

import logging
from typing import Any

from studio.backend.access import User, readable
from studio.backend.db import Database
from studio.backend.engine import Row
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)

PRODUCT_FIELDS = ("id", "sku", "name", "category", "price_cents", "list_price_cents", "stock")


def product_out(commerce: CommerceService, r: Row) -> dict[str, Any]:
    return {
        **{k: r[k] for k in PRODUCT_FIELDS},
        "image_url": f"{commerce.settings.public_url}/img/products/{r['id']}.png",
    }


def products(commerce: CommerceService) -> list[dict[str, Any]]:
    return [product_out(commerce, r) for r in commerce.db.all("SELECT * FROM products ORDER BY id")]


def stores(commerce: CommerceService, user: User) -> list[dict[str, Any]]:
    rows = commerce.db.all("SELECT * FROM stores ORDER BY id")
    return [dict(r) for r in rows if readable(commerce, user, r["id"])]


def guides(commerce: CommerceService, user: User) -> list[dict[str, Any]]:
    rows = commerce.db.all("SELECT id, store_id, name FROM guides ORDER BY id")
    return [dict(r) for r in rows if readable(commerce, user, r["store_id"])]


def guide_with_store(db: Database, guide_id: int) -> Row:
    """The guide's ``name`` and their store's name as ``store``."""
    return db.conn.execute(
        "SELECT g.name, s.name AS store FROM guides g JOIN stores s "
        "ON s.id=g.store_id WHERE g.id=?",
        (guide_id,),
    ).one()
