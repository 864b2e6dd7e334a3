"""Business limits on promotions, per store, set by its store manager (or an admin).

The limits and the rules applying them are the commerce contract's
(:mod:`studio.contract.promos`, shared with the studio); this module stores them per
store and turns a :class:`~studio.contract.promos.PromoRuleError` into a 422.
"""

from __future__ import annotations

import logging

from studio.backend.engine import Conn
from studio.backend.errors import ApiError
from studio.contract import promos as rules_mod
from studio.contract.promos import DEFAULT, PromoRuleError, PromoRules, capped_discount

__all__ = [
    "DEFAULT",
    "PromoRules",
    "capped_discount",
    "check_coupon",
    "check_group_price",
    "rules_for",
    "set_rules",
]

log = logging.getLogger(__name__)


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
    try:
        rules_mod.check_coupon(
            rules, discount=discount, min_spend=min_spend, product_price=product_price
        )
    except PromoRuleError as exc:
        raise ApiError(422, str(exc)) from exc


def check_group_price(rules: PromoRules, *, price: int, group_price: int) -> None:
    try:
        rules_mod.check_group_price(rules, price=price, group_price=group_price)
    except PromoRuleError as exc:
        raise ApiError(422, str(exc)) from exc
