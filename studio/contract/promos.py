"""Promotion limits per store and the rules that apply them: one copy for both sides.

The backend refuses a coupon, a group price or a flash price outside its store's
limits (a 422 naming the limit); the studio checks a show's promotions against the
same limits when it is prepared, so the guide hears of a refusal before going live.
Both call these functions; a violation is a :class:`PromoRuleError`, which the
backend turns into its ``ApiError(422)`` and the studio into a sentence for the guide.

- ``max_coupon_cents``: no coupon may be worth more than this (default ¥500);
- ``max_discount_pct``: a coupon never takes more than this share off what it is
  used on (the product's price, or the minimum spend), and a flash price never
  goes below the price less this share (default 50 %);
- ``min_group_price_pct``: a group price lies between this share of the product's
  price and the price itself (default 10 %, never 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

MAX_FLASH_WINDOW_SECONDS = 24 * 3600.0


class PromoRuleError(ValueError):
    """A promotion outside its store's limits; the message names the limit."""


@dataclass(frozen=True)
class PromoRules:
    max_coupon_cents: int = 50_000
    max_discount_pct: int = 50
    min_group_price_pct: int = 10

    def out(self, store_id: int) -> dict[str, Any]:
        return {"store_id": store_id, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PromoRules:
        """From the backend's ``PromoRulesOut`` (or the studio's cached copy of it)."""
        return cls(
            max_coupon_cents=int(data["max_coupon_cents"]),
            max_discount_pct=int(data["max_discount_pct"]),
            min_group_price_pct=int(data["min_group_price_pct"]),
        )


DEFAULT = PromoRules()


def check_coupon(
    rules: PromoRules, *, discount: int, min_spend: int, product_price: int | None
) -> None:
    if discount > rules.max_coupon_cents:
        raise PromoRuleError(
            f"discount_cents {discount} is over this store's coupon limit "
            f"({rules.max_coupon_cents} cents; a store manager sets it)"
        )
    base, what = (
        (product_price, "the product's price")
        if product_price is not None
        else (min_spend, "min_spend_cents")
    )
    if base and discount * 100 > base * rules.max_discount_pct:
        raise PromoRuleError(
            f"discount_cents {discount} is more than {rules.max_discount_pct} % of {what} "
            f"({base} cents)"
        )


def check_group_price(rules: PromoRules, *, price: int, group_price: int) -> None:
    floor = max(1, math.ceil(price * rules.min_group_price_pct / 100))
    if not floor <= group_price <= price:
        raise PromoRuleError(
            f"group_price_cents must be between {floor} ({rules.min_group_price_pct} % of the "
            f"price) and the product's price {price}"
        )


def capped_discount(rules: PromoRules, coupon_cents: int, subtotal: int) -> int:
    """What a coupon takes off at checkout: never over the store's share of the subtotal."""
    return max(0, min(coupon_cents, subtotal, subtotal * rules.max_discount_pct // 100))


def flash_floor_cents(rules: PromoRules, price: int) -> int:
    """The lowest flash price the store's limits allow for a product at ``price``."""
    return max(1, math.ceil(price * (100 - rules.max_discount_pct) / 100))


def check_flash(
    rules: PromoRules, *, price: int, flash: int, starts_at: float, ends_at: float
) -> None:
    """A flash price within the limits, its window positive and at most 24 hours."""
    floor = flash_floor_cents(rules, price)
    if not floor <= flash <= price:
        raise PromoRuleError(
            f"price_cents must be between {floor} (the price less this store's "
            f"{rules.max_discount_pct} % discount limit) and the product's price {price}"
        )
    if not 0 < ends_at - starts_at <= MAX_FLASH_WINDOW_SECONDS:
        raise PromoRuleError("ends_at must be after starts_at, and the window at most 24 hours")
