"""Coupons, 拼团, 限时秒杀 and lotteries: checks against the store's limits, then rows.

The limits and the promotions' own rules live in :mod:`~studio.backend.promos`,
:mod:`~studio.backend.flash`, :mod:`~studio.backend.groupbuys` and
:mod:`~studio.backend.lotteries`; this module applies them for the routes. Every
``create_*``/``start_*`` takes the same arguments (transaction, commerce, caller,
request body), so one route helper runs them all.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from studio.backend import flash, lotteries, promos
from studio.backend import models as m
from studio.backend.access import User
from studio.backend.engine import Conn, Row
from studio.backend.errors import ApiError
from studio.backend.service import CommerceService

log = logging.getLogger(__name__)

COUPON_FIELDS = (
    "id",
    "session_id",
    "product_id",
    "code",
    "title",
    "discount_cents",
    "min_spend_cents",
    "total",
    "used",
    "expires_at",
)


def coupon_out(r: Row) -> dict[str, Any]:
    return {k: r[k] for k in COUPON_FIELDS}


def check_coupon(commerce: CommerceService, store_id: int, body: m.CouponIn) -> None:
    """422 when the coupon is beyond the store's limits."""
    price = (
        commerce.product_row(body.product_id)["price_cents"]
        if body.product_id is not None
        else None
    )
    promos.check_coupon(
        promos.rules_for(commerce.db.conn, store_id),
        discount=body.discount_cents,
        min_spend=body.min_spend_cents,
        product_price=price,
    )


def create_coupon(
    conn: Conn, commerce: CommerceService, user: User, body: m.CouponIn
) -> dict[str, Any]:
    now = commerce.clock.now()
    code = "C" + secrets.token_hex(4).upper()
    cur = conn.execute(
        "INSERT INTO coupons(session_id, product_id, code, title, discount_cents,"
        " min_spend_cents, total, expires_at, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
        (
            body.session_id,
            body.product_id,
            code,
            body.title,
            body.discount_cents,
            body.min_spend_cents,
            body.total,
            now + body.ttl_seconds if body.ttl_seconds else None,
            now,
        ),
    )
    return coupon_out(conn.execute("SELECT * FROM coupons WHERE id=?", (cur.lastrowid,)).one())


def coupons(commerce: CommerceService, session_id: int) -> list[dict[str, Any]]:
    rows = commerce.db.all("SELECT * FROM coupons WHERE session_id=?", session_id)
    return [coupon_out(r) for r in rows]


def check_groupbuy(commerce: CommerceService, store_id: int, body: m.GroupBuyIn) -> None:
    """422 when the group price is beyond the store's limits."""
    promos.check_group_price(
        promos.rules_for(commerce.db.conn, store_id),
        price=commerce.product_row(body.product_id)["price_cents"],
        group_price=body.group_price_cents,
    )


def start_groupbuy(
    conn: Conn, commerce: CommerceService, user: User, body: m.GroupBuyIn
) -> dict[str, Any]:
    """The new 拼团, announced on the session's feed."""
    now = commerce.clock.now()
    cur = conn.execute(
        "INSERT INTO groupbuys(session_id, product_id, group_price_cents, size,"
        " created_at, ends_at) VALUES(?,?,?,?,?,?)",
        (
            body.session_id,
            body.product_id,
            body.group_price_cents,
            body.size,
            now,
            now + body.minutes * 60,
        ),
    )
    gb = commerce.groupbuy_out(
        conn.execute("SELECT * FROM groupbuys WHERE id=?", (cur.lastrowid,)).one()
    )
    commerce.emit(conn, body.session_id, "groupbuy.progress", gb)
    return gb


def groupbuys(commerce: CommerceService, session_id: int) -> list[dict[str, Any]]:
    rows = commerce.db.all("SELECT * FROM groupbuys WHERE session_id=?", session_id)
    return [commerce.groupbuy_out(r) for r in rows]


def check_flash_price(commerce: CommerceService, store_id: int, body: m.FlashPriceIn) -> None:
    """422 when the flash price or its window is beyond the store's limits."""
    flash.check(
        promos.rules_for(commerce.db.conn, store_id),
        price=commerce.product_row(body.product_id)["price_cents"],
        flash=body.price_cents,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )


def create_flash_price(
    conn: Conn, commerce: CommerceService, user: User, body: m.FlashPriceIn
) -> dict[str, Any]:
    return flash.create(
        conn,
        session_id=body.session_id,
        product_id=body.product_id,
        price_cents=body.price_cents,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        user_id=user.id,
        now=commerce.clock.now(),
    )


def start_lottery(
    conn: Conn, commerce: CommerceService, user: User, body: m.LotteryIn
) -> dict[str, Any]:
    now = commerce.clock.now()
    draws_at = now + body.draw_in_seconds if body.draw_in_seconds else None
    cur = conn.execute(
        "INSERT INTO lotteries(session_id, prize, winners, created_at, draws_at) VALUES(?,?,?,?,?)",
        (body.session_id, body.prize, body.winners, now, draws_at),
    )
    return lotteries.out(conn.execute("SELECT * FROM lotteries WHERE id=?", (cur.lastrowid,)).one())


def lottery_session(commerce: CommerceService, lottery_id: int) -> int:
    """The session a lottery belongs to (404 when there is no such lottery)."""
    lot = commerce.db.one("SELECT session_id FROM lotteries WHERE id=?", lottery_id)
    if lot is None:
        raise ApiError(404, f"lottery {lottery_id} does not exist")
    return int(lot["session_id"])


def draw_lottery(commerce: CommerceService, lottery_id: int) -> dict[str, Any]:
    """Draw now (drawing twice returns the first result)."""
    with commerce.db.write() as conn:
        return lotteries.out(lotteries.draw(conn, lottery_id, commerce.clock.now(), commerce.emit))
