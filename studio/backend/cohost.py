"""The co-host share (连麦 with a guide of another store): part of the host's commission
owed to the guest guide for orders placed while that guest was on the program.

Orders and their commission stay the host's (session, guide, store): attribution does
not move. When an order's commission is recorded, every guest of the session who is on
air at that moment (an open ``costream_on_air`` stretch) and whose invite named a
``guest_guide_id`` with a ``co_host_share`` gets a share row: that fraction of the host's
commission, at most :data:`MAX_TOTAL` of it for all guests together (the host keeps at
least half). A share follows its commission: it settles when the commission settles
(after the return window) and is reversed when the order is refunded.

Plain SQL on the caller's transaction; no import of the services (ordering calls it).
"""

from __future__ import annotations

import logging
from typing import Any

from studio.backend.engine import Conn, Row

log = logging.getLogger(__name__)

MAX_TOTAL = 0.5


def record(
    conn: Conn, order_id: int, commission_id: int, session_id: int, amount: int, now: float
) -> int:
    """Share rows for the guests on air now; returns how many were written."""
    guests = conn.execute(
        "SELECT g.id, i.guest_guide_id, i.co_host_share FROM costream_on_air a"
        " JOIN costream_guests g ON g.id=a.guest_id"
        " JOIN costream_invites i ON i.id=g.invite_id"
        " WHERE a.session_id=? AND a.ended_at IS NULL AND a.started_at<=?"
        " AND i.guest_guide_id IS NOT NULL AND i.co_host_share>0 ORDER BY g.id",
        (session_id, now),
    ).fetchall()
    left, written = MAX_TOTAL, 0
    for g in guests:
        share = min(float(g["co_host_share"]), left)
        if share <= 0:
            break
        left -= share
        conn.execute(
            "INSERT INTO co_host_shares(order_id, commission_id, guest_id, guide_id, share,"
            " amount_cents, state, created_at) VALUES(?,?,?,?,?,?,'pending',?)"
            " ON CONFLICT(order_id, guest_id) DO NOTHING",
            (
                order_id,
                commission_id,
                g["id"],
                g["guest_guide_id"],
                share,
                round(amount * share),
                now,
            ),
        )
        written += 1
    if written:
        log.info("order %s: %d co-host shares", order_id, written)
    return written


def settle(conn: Conn, commission_ids: list[int], now: float) -> None:
    """The shares of commissions that just settled settle with them."""
    for cid in commission_ids:
        conn.execute(
            "UPDATE co_host_shares SET state='settled', settled_at=?"
            " WHERE commission_id=? AND state='pending'",
            (now, cid),
        )


def reverse(conn: Conn, order_id: int, now: float) -> None:
    """A refunded order owes no share (a settled one is clawed back, like the commission)."""
    conn.execute(
        "UPDATE co_host_shares SET state='reversed', reversed_at=?"
        " WHERE order_id=? AND state!='reversed'",
        (now, order_id),
    )


def share_out(row: Row) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "id",
            "order_id",
            "commission_id",
            "session_id",
            "host_guide_id",
            "guide_id",
            "share",
            "amount_cents",
            "state",
            "created_at",
            "settled_at",
            "reversed_at",
        )
    }


def listed(conn: Conn, guide_id: int | None, state: str | None) -> list[dict[str, Any]]:
    """Shares a guide earns as co-host or gives as host (``guide_id`` None: all)."""
    where: list[str] = []
    params: list[Any] = []
    if guide_id is not None:
        where.append("(s.guide_id=? OR c.guide_id=?)")
        params += [guide_id, guide_id]
    if state is not None:
        where.append("s.state=?")
        params.append(state)
    rows = conn.execute(
        "SELECT s.*, o.session_id, c.guide_id AS host_guide_id FROM co_host_shares s"
        " JOIN orders o ON o.id=s.order_id JOIN commissions c ON c.id=s.commission_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY s.id DESC LIMIT 2000",
        params,
    ).fetchall()
    return [share_out(r) for r in rows]
