"""Business limits on promotions, per store, set by its store manager (or an admin).

- ``max_coupon_cents``: no coupon may be worth more than this (default ¥500);
- ``max_discount_pct``: a coupon never takes more than this share off what it is
  used on: at creation against the product's price (product coupons) or the
  minimum spend (session coupons with one), and again at checkout against the
  order's subtotal, so stacking a coupon on a group price cannot reach ¥0
  (default 50 %);
- ``min_group_price_pct``: a group price lies between this share of the
  product's price and the price itself (default 10 %, never 0).

Violations are 422 with a sentence naming the limit.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from typing import Any

from studio.backend.engine import Conn
from studio.backend.errors import ApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromoRules:
    max_coupon_cents: int = 50_000
    max_discount_pct: int = 50
    min_group_price_pct: int = 10

    def out(self, store_id: int) -> dict[str, Any]:
        return {"store_id": store_id, **asdict(self)}


DEFAULT = PromoRules()


def rules_for(conn: Conn, store_id: int) -> PromoRules:
    row = conn.execute(
        "SELECT max_coupon_cents, max_discount_pct, min_group_price_pct FROM promo_rules "
        "WHERE store_id=?",
        (store_id,),
    ).fetchone()
    return PromoRules(*row) if row else DEFAULT


def set_rules(conn: Conn, store_id: int, rules: PromoRules, user_id: int, now: float) -> None:
    conn.execute(
        "INSERT INTO promo_rules(store_id, max_coupon_cents, max_discount_pct,"
        " min_group_price_pct, updated_by, updated_at) VALUES(?,?,?,?,?,?) "
        "ON CONFLICT(store_id) DO UPDATE SET max_coupon_cents=excluded.max_coupon_cents,"
        " max_discount_pct=excluded.max_discount_pct,"
        " min_group_price_pct=excluded.min_group_price_pct,"
        " updated_by=excluded.updated_by, updated_at=excluded.updated_at",
        (
            store_id,
            rules.max_coupon_cents,
            rules.max_discount_pct,
            rules.min_group_price_pct,
            user_id,
            now,
        ),
    )


def check_coupon(
    rules: PromoRules, *, discount: int, min_spend: int, product_price: int | None
) -> None:
    if discount > rules.max_coupon_cents:
        raise ApiError(
            422,
            f"discount_cents {discount} is over this store's coupon limit "
            f"({rules.max_coupon_cents} cents; a store manager sets it)",
        )
    base, what = (
        (product_price, "the product's price")
        if product_price is not None
        else (min_spend, "min_spend_cents")
    )
    if base and discount * 100 > base * rules.max_discount_pct:
        raise ApiError(
            422,
            f"discount_cents {discount} is more than {rules.max_discount_pct} % of {what} "
            f"({base} cents)",
        )


def check_group_price(rules: PromoRules, *, price: int, group_price: int) -> None:
    floor = max(1, math.ceil(price * rules.min_group_price_pct / 100))
    if not floor <= group_price <= price:
        raise ApiError(
            422,
            f"group_price_cents must be between {floor} ({rules.min_group_price_pct} % of the "
            f"price) and the product's price {price}",
        )


def capped_discount(rules: PromoRules, coupon_cents: int, subtotal: int) -> int:
    """What a coupon takes off at checkout: never over the store's share of the subtotal."""
    return max(0, min(coupon_cents, subtotal, subtotal * rules.max_discount_pct // 100))
