"""限时秒杀: flash prices as backend objects, honoured at checkout for exactly their window.

A flash price is bound to one session and one product, with ``price_cents`` and a
window ``[starts_at, ends_at)`` (unix seconds). Its price lies within the store's
promotion limits (:mod:`studio.backend.promos`): at most the product's price and at
least the price less ``max_discount_pct`` (the same share a coupon may take; never
below 1 cent). Inside the window the checkout page shows and charges it; outside
it the regular price applies. Overlapping windows: the lowest price wins.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.backend.promos import PromoRules

log = logging.getLogger(__name__)

MAX_WINDOW_SECONDS = 24 * 3600.0
FIELDS = (
    "id",
    "session_id",
    "product_id",
    "price_cents",
    "starts_at",
    "ends_at",
    "created_at",
)


def floor_cents(rules: PromoRules, price: int) -> int:
    """The lowest flash price the store's limits allow for a product at ``price``."""
    return max(1, math.ceil(price * (100 - rules.max_discount_pct) / 100))


def check(rules: PromoRules, *, price: int, flash: int, starts_at: float, ends_at: float) -> None:
    """422 naming the limit when a flash price or its window is out of bounds."""
    floor = floor_cents(rules, price)
    if not floor <= flash <= price:
        raise ApiError(
            422,
            f"price_cents must be between {floor} (the price less this store's "
            f"{rules.max_discount_pct} % discount limit) and the product's price {price}",
        )
    if not 0 < ends_at - starts_at <= MAX_WINDOW_SECONDS:
        raise ApiError(422, "ends_at must be after starts_at, and the window at most 24 hours")


def create(
    conn: Conn,
    *,
    session_id: int,
    product_id: int,
    price_cents: int,
    starts_at: float,
    ends_at: float,
    user_id: int,
    now: float,
) -> dict[str, Any]:
    cur = conn.execute(
        "INSERT INTO flash_prices(session_id, product_id, price_cents, starts_at, ends_at,"
        " created_by, created_at) VALUES(?,?,?,?,?,?,?)",
        (session_id, product_id, price_cents, starts_at, ends_at, user_id, now),
    )
    row = conn.execute("SELECT * FROM flash_prices WHERE id=?", (cur.lastrowid,)).one()
    log.info(
        "flash price %d: session %d product %d at %d cents, %.0f s",
        row["id"],
        session_id,
        product_id,
        price_cents,
        ends_at - starts_at,
    )
    return out(row)


def out(row: Row) -> dict[str, Any]:
    return {k: row[k] for k in FIELDS}


def active(conn: Conn, session_id: int, product_id: int, now: float) -> Row | None:
    """The flash price in force for this session's product at ``now`` (lowest wins)."""
    row: Row | None = conn.execute(
        "SELECT * FROM flash_prices WHERE session_id=? AND product_id=? AND starts_at<=?"
        " AND ends_at>? ORDER BY price_cents, id LIMIT 1",
        (session_id, product_id, now, now),
    ).fetchone()
    return row


def for_session(conn: Conn, session_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM flash_prices WHERE session_id=? ORDER BY id", (session_id,)
    ).fetchall()
    return [out(r) for r in rows]
