"""限时秒杀: flash prices as backend objects, honoured at checkout for exactly their window.

A flash price is bound to one session and one product, with ``price_cents`` and a
window ``[starts_at, ends_at)`` (unix seconds). Its price lies within the store's
promotion limits (:mod:`studio.contract.promos`): at most the product's price and at
least the price less ``max_discount_pct`` (the same share a coupon may take; never
below 1 cent). Inside the window the checkout page shows and charges it; outside
it the regular price applies. Overlapping windows: the lowest price wins.
"""

from __future__ import annotations

import logging
from typing import Any

from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.contract import promos as rules_mod
from studio.contract.promos import MAX_FLASH_WINDOW_SECONDS as MAX_WINDOW_SECONDS
from studio.contract.promos import PromoRuleError, PromoRules
from studio.contract.promos import flash_floor_cents as floor_cents

log = logging.getLogger(__name__)

__all__ = [
    "FIELDS",
    "MAX_WINDOW_SECONDS",
    "active",
    "check",
    "create",
    "floor_cents",
    "for_session",
    "out",
]
FIELDS = (
    "id",
    "session_id",
    "product_id",
    "price_cents",
    "starts_at",
    "ends_at",
    "created_at",
)


def check(rules: PromoRules, *, price: int, flash: int, starts_at: float, ends_at: float) -> None:
    """422 naming the limit when a flash price or its window is out of bounds."""
    try:
        rules_mod.check_flash(rules, price=price, flash=flash, starts_at=starts_at, ends_at=ends_at)
    except PromoRuleError as exc:
        raise ApiError(422, str(exc)) from exc


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
