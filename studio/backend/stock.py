"""Stock as a ledger: every change of a product's stock is a row tied to its cause.

``products.stock`` is the running total the API shows; ``stock_moves`` says why it
is what it is. For each product, the sum of its ``real`` moves equals its stock
(an ``opening`` row starts every product). The rules:

- a checkout sale takes exactly what it sells, or nothing (409 sold out);
- a shop's (webhook) sale takes what it sold, but never more than there is: the
  shop already sold it, so the shortfall is noted, not invented;
- a refund gives back exactly what its own sale took, once;
- a refund for an order this backend never saw is recorded and changes nothing;
- a rehearsal session sells against no stock: its moves are kept in the
  ``rehearsal`` pool with delta 0, and real stock never moves;
- a manual adjustment names who made it and why.
"""

from __future__ import annotations

import logging

from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError

log = logging.getLogger(__name__)


def _stock(conn: Conn, product_id: int, *, lock: bool = False) -> int:
    """The product's stock; ``lock``: its row stays locked until the transaction ends, so
    a concurrent sale (any process) waits and then sees what this one left."""
    sql = "SELECT stock FROM products WHERE id=?" + (conn.for_update() if lock else "")
    row = conn.execute(sql, (product_id,)).fetchone()
    if row is None:
        raise ApiError(404, f"product {product_id} does not exist")
    return int(row[0])


def _move(
    conn: Conn,
    product_id: int,
    kind: str,
    delta: int,
    now: float,
    *,
    pool: str = "real",
    order_id: int | None = None,
    session_id: int | None = None,
    user_id: int | None = None,
    note: str = "",
) -> int:
    if delta:
        conn.execute("UPDATE products SET stock=stock+? WHERE id=?", (delta, product_id))
    after = _stock(conn, product_id)
    conn.execute(
        "INSERT INTO stock_moves(product_id, pool, kind, delta, stock_after, order_id,"
        " session_id, user_id, note, created_at) VALUES(?,?,?,?,?,?,?,?,?,?)",
        (product_id, pool, kind, delta, after, order_id, session_id, user_id, note, now),
    )
    return after


def opening(conn: Conn, product_id: int, now: float) -> None:
    """The first row of a new product's ledger: its stock as created."""
    stock = _stock(conn, product_id)
    conn.execute(
        "INSERT INTO stock_moves(product_id, kind, delta, stock_after, note, created_at)"
        " VALUES(?,?,?,?,?,?)",
        (product_id, "opening", stock, stock, "stock when the product was added", now),
    )


def sell(
    conn: Conn,
    *,
    product_id: int,
    quantity: int,
    order_id: int,
    session_id: int,
    rehearsal: bool,
    exact: bool,
    now: float,
) -> int:
    """Take stock for an order; returns what was taken.

    ``exact`` (checkout): all of ``quantity`` or a 409. Otherwise (a shop's sale
    that already happened) at most what is left, the rest noted as a shortfall.
    """
    if rehearsal:
        _move(
            conn,
            product_id,
            "sale",
            0,
            now,
            pool="rehearsal",
            order_id=order_id,
            session_id=session_id,
            note=f"rehearsal sale of {quantity}: practice, real stock untouched",
        )
        return 0
    left = _stock(conn, product_id, lock=True)
    if left < quantity and exact:
        raise ApiError(409, f"sold out: only {left} left", page="sold_out")
    taken = min(quantity, left)
    note = "" if taken == quantity else f"shop sold {quantity}, only {left} in stock"
    if note:
        log.warning("order %s: %s (product %s)", order_id, note, product_id)
    _move(
        conn,
        product_id,
        "sale",
        -taken,
        now,
        order_id=order_id,
        session_id=session_id,
        note=note,
    )
    return taken


def give_back(conn: Conn, order_id: int, now: float) -> int:
    """Return what an order's own sale took (once); returns the quantity given back."""
    moves = conn.execute(
        "SELECT product_id, pool, kind, delta, session_id FROM stock_moves WHERE order_id=?",
        (order_id,),
    ).fetchall()
    if not moves or any(m["kind"] == "refund" for m in moves):
        return 0
    sale = next((m for m in moves if m["kind"] == "sale"), None)
    if sale is None:
        return 0
    taken = -sum(m["delta"] for m in moves if m["kind"] == "sale")
    _move(
        conn,
        sale["product_id"],
        "refund",
        taken,
        now,
        pool=sale["pool"],
        order_id=order_id,
        session_id=sale["session_id"],
        note="" if sale["pool"] == "real" else "rehearsal refund: real stock untouched",
    )
    return taken


def unmatched_refund(
    conn: Conn,
    *,
    product_id: int,
    quantity: int,
    order_id: int,
    session_id: int,
    shop_order_id: str,
    now: float,
) -> None:
    """A shop refunded an order we never saw sold: recorded, stock unchanged."""
    log.warning(
        "refund for unknown shop order %s (product %s, %d): recorded, stock unchanged",
        shop_order_id,
        product_id,
        quantity,
    )
    _move(
        conn,
        product_id,
        "unmatched_refund",
        0,
        now,
        order_id=order_id,
        session_id=session_id,
        note=f"shop refunded {quantity} of an order never sold here; nothing to give back",
    )


def adjust(conn: Conn, *, product_id: int, delta: int, user_id: int, note: str, now: float) -> int:
    """A manual change (stock count, delivery, breakage); never below zero."""
    left = _stock(conn, product_id, lock=True)
    if left + delta < 0:
        raise ApiError(409, f"stock would go below zero: {left} left, change {delta}")
    return _move(conn, product_id, "adjustment", delta, now, user_id=user_id, note=note)


def moves(conn: Conn, product_id: int, limit: int) -> list[Row]:
    return conn.execute(
        "SELECT * FROM stock_moves WHERE product_id=? ORDER BY id DESC LIMIT ?",
        (product_id, limit),
    ).fetchall()
