"""Lotteries: drawn at the backend, when their time comes, among the session's paying buyers.

A show's lottery counted down on air and nobody drew it: the overlay sat on "开奖中…" and
gave up. A lottery created with ``draw_in_seconds`` is now drawn by the backend itself at
that time (:func:`draw_due`, every half second), so the winner on air is the backend's draw
even when the studio is offline at that moment; ``POST /api/lotteries/{id}/draw`` still draws
one at once. Drawing twice returns the first result.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from studio.backend.engine import Conn, Row
from studio.privacy import mask_name

Emit = Callable[[Conn, int, str, dict[str, Any]], int]


FIELDS = ("id", "session_id", "prize", "winners", "state", "created_at", "drawn_at", "draws_at")


def out(r: Row) -> dict[str, Any]:
    return {
        **{k: r[k] for k in FIELDS},
        "result": json.loads(r["result"]) if r["result"] else None,
    }


def draw(conn: Conn, lottery_id: int, now: float, emit: Emit) -> Row:
    """Draw an open lottery (inside the caller's write transaction); announce it in the feed."""
    lot = conn.execute(
        "SELECT * FROM lotteries WHERE id=?" + conn.for_update(), (lottery_id,)
    ).one()
    if lot["state"] != "open":
        return lot
    buyers = conn.execute(
        "SELECT id, order_no, buyer_name FROM orders WHERE session_id=? AND status='paid'",
        (lot["session_id"],),
    ).fetchall()
    picked = secrets.SystemRandom().sample(list(buyers), min(lot["winners"], len(buyers)))
    result = [
        {
            "order_id": b["id"],
            "order_no": b["order_no"],
            "buyer": mask_name(b["buyer_name"]) if b["buyer_name"] else "匿名",
        }
        for b in picked
    ]
    conn.execute(
        "UPDATE lotteries SET state='drawn', result=?, drawn_at=? WHERE id=?",
        (json.dumps(result, ensure_ascii=False), now, lottery_id),
    )
    lot = conn.execute("SELECT * FROM lotteries WHERE id=?", (lottery_id,)).one()
    emit(conn, lot["session_id"], "lottery.result", out(lot))
    return lot


def due(conn: Conn, now: float) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM lotteries WHERE state='open' AND draws_at IS NOT NULL AND draws_at<=? "
        "ORDER BY id" + conn.for_update(skip_locked=True),  # another process may be drawing
        (now,),
    ).fetchall()
    return [int(r["id"]) for r in rows]
