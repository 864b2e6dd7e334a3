"""What a show's promotion cue becomes at the backend: the body of its coupon, group-buy or lottery.

Show scripts speak the guide's units (yuan, a threshold, a group size, seconds on air); the
backend's promotion routes take cents, counts and minutes. Before this mapping only actions
whose payload happened to carry the backend's own field names created anything, so a show's
"¥10 进店福利券" or "拼团价 ¥60" was drawn on air and never offered at checkout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

DEFAULT_COUPONS = 100  # how many a show coupon offers when the script does not say
DEFAULT_WINNERS = 1


def _cents(yuan: Any) -> int | None:
    return None if yuan is None else round(float(yuan) * 100)


def promotion_body(
    kind: str, payload: dict[str, Any], product_id: Callable[[str], int | None]
) -> dict[str, Any] | None:
    """The backend body for a promotion action, or None when the payload cannot make one.

    A payload already in the backend's terms (``discount_cents``, ``group_price_cents``,
    ``winners``) is taken as it is; a show cue's (``amount``, ``threshold``, ``price``,
    ``size``, ``duration``) is converted.
    """
    make = _MAKERS.get(kind)
    if make is None:
        return None
    sku = payload.get("sku")
    pid = payload.get("product_id")
    if pid is None and sku:
        pid = product_id(str(sku))
    return make(payload, None if pid is None else int(pid))


def _coupon(payload: dict[str, Any], pid: int | None) -> dict[str, Any] | None:
    discount = payload.get("discount_cents", _cents(payload.get("amount")))
    if not discount:
        return None
    body: dict[str, Any] = {
        "title": payload.get("title") or f"¥{discount / 100:g} 优惠券",
        "discount_cents": int(discount),
        "total": int(payload.get("total") or payload.get("count") or DEFAULT_COUPONS),
    }
    min_spend = payload.get("min_spend_cents", _cents(payload.get("threshold")))
    if min_spend:
        body["min_spend_cents"] = int(min_spend)
    if pid is not None:
        body["product_id"] = pid
    # valid for the session unless said: its seconds on air are not how long a viewer has
    ttl = payload.get("ttl_seconds")
    if ttl:
        body["ttl_seconds"] = max(1, math.ceil(float(ttl)))
    return body


def _groupbuy(payload: dict[str, Any], pid: int | None) -> dict[str, Any] | None:
    price = payload.get("group_price_cents", _cents(payload.get("price")))
    size = payload.get("size")
    if pid is None or not price or not size:
        return None
    minutes = payload.get("minutes") or math.ceil(float(payload.get("duration") or 60) / 60)
    return {
        "product_id": pid,
        "group_price_cents": int(price),
        "size": int(size),
        "minutes": max(1, int(minutes)),
    }


def _lottery(payload: dict[str, Any], _pid: int | None) -> dict[str, Any] | None:
    prize = payload.get("prize")
    if not prize:
        return None
    body = {"prize": str(prize), "winners": int(payload.get("winners") or DEFAULT_WINNERS)}
    # the backend draws it when its countdown on air ends (and announces the winner in the feed)
    draw_in = payload.get("draw_in_seconds") or payload.get("duration")
    if draw_in:
        body["draw_in_seconds"] = max(1, math.ceil(float(draw_in)))
    return body


_MAKERS: dict[str, Callable[[dict[str, Any], int | None], dict[str, Any] | None]] = {
    "coupon_issued": _coupon,
    "groupbuy_started": _groupbuy,
    "lottery_started": _lottery,
}

PATHS = {
    "coupon_issued": ("coupon", "/api/coupons"),
    "groupbuy_started": ("groupbuy", "/api/groupbuys"),
    "lottery_started": ("lottery", "/api/lotteries"),
}
