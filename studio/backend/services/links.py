"""Purchase links of a session (the signed tokens themselves are minted by
:meth:`studio.backend.service.CommerceService.create_link`)."""

from __future__ import annotations

import logging
from typing import Any

from studio.backend import models as m
from studio.backend.access import User
from studio.backend.engine import Conn, Row
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)


def create(
    conn: Conn, commerce: CommerceService, user: User, sess: Row, body: m.LinkIn
) -> dict[str, Any]:
    return commerce.create_link(
        conn,
        user,
        sess,
        product_id=body.product_id,
        coupon_id=body.coupon_id,
        ttl=body.ttl_seconds,
    )


def listed(commerce: CommerceService, session_id: int) -> list[dict[str, Any]]:
    return [
        commerce.link_out(r)
        for r in commerce.db.all("SELECT * FROM links WHERE session_id=? ORDER BY id", session_id)
    ]
