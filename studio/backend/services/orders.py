"""Orders and commissions as each role may see them."""

from __future__ import annotations

import logging
from typing import Any

from studio.backend.access import User, read_store, readable
from studio.backend.ordering import commission_out
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)


def listed(
    commerce: CommerceService, user: User, session_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """The newest ``limit`` orders of a session, or of every store the caller reads."""
    db = commerce.db
    if session_id is not None:
        sess = commerce.session_row(session_id)
        read_store(commerce, user, sess["store_id"], f"read orders of session {session_id}")
        rows = db.all(
            "SELECT id, store_id FROM orders WHERE session_id=? ORDER BY id DESC LIMIT ?",
            session_id,
            limit,
        )
    else:
        rows = db.all("SELECT id, store_id FROM orders ORDER BY id DESC LIMIT ?", limit * 20)
        rows = [r for r in rows if readable(commerce, user, r["store_id"])]
    return [commerce.order_out(r["id"]) for r in rows[:limit]]


def commissions(commerce: CommerceService, user: User, state: str | None) -> list[dict[str, Any]]:
    """A guide sees their own commissions; managers see their scope."""
    rows = commerce.db.all(
        "SELECT c.*, o.store_id FROM commissions c JOIN orders o ON o.id=c.order_id "
        "ORDER BY c.id DESC LIMIT 2000"
    )
    out = []
    for r in rows:
        if state and r["state"] != state:
            continue
        if user.role == "guide" and r["guide_id"] != user.guide_id:
            continue
        if readable(commerce, user, r["store_id"]):
            out.append(commission_out(r))
    return out
